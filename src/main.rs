//! The relpack command line: parse arguments, run one command (src/cli/),
//! and exit with the code it chose (0 releasable, 1 a gate fails, 2 invalid
//! evidence or command line, 3 anything else).

mod cli;

use std::process::ExitCode;

// Rendering 100k pages on two threads is allocation-bound; mimalloc halves
// the time glibc's allocator takes there. Without transparent huge pages
// (Cargo.toml says why).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match cli::parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let colour = cli::colour_choice(cli.color);
    ExitCode::from(cli::run(cli, colour))
}
