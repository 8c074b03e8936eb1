//! A future's panic as a value: a task that panics on one host fails that host with a message,
//! and the other hosts and the rest of the run go on.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::task::Poll;

/// Runs `fut` to its end, or to its panic, returned as the panic's message. The future is
/// never polled again after it panicked, so whatever it left half-done is not observed.
pub(super) async fn catch_panic<T>(fut: impl Future<Output = T>) -> Result<T, String> {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(
        move |cx| match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(message(payload.as_ref()))),
        },
    )
    .await
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_its_message_and_a_value_stays_a_value() {
        assert_eq!(catch_panic(async { 7 }).await, Ok(7));
        let panicked = catch_panic(async {
            tokio::task::yield_now().await;
            panic!("boom {}", 3);
        })
        .await;
        assert_eq!(panicked, Err::<(), _>("boom 3".to_string()));
    }
}
