//! Writing one output file: through symlinks, streaming to devices and FIFOs, never onto an
//! input, and for regular files through a unique temporary that is synced and renamed, so
//! readers see either the old file or the complete new one.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::temp::{unique_name, Temp};
use crate::FileError;

/// Writes `path` with what `fill` produces. `inputs` are files this run reads: writing onto
/// one of them (by any name: a link, `./x`, a hard link) is refused.
pub fn write_file(
    path: &Path,
    inputs: &[&Path],
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), FileError> {
    if path.as_os_str().is_empty() {
        return Err(FileError::new(path, "the output path is empty"));
    }
    let target = follow_links(path)?;
    match std::fs::metadata(&target) {
        Ok(meta) => {
            refuse_inputs(path, &meta, inputs)?;
            let kind = meta.file_type();
            if kind.is_dir() {
                Err(FileError::new(path, "is a directory; give a file name"))
            } else if kind.is_char_device() || kind.is_fifo() {
                stream(path, &target, fill)
            } else if kind.is_file() {
                replace(path, &target, Some(meta.permissions()), fill)
            } else {
                Err(FileError::new(
                    path,
                    "is a block device or socket; her2sim writes regular files, character devices and FIFOs only",
                ))
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => replace(path, &target, None, fill),
        Err(e) => Err(FileError::io(path, e)),
    }
}

/// The file a path names after following symlinks (also dangling ones: the link's target is
/// created, as `echo > link` would).
fn follow_links(path: &Path) -> Result<PathBuf, FileError> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let next = std::fs::read_link(&p).map_err(|e| FileError::io(path, e))?;
                p = match p.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(FileError::new(path, "too many levels of symbolic links"))
}

fn refuse_inputs(path: &Path, meta: &std::fs::Metadata, inputs: &[&Path]) -> Result<(), FileError> {
    for input in inputs {
        if let Ok(m) = std::fs::metadata(input) {
            if m.dev() == meta.dev() && m.ino() == meta.ino() && meta.is_file() {
                return Err(FileError::new(
                    path,
                    format!(
                        "is the input file {}; refusing to overwrite it (choose another output)",
                        input.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Character devices and FIFOs are written in place, as a shell redirection would.
fn stream(
    path: &Path,
    target: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), FileError> {
    let file = OpenOptions::new()
        .write(true)
        .open(target)
        .map_err(|e| FileError::io(path, e))?;
    let mut w = BufWriter::new(file);
    fill(&mut w)
        .and_then(|()| w.flush())
        .map_err(|e| FileError::io(path, e))
}

/// A regular file: unique temporary beside the target, synced, renamed over it.
fn replace(
    path: &Path,
    target: &Path,
    permissions: Option<std::fs::Permissions>,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), FileError> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| FileError::new(path, "does not name a file"))?;
    let tmp_path = unique_name(dir, name);
    // create_new: O_CREAT|O_EXCL, which also refuses to follow a symlink planted at the name.
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp_path)
        .map_err(|e| FileError::io(path, e))?;
    let tmp = Temp::register(tmp_path);
    let write_all = |file: File| -> std::io::Result<()> {
        if let Some(p) = permissions {
            file.set_permissions(p)?;
        }
        let mut w = BufWriter::new(file);
        fill(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(tmp.path(), target)
    };
    write_all(file).map_err(|e| FileError::io(path, e))?;
    tmp.keep();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("her2sim-write-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn entries(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_atomically_and_leaves_no_temporary() {
        let d = scratch("plain");
        let out = d.join("out.csv");
        write_file(&out, &[], |w| w.write_all(b"a,b\n")).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "a,b\n");
        let e = write_file(&out, &[], |_| Err(std::io::Error::other("boom"))).unwrap_err();
        assert!(e.reason.contains("boom"));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "a,b\n");
        assert_eq!(entries(&d), vec!["out.csv"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn never_touches_unrelated_tmp_files_or_planted_links() {
        let d = scratch("planted");
        std::fs::write(d.join("results.csv.tmp"), "mine").unwrap();
        std::fs::write(d.join("victim"), "precious").unwrap();
        symlink(d.join("victim"), d.join("out.csv.tmp")).unwrap();
        write_file(&d.join("results.txt"), &[], |w| w.write_all(b"x")).unwrap();
        write_file(&d.join("out.csv"), &[], |w| w.write_all(b"y")).unwrap();
        assert_eq!(
            std::fs::read_to_string(d.join("results.csv.tmp")).unwrap(),
            "mine"
        );
        assert_eq!(
            std::fs::read_to_string(d.join("victim")).unwrap(),
            "precious"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn refuses_inputs_by_any_name() {
        let d = scratch("input");
        let model = d.join("model.xml");
        std::fs::write(&model, "<sbml/>").unwrap();
        symlink(&model, d.join("link.xml")).unwrap();
        std::fs::hard_link(&model, d.join("hard.xml")).unwrap();
        for out in ["model.xml", "link.xml", "hard.xml"] {
            let e = write_file(&d.join(out), &[&model], |w| w.write_all(b"x")).unwrap_err();
            assert!(e.reason.contains("input file"), "{e}");
        }
        assert_eq!(std::fs::read_to_string(&model).unwrap(), "<sbml/>");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn writes_through_symlinks_and_keeps_them() {
        let d = scratch("link");
        std::fs::write(d.join("real.csv"), "old").unwrap();
        symlink("real.csv", d.join("link.csv")).unwrap();
        symlink("new.csv", d.join("dangling.csv")).unwrap();
        write_file(&d.join("link.csv"), &[], |w| w.write_all(b"new")).unwrap();
        write_file(&d.join("dangling.csv"), &[], |w| w.write_all(b"made")).unwrap();
        let link = std::fs::symlink_metadata(d.join("link.csv")).unwrap();
        assert!(link.file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(d.join("real.csv")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(d.join("new.csv")).unwrap(), "made");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn streams_to_character_devices() {
        write_file(Path::new("/dev/null"), &[], |w| w.write_all(b"gone")).unwrap();
        let m = std::fs::symlink_metadata("/dev/null").unwrap();
        assert!(m.file_type().is_char_device());
    }

    #[test]
    fn refuses_directories() {
        let d = scratch("dir");
        let e = write_file(&d, &[], |w| w.write_all(b"x")).unwrap_err();
        assert!(e.reason.contains("directory"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn concurrent_writers_never_mix_rows() {
        let d = scratch("race");
        let out = d.join("out.csv");
        std::thread::scope(|s| {
            for k in 0..6u8 {
                let out = &out;
                s.spawn(move || {
                    write_file(out, &[], |w| {
                        for _ in 0..2000 {
                            writeln!(w, "{k},{k},{k}")?;
                        }
                        Ok(())
                    })
                    .unwrap()
                });
            }
        });
        let text = std::fs::read_to_string(&out).unwrap();
        let first = text.lines().next().unwrap().to_string();
        assert_eq!(text.lines().count(), 2000);
        assert!(text.lines().all(|l| l == first));
        assert_eq!(entries(&d), vec!["out.csv"]);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
