//! Where SED-ML files and the models they name come from: the file system (model sources
//! relative to the SED-ML file) or a COMBINE archive (.omex, a zip with `manifest.xml`) read
//! into memory with size limits, paths resolved inside the archive.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::SedmlError;

/// The files a run reads from.
pub(crate) enum Files {
    /// Plain files, read with a size limit (bytes).
    Disk { limit: u64 },
    /// The entries of an archive (normalised paths, no leading `./`), named `archive` in errors.
    Archive {
        archive: String,
        entries: BTreeMap<String, Vec<u8>>,
    },
}

/// `a/./b/../c` → `a/c` (no leading `/` or `./`); `None` when it climbs out of the root.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

impl Files {
    /// Reads `source` relative to the SED-ML file `sedml` (a disk path or an archive entry);
    /// returns the name to show for the file and its text.
    pub fn read(&self, sedml: &str, source: &str) -> Result<(String, String), String> {
        match self {
            Files::Disk { limit } => {
                let base = Path::new(sedml).parent().unwrap_or(Path::new(""));
                let path: PathBuf = base.join(source);
                let shown = path.display().to_string();
                let text = her2sim_files::read_text(&path, *limit)
                    .map_err(|e| format!("cannot read model source '{source}': {e}"))?;
                Ok((shown, text))
            }
            Files::Archive { archive, entries } => {
                let dir = sedml.rsplit_once('/').map_or("", |(d, _)| d);
                let key = if source.starts_with('/') {
                    normalise(source)
                } else {
                    normalise(&format!("{dir}/{source}"))
                };
                let shown = format!("{archive}!{}", key.as_deref().unwrap_or(source));
                let bytes = key
                    .as_ref()
                    .and_then(|k| entries.get(k))
                    .ok_or_else(|| format!("model source '{source}' is not in the archive"))?;
                let text = String::from_utf8(bytes.clone())
                    .map_err(|_| format!("{shown} is not UTF-8 text"))?;
                Ok((shown, text))
            }
        }
    }
}

/// An opened COMBINE archive: its entries and the SED-ML files to run (master first).
pub(crate) struct Archive {
    pub files: Files,
    pub sedml: Vec<String>,
}

/// Opens the archive at `path`; every entry is limited to `limit` bytes and the whole to
/// 4 × `limit`.
pub(crate) fn open_archive(path: &Path, limit: u64) -> Result<Archive, SedmlError> {
    let name = path.display().to_string();
    let err = |msg: String| SedmlError::new(name.as_str(), "", msg);
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| err(format!("not a readable zip archive: {e}")))?;
    let mut entries = BTreeMap::new();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut f = zip
            .by_index(i)
            .map_err(|e| err(format!("entry {i}: {e}")))?;
        if f.is_dir() {
            continue;
        }
        let entry = f.name().to_string();
        let Some(key) = normalise(&entry) else {
            return Err(err(format!("entry '{entry}' points outside the archive")));
        };
        let mut buf = Vec::new();
        (&mut f)
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|e| err(format!("entry '{entry}': {e}")))?;
        if buf.len() as u64 > limit {
            return Err(err(format!(
                "entry '{entry}' is larger than the input limit of {limit} bytes"
            )));
        }
        total += buf.len() as u64;
        if total > limit.saturating_mul(4) {
            return Err(err(
                "the archive unpacks to more than 4x the input limit".into()
            ));
        }
        entries.insert(key, buf);
    }
    let manifest = entries
        .get("manifest.xml")
        .ok_or_else(|| err("no manifest.xml in the archive".into()))?;
    let manifest =
        std::str::from_utf8(manifest).map_err(|_| err("manifest.xml is not UTF-8 text".into()))?;
    let xml = roxmltree::Document::parse(manifest)
        .map_err(|e| err(format!("manifest.xml is not well-formed XML: {e}")))?;
    let mut sedml: Vec<(bool, String)> = Vec::new();
    for c in xml
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "content")
    {
        let format = c.attribute("format").unwrap_or("");
        let location = c.attribute("location").unwrap_or("");
        if !format.to_ascii_lowercase().contains("sed-ml")
            && !format.to_ascii_lowercase().contains("sedml")
        {
            continue;
        }
        let key = normalise(location)
            .filter(|k| entries.contains_key(k))
            .ok_or_else(|| {
                err(format!(
                    "manifest.xml lists SED-ML '{location}', which is not in the archive"
                ))
            })?;
        let master = c.attribute("master") == Some("true");
        sedml.push((!master, key));
    }
    if sedml.is_empty() {
        return Err(err("manifest.xml lists no SED-ML file".into()));
    }
    // Master first, then in manifest order (the sort is stable).
    sedml.sort_by_key(|(not_master, _)| *not_master);
    Ok(Archive {
        files: Files::Archive {
            archive: name.clone(),
            entries,
        },
        sedml: sedml.into_iter().map(|(_, k)| k).collect(),
    })
}
