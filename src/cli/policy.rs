//! `relpack policy test`: the policies' own `test_` rules, as `opa test`
//! runs them: one line a test, a count, exit 0 when all pass, 1 when one
//! fails, 2 when a policy does not parse.

use std::io::Write;
use std::path::PathBuf;

use relpack::report::{escape_terminal, Escaped};

use super::{fail, Ctx, DiffFormat};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(clap::Subcommand)]
pub enum PolicyCommand {
    /// Run every `test_` rule of the policies (policies/ or `[policy] paths`).
    /// Example: `relpack policy test evidence`
    Test(TestArgs),
}

#[derive(clap::Args)]
pub struct TestArgs {
    /// The evidence root (holds relpack.toml); default: this folder.
    pub dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

pub fn run(args: Args, ctx: &Ctx) -> u8 {
    let PolicyCommand::Test(TestArgs { dir, format }) = args.command;
    let root = relpack::root_or_cwd(dir);
    let files = match relpack::policy_files(&root) {
        Ok(f) => f,
        Err(f) => return fail(&f, ctx.colour),
    };
    let outcomes = match relpack::policy::eval::run_tests(&files) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {}", escape_terminal(&e));
            return 2;
        }
    };
    let failed = outcomes.iter().filter(|t| !t.passed).count();
    let passed = outcomes.len() - failed;
    if format == DiffFormat::Json {
        let tests: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|t| {
                serde_json::json!({
                    "package": t.package, "name": t.name, "file": t.path,
                    "line": t.line, "passed": t.passed, "error": t.error,
                })
            })
            .collect();
        let doc = serde_json::json!({"passed": passed, "failed": failed, "tests": tests});
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        let mut stdout = std::io::stdout();
        let mut out = Escaped(&mut stdout);
        for t in &outcomes {
            if ctx.quiet && t.passed {
                continue;
            }
            let word = if t.passed { "PASS" } else { "FAIL" };
            let _ = writeln!(
                out,
                "{word} data.{}.{} ({}:{})",
                t.package, t.name, t.path, t.line
            );
            if let Some(e) = &t.error {
                let _ = writeln!(out, "     {}", e.lines().next().unwrap_or_default());
            }
        }
        let _ = writeln!(out, "{passed} passed, {failed} failed");
    }
    u8::from(failed > 0)
}
