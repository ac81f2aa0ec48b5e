//! Size-limited reading of input files: a model, study or table larger than the limit (or an
//! endless device like `/dev/zero`) is refused before it fills memory.

use std::io::Read;
use std::path::Path;

use crate::FileError;

/// The default input size limit (bytes): far above any curated SBML model (the largest
/// BioModels entries are a few MB), far below what would exhaust memory once parsed.
pub const DEFAULT_INPUT_LIMIT: u64 = 256 * 1024 * 1024;

/// Reads a UTF-8 text file of at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, FileError> {
    let file = std::fs::File::open(path).map_err(|e| FileError::io(path, e))?;
    if let Ok(meta) = file.metadata() {
        if meta.is_dir() {
            return Err(FileError::new(path, "is a directory, not a file"));
        }
        if meta.is_file() && meta.len() > limit {
            return Err(too_large(path, limit));
        }
    }
    let mut bytes = Vec::new();
    // Read one byte past the limit: devices and pipes report no size up front.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, limit));
    }
    String::from_utf8(bytes).map_err(|e| {
        FileError::new(
            path,
            format!(
                "is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn too_large(path: &Path, limit: u64) -> FileError {
    FileError::new(
        path,
        format!(
            "is larger than the input limit of {} MB (raise it with --max-input-mb)",
            limit / (1024 * 1024)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endless_device_is_refused_at_the_limit() {
        let e = read_text(Path::new("/dev/zero"), 1000).unwrap_err();
        assert!(e.reason.contains("input limit"), "{e}");
    }

    #[test]
    fn directory_and_binary_are_refused() {
        let e = read_text(Path::new("/"), 1000).unwrap_err();
        assert!(e.reason.contains("directory"), "{e}");
        let dir = std::env::temp_dir().join(format!("her2sim-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bin");
        std::fs::write(&p, [b'a', 0xff, 0xfe]).unwrap();
        let e = read_text(&p, 1000).unwrap_err();
        assert!(e.reason.contains("offset 1"), "{e}");
        std::fs::write(&p, "hello").unwrap();
        assert_eq!(read_text(&p, 5).unwrap(), "hello");
        assert!(read_text(&p, 4).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
