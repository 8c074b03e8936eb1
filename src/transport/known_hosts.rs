//! known_hosts verification. STUB.
