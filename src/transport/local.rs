//! Local transport: runs commands on the controller. STUB.

use std::time::Duration;

use super::{Output, Stdin, TransportError};

#[derive(Default)]
pub struct LocalConnection {}

impl LocalConnection {
    pub async fn exec(
        &self,
        _command: &[u8],
        _stdin: Stdin,
        _timeout: Option<Duration>,
    ) -> Result<Output, TransportError> {
        todo!()
    }
}
