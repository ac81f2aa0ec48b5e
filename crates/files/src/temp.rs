//! Temporary files and directories: unique names beside their target, a registry of the ones
//! alive, and a signal handler that removes them when the process is interrupted, so a kill
//! during a write leaves no partial file behind.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Temporaries of this process that exist right now (files and directories we created).
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Installs the SIGINT/SIGTERM/SIGHUP handler that removes live temporaries and exits with
/// status 130. Call once from a binary's `main`; later calls are ignored.
pub fn install_cleanup_handler() {
    // An error means a handler is already installed (by an earlier call): nothing to do.
    let _ = ctrlc::set_handler(|| {
        remove_all_live();
        std::process::exit(130);
    });
}

fn remove_all_live() {
    let live = match LIVE.lock() {
        Ok(g) => g.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    for p in live {
        remove_temp(&p);
    }
}

/// Removes a temporary we created: a file, or a directory of files we wrote.
fn remove_temp(p: &Path) {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => {
            // Our own exclusively created directory; std's remove_dir_all never follows links.
            let _ = std::fs::remove_dir_all(p);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(p);
        }
        Err(_) => {}
    }
}

/// A name in `dir` for a temporary standing in for `target_name`: hidden, unique to this
/// process and call, and ending in `.her2sim-tmp` so it never looks like output.
pub(crate) fn unique_name(dir: &Path, target_name: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    dir.join(format!(
        ".{target_name}.{}-{n}-{nanos:x}.her2sim-tmp",
        std::process::id()
    ))
}

/// A registered temporary: removed when dropped unless `keep` was called (after the rename).
pub(crate) struct Temp {
    path: PathBuf,
    armed: bool,
}

impl Temp {
    pub(crate) fn register(path: PathBuf) -> Temp {
        if let Ok(mut g) = LIVE.lock() {
            g.push(path.clone());
        }
        Temp { path, armed: true }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary has been renamed into place: forget it.
    pub(crate) fn keep(mut self) {
        self.armed = false;
        self.unregister();
    }

    fn unregister(&self) {
        if let Ok(mut g) = LIVE.lock() {
            g.retain(|p| p != &self.path);
        }
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if self.armed {
            remove_temp(&self.path);
            self.unregister();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_hidden() {
        let a = unique_name(Path::new("/tmp"), "out.csv");
        let b = unique_name(Path::new("/tmp"), "out.csv");
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with(".out.csv.") && name.ends_with(".her2sim-tmp"));
    }

    #[test]
    fn dropped_temporaries_are_removed() {
        let p = unique_name(&std::env::temp_dir(), "x");
        std::fs::write(&p, "partial").unwrap();
        drop(Temp::register(p.clone()));
        assert!(!p.exists());
        assert!(LIVE.lock().unwrap().iter().all(|q| q != &p));
    }
}
