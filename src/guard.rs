//! A reader of outside bytes that panics (polars' Parquet decoder does on
//! some damaged files) must not crash slo: [`catch`] turns the panic into an
//! error message, and keeps the panic's own report off stderr.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Guarded calls in progress: while any runs, panics are not printed (the
/// panicking thread may be a worker of polars' pool, not the caller's).
static GUARDED: AtomicUsize = AtomicUsize::new(0);

fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARDED.load(Ordering::SeqCst) == 0 {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; a panic inside it becomes `Err(its message)`.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    GUARDED.fetch_add(1, Ordering::SeqCst);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.fetch_sub(1, Ordering::SeqCst);
    r.map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an unexplained failure".into())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_an_error() {
        assert_eq!(super::catch(|| 7), Ok(7));
        let r: Result<(), String> = super::catch(|| panic!("thrift bool field"));
        assert_eq!(r, Err("thrift bool field".to_string()));
    }
}
