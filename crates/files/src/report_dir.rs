//! Report directories (`--out DIR`): built complete in a unique temporary directory, then
//! moved into place. An existing DIR is replaced only when it is empty or a previous her2sim
//! report (recognised by its marker file) holding nothing but the files the marker lists; the
//! old report's files are then removed one by one, never recursively. `.`, `..`, the working
//! directory or an ancestor of it, and symlinks are refused, never followed into deletion.

use std::path::{Component, Path, PathBuf};

use crate::temp::{unique_name, Temp};
use crate::FileError;

/// The marker file in every report directory: its lines name the files her2sim wrote there.
pub const REPORT_MARKER: &str = ".her2sim-report";

/// What stands at the report path now.
enum Existing {
    Nothing,
    EmptyDir,
    /// A previous report: the files to remove after it has been replaced.
    Report(Vec<String>),
}

/// Checks that `dir` may receive a report, without writing anything: call before a long run
/// so that a refused `--out` fails at once rather than after the work.
pub fn check_report_dir(dir: &Path) -> Result<(), FileError> {
    inspect(dir).map(|_| ())
}

/// Writes `files` (name, content) as the report directory `dir`, replacing a previous report.
pub fn write_report_dir(dir: &Path, files: &[(&str, &[u8])]) -> Result<(), FileError> {
    for (name, _) in files {
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return Err(FileError::new(
                dir,
                format!("invalid report file name {name:?}"),
            ));
        }
    }
    inspect(dir)?;
    let (parent, name) = split(dir)?;
    std::fs::create_dir_all(&parent).map_err(|e| FileError::io(&parent, e))?;
    let tmp_path = unique_name(&parent, &name);
    // create_dir fails if anything exists at the name: the directory is ours alone.
    std::fs::create_dir(&tmp_path).map_err(|e| FileError::io(dir, e))?;
    let tmp = Temp::register(tmp_path);
    let io = |e: std::io::Error| FileError::io(dir, e);
    for (name, content) in files {
        write_synced(&tmp.path().join(name), content).map_err(io)?;
    }
    let listing: String = files.iter().map(|(n, _)| format!("{n}\n")).collect();
    write_synced(&tmp.path().join(REPORT_MARKER), listing.as_bytes()).map_err(io)?;
    // Inspect again right before the move: the directory may have changed during the run.
    match inspect(dir)? {
        Existing::Nothing | Existing::EmptyDir => {
            // rename(2) replaces an empty directory atomically.
            std::fs::rename(tmp.path(), dir).map_err(io)?;
            tmp.keep();
        }
        Existing::Report(old_files) => {
            exchange(tmp.path(), dir, &parent, &name).map_err(io)?;
            // `tmp` now holds the previous report: remove exactly the files it listed.
            for f in old_files.iter().map(String::as_str).chain([REPORT_MARKER]) {
                let _ = std::fs::remove_file(tmp.path().join(f));
            }
            std::fs::remove_dir(tmp.path()).map_err(io)?;
            tmp.keep();
        }
    }
    Ok(())
}

fn write_synced(path: &Path, content: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(content)?;
    f.sync_all()
}

/// Swaps the new report into place. Linux's renameat2(RENAME_EXCHANGE) makes it atomic; where
/// the file system lacks it, the old report is first moved aside under a unique name.
fn exchange(new: &Path, dir: &Path, parent: &Path, name: &str) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
        let (a, b) = (c(new)?, c(dir)?);
        // SAFETY: both are valid NUL-terminated paths; AT_FDCWD resolves them as given.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return Ok(());
        }
    }
    let aside = unique_name(parent, &format!("{name}.old"));
    std::fs::rename(dir, &aside)?;
    if let Err(e) = std::fs::rename(new, dir) {
        let _ = std::fs::rename(&aside, dir);
        return Err(e);
    }
    // Hand the old report back under the temporary's name for the caller to clear.
    std::fs::rename(&aside, new)
}

/// The parent directory and the final name of `dir`, refusing `.`, `..` and the root.
fn split(dir: &Path) -> Result<(PathBuf, String), FileError> {
    let refuse = || {
        FileError::new(
            dir,
            "refusing to use this path as a report directory (it is '.', '..' or '/'); name a new directory",
        )
    };
    let mut parts: Vec<Component> = dir.components().collect();
    let name = match parts.pop() {
        Some(Component::Normal(n)) => n.to_str().ok_or_else(refuse)?.to_string(),
        _ => return Err(refuse()),
    };
    let parent: PathBuf = parts.iter().collect();
    let parent = if parent.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        parent
    };
    Ok((parent, name))
}

