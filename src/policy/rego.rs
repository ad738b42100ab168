//! The one place regorus is called: add a file, set the input, evaluate a
//! rule to JSON. Without the `policy` feature (a lean build), every call
//! says so, and a tree with policies is refused.

#[cfg(feature = "policy")]
mod imp {
    #[derive(Clone)]
    pub struct Engine(regorus::Engine);

    /// Monotonic time since relpack first asked.
    struct Clock(std::sync::OnceLock<std::time::Instant>);

    impl regorus::utils::limits::TimeSource for Clock {
        fn now(&self) -> Option<std::time::Duration> {
            Some(self.0.get_or_init(std::time::Instant::now).elapsed())
        }
    }

    impl Engine {
        /// An engine whose evaluations stop after [`super::time_limit`]: a
        /// policy is evidence, and one that loops must not hang a release.
        pub fn new() -> Engine {
            // regorus without its `std` feature (which would pull in a
            // second `rand`) reads time from the clock it is given.
            static CLOCK: Clock = Clock(std::sync::OnceLock::new());
            let _ = regorus::utils::limits::set_time_source(&CLOCK);
            let mut e = regorus::Engine::new();
            e.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
                limit: super::time_limit(),
                check_interval: std::num::NonZeroU32::MIN.saturating_add(999),
            });
            Engine(e)
        }

        pub fn add(&mut self, path: &str, text: &str) -> Result<(), String> {
            self.0
                .add_policy(path.to_string(), text.to_string())
                .map(|_| ())
                .map_err(|e| e.to_string())
        }

        pub fn set_input(&mut self, json: &str) -> Result<(), String> {
            let v = regorus::Value::from_json_str(json).map_err(|e| e.to_string())?;
            self.0.set_input(v);
            Ok(())
        }

        /// The rule's value as JSON (sets as arrays); `undefined` for none.
        pub fn eval_json(&mut self, rule: &str) -> Result<String, String> {
            let v = self.0.eval_rule(rule.to_string()).map_err(|e| {
                match e.downcast_ref::<regorus::utils::limits::LimitError>() {
                    Some(limit) => format!(
                        "{limit}: an evaluation may run {} s (RELPACK_POLICY_TIMEOUT, in seconds); does a rule loop over more than it needs?",
                        super::time_limit().as_secs_f64()
                    ),
                    None => e.to_string(),
                }
            })?;
            if v == regorus::Value::Undefined {
                return Ok("null".into());
            }
            v.to_json_str().map_err(|e| e.to_string())
        }
    }
}

/// How long one evaluation may run: `RELPACK_POLICY_TIMEOUT` seconds, 60
/// unless set (a team's policies take milliseconds).
pub fn time_limit() -> std::time::Duration {
    let seconds = std::env::var("RELPACK_POLICY_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(60.0);
    std::time::Duration::from_secs_f64(seconds.min(1e9))
}

#[cfg(not(feature = "policy"))]
mod imp {
    const NO_REGO: &str =
        "this relpack was built without Rego support (the `policy` cargo feature)";

    #[derive(Clone)]
    pub struct Engine;

    impl Engine {
        pub fn new() -> Engine {
            Engine
        }

        pub fn add(&mut self, _path: &str, _text: &str) -> Result<(), String> {
            Err(NO_REGO.into())
        }

        pub fn set_input(&mut self, _json: &str) -> Result<(), String> {
            Err(NO_REGO.into())
        }

        pub fn eval_json(&mut self, _rule: &str) -> Result<String, String> {
            Err(NO_REGO.into())
        }
    }
}

pub use imp::Engine;
