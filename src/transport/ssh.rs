//! SSH transport over russh. STUB: replaced by the transport implementation.

use std::time::Duration;

use super::{ConnectSpec, Output, Stdin, TransportError};

pub struct SshConnection {}

impl SshConnection {
    pub async fn connect(_spec: &ConnectSpec) -> Result<SshConnection, TransportError> {
        todo!()
    }

    pub async fn exec(
        &self,
        _command: &[u8],
        _stdin: Stdin,
        _timeout: Option<Duration>,
    ) -> Result<Output, TransportError> {
        todo!()
    }

    pub async fn close(self) {}
}
