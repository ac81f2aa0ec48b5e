//! The simulation gate: at most `max_concurrent` simulations run at once, each on a blocking
//! thread (`spawn_blocking`), and at most `max_queued` requests wait or run; past that a request
//! is refused with HTTP 503. The slot travels with the blocking work, so a client that hangs up
//! does not free a slot its simulation still uses.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::WebError;

/// Bounds the simulations running and waiting.
pub(crate) struct Gate {
    slots: Arc<Semaphore>,
    admitted: AtomicUsize,
    max_admitted: usize,
}

/// Decrements the admitted count when the request is done (or dropped).
struct Admission<'a>(&'a AtomicUsize);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Gate {
    pub fn new(max_concurrent: usize, max_queued: usize) -> Gate {
        let slots = max_concurrent.max(1);
        Gate {
            slots: Arc::new(Semaphore::new(slots)),
            admitted: AtomicUsize::new(0),
            max_admitted: slots + max_queued,
        }
    }

    /// Runs `work` on a blocking thread once a slot is free. A panic in `work` becomes an
    /// HTTP 500 (the server goes on).
    pub async fn run<T, F>(&self, work: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, WebError> + Send + 'static,
    {
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.max_admitted {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(WebError::busy());
        }
        let _admission = Admission(&self.admitted);
        let permit = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|_| WebError::internal("the simulation gate is closed"))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| WebError::internal(format!("the simulation failed unexpectedly: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// One slot and no queue: a second request while the first runs is refused (503); once the
    /// first is done the gate admits again, and a panicking job is a 500, not a crash.
    #[test]
    fn bounds_running_and_waiting_work() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let gate = Arc::new(Gate::new(1, 0));
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let g = gate.clone();
        let first = rt.spawn(async move {
            g.run(move || {
                started_tx.send(()).ok();
                release_rx.recv().ok();
                Ok(1)
            })
            .await
        });
        started_rx.recv().unwrap();
        let second = rt.block_on(gate.run(|| Ok(2)));
        assert_eq!(
            second.unwrap_err().status,
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        );
        release_tx.send(()).unwrap();
        assert_eq!(rt.block_on(first).unwrap(), Ok(1));
        assert_eq!(rt.block_on(gate.run(|| Ok(3))), Ok(3));
        let panicked = rt.block_on(gate.run(|| -> Result<(), WebError> { panic!("boom") }));
        assert_eq!(
            panicked.unwrap_err().status,
            axum::http::StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(rt.block_on(gate.run(|| Ok(4))), Ok(4));
    }
}
