//! Builds a module's remote script and parses its output. STUB.

use crate::result::TaskResult;

/// What a module script printed: the payload before the marker and the JSON result after it.
#[derive(Debug, Clone, Default)]
pub struct ScriptOutput {}

impl ScriptOutput {
    pub fn into_result(self) -> TaskResult {
        todo!()
    }
}

impl ScriptOutput {
    pub fn parse(_out: crate::transport::Output, _marker: &str) -> ScriptOutput {
        todo!()
    }
}
