//! The one function that quotes a value for a POSIX shell. STUB.
