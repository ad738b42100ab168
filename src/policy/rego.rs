//! The one place regorus is called: add a file, set the input, evaluate a
//! rule to JSON. Without the `policy` feature (a lean build), every call
//! says so, and a tree with policies is refused.

#[cfg(feature = "policy")]
mod imp {
    #[derive(Clone)]
    pub struct Engine(regorus::Engine);

    impl Engine {
        pub fn new() -> Engine {
            Engine(regorus::Engine::new())
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
            let v = self
                .0
                .eval_rule(rule.to_string())
                .map_err(|e| e.to_string())?;
            if v == regorus::Value::Undefined {
                return Ok("null".into());
            }
            v.to_json_str().map_err(|e| e.to_string())
        }
    }
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