fn inspect(dir: &Path) -> Result<Existing, FileError> {
    split(dir)?;
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(e) => return Err(FileError::io(dir, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(FileError::new(
            dir,
            "is a symbolic link; her2sim will not replace a directory through a link (give the real path)",
        ));
    }
    if !meta.is_dir() {
        return Err(FileError::new(dir, "exists and is not a directory"));
    }
    if let (Ok(real), Ok(cwd)) = (std::fs::canonicalize(dir), std::env::current_dir()) {
        if cwd.starts_with(&real) {
            return Err(FileError::new(
                dir,
                "is the working directory or contains it; name a new directory for the report",
            ));
        }
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| FileError::io(dir, e))? {
        let entry = entry.map_err(|e| FileError::io(dir, e))?;
        names.push((entry.file_name().to_string_lossy().into_owned(), entry));
    }
    if names.is_empty() {
        return Ok(Existing::EmptyDir);
    }
    let foreign = |what: &str| {
        FileError::new(
            dir,
            format!(
                "{what}; her2sim only replaces an empty directory or a previous her2sim report, and never deletes files it did not write: choose another --out"
            ),
        )
    };
    let marker = dir.join(REPORT_MARKER);
    let listed: Vec<String> = match std::fs::symlink_metadata(&marker) {
        Ok(m) if m.is_file() => std::fs::read_to_string(&marker)
            .map_err(|e| FileError::io(&marker, e))?
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        _ => return Err(foreign("is not empty and is not a her2sim report")),
    };
    for (name, entry) in &names {
        if name == REPORT_MARKER {
            continue;
        }
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if !listed.contains(name) || !is_file {
            return Err(foreign(&format!(
                "holds '{name}', which her2sim did not write"
            )));
        }
    }
    Ok(Existing::Report(listed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("her2sim-rdir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn report(n: &str) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("index.html", n.as_bytes().to_vec()),
            ("a.csv", b"x".to_vec()),
        ]
    }

    fn write(dir: &Path, files: &[(&'static str, Vec<u8>)]) -> Result<(), FileError> {
        let v: Vec<(&str, &[u8])> = files.iter().map(|(n, c)| (*n, c.as_slice())).collect();
        write_report_dir(dir, &v)
    }

    fn siblings(d: &Path) -> usize {
        std::fs::read_dir(d).unwrap().count()
    }

    #[test]
    fn creates_then_replaces_its_own_report() {
        let d = scratch("own");
        let out = d.join("rep");
        write(&out, &report("one")).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "one"
        );
        write(&out, &[("index.html", b"two".to_vec())]).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "two"
        );
        assert!(
            !out.join("a.csv").exists(),
            "stale file of the old report kept"
        );
        assert_eq!(siblings(&d), 1, "temporaries left beside the report");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn never_deletes_a_users_directory() {
        let d = scratch("user");
        let out = d.join("mine");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("thesis.tex"), "precious").unwrap();
        let e = write(&out, &report("x")).unwrap_err();
        assert!(e.reason.contains("not a her2sim report"), "{e}");
        assert!(check_report_dir(&out).is_err());
        assert_eq!(
            std::fs::read_to_string(out.join("thesis.tex")).unwrap(),
            "precious"
        );
        // A user's file added to a previous report also stops the replacement.
        let rep = d.join("rep");
        write(&rep, &report("one")).unwrap();
        std::fs::write(rep.join("notes.txt"), "mine").unwrap();
        let e = write(&rep, &report("two")).unwrap_err();
        assert!(e.reason.contains("notes.txt"), "{e}");
        assert_eq!(
            std::fs::read_to_string(rep.join("notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(siblings(&d), 2);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn refuses_dot_dotdot_root_and_links() {
        for p in [".", "..", "/", "a/..", "./"] {
            let e = check_report_dir(Path::new(p)).unwrap_err();
            assert!(e.reason.contains("refusing"), "{p}: {e}");
        }
        let d = scratch("link");
        let real = d.join("real");
        write(&real, &report("one")).unwrap();
        std::os::unix::fs::symlink(&real, d.join("link")).unwrap();
        let e = write(&d.join("link"), &report("two")).unwrap_err();
        assert!(e.reason.contains("symbolic link"), "{e}");
        assert_eq!(
            std::fs::read_to_string(real.join("index.html")).unwrap(),
            "one"
        );
        std::fs::write(d.join("file"), "f").unwrap();
        assert!(write(&d.join("file"), &report("x")).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn empty_directory_is_filled() {
        let d = scratch("empty");
        let out = d.join("e");
        std::fs::create_dir(&out).unwrap();
        write(&out, &report("one")).unwrap();
        assert!(out.join(REPORT_MARKER).exists());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
