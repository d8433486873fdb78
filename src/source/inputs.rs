//! Inputs of bulk runs: files, directories (recursive, symlink loops detected) and glob
//! patterns become a list of files; zip archives become a list of HAR members.

use super::{Container, Limits, Source};
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Files found under the arguments.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Files to read, in argument order, directories sorted by name.
    pub files: Vec<Found>,
    /// Arguments or directory entries that could not be read, with why.
    pub errors: Vec<(PathBuf, String)>,
}

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its path.
    pub path: PathBuf,
    /// Named on the command line (always read) rather than found in a directory (read
    /// only when its first bytes look like a HAR or an archive).
    pub explicit: bool,
}

/// Expands `args`: `-` (stdin) and files as they are, directories recursively, and
/// glob patterns (`*`, `?`, `[…]`, `**`) that do not name an existing path.
pub fn discover(args: &[PathBuf]) -> Discovered {
    let mut out = Discovered::default();
    let mut seen_dirs = HashSet::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            out.files.push(Found {
                path: arg.clone(),
                explicit: true,
            });
            continue;
        }
        let text = arg.to_string_lossy();
        if !arg.exists() && text.contains(['*', '?', '[']) {
            match glob::glob(&text) {
                Ok(paths) => {
                    let mut any = false;
                    for p in paths {
                        any = true;
                        match p {
                            Ok(p) => visit(&p, true, &mut seen_dirs, &mut out),
                            Err(e) => out.errors.push((e.path().to_path_buf(), e.to_string())),
                        }
                    }
                    if !any {
                        out.errors
                            .push((arg.clone(), "the pattern matches no file".to_owned()));
                    }
                }
                Err(e) => out
                    .errors
                    .push((arg.clone(), format!("invalid glob pattern: {e}"))),
            }
            continue;
        }
        visit(arg, true, &mut seen_dirs, &mut out);
    }
    out
}

fn visit(path: &Path, explicit: bool, seen: &mut HashSet<(u64, u64)>, out: &mut Discovered) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            let why = if std::fs::symlink_metadata(path).is_ok() {
                format!("broken symbolic link or symlink loop: {e}")
            } else {
                e.to_string()
            };
            out.errors.push((path.to_path_buf(), why));
            return;
        }
    };
    if meta.is_dir() {
        if !seen.insert((meta.dev(), meta.ino())) {
            out.errors.push((
                path.to_path_buf(),
                "directory already visited (a symbolic link loop?); not read again".to_owned(),
            ));
            return;
        }
        let mut children: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                out.errors.push((path.to_path_buf(), e.to_string()));
                return;
            }
        };
        children.sort();
        for child in children {
            // Hidden files and directories (`.git`, our own temporary files) are not inputs.
            if child
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            visit(&child, false, seen, out);
        }
    } else if meta.is_file() || explicit {
        // Devices and pipes are read only when named.
        out.files.push(Found {
            path: path.to_path_buf(),
            explicit,
        });
    }
}

/// Whether the first bytes of a file look like something harx reads: compressed or
/// archived data, or JSON text (an object, or JSONP `name(` before it).
pub fn looks_like_input(head: &[u8]) -> bool {
    if Container::sniff(head) != Container::Plain {
        return true;
    }
    let text = &head[super::bom_len(head)..];
    let first = text.iter().position(|b| !b.is_ascii_whitespace());
    match first.map(|i| text[i]) {
        Some(b'{') => true,
        Some(c) if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
            let rest = &text[first.unwrap_or(0)..];
            let ident = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.'))
                .count();
            rest.get(ident..)
                .is_some_and(|r| r.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'('))
        }
        _ => false,
    }
}

/// The first bytes of a file (up to `n`).
///
/// # Errors
/// When the file cannot be read.
pub fn head(path: &Path, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    // a FIFO or `<(…)` is read once, by whoever reads it whole: nothing is peeked, and it
    // is not even opened here (opening and closing a FIFO would break its writer's pipe)
    if !std::fs::metadata(path)?.is_file() {
        return Ok(buf);
    }
    let file = File::open(path)?;
    file.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(feature = "archives")]
/// What a zip archive holds.
#[derive(Debug, Default)]
pub struct ZipPlan {
    /// HAR members to read, by index.
    pub members: Vec<ZipMember>,
    /// Members refused, with why (names that escape the archive, encrypted members).
    pub refused: Vec<(String, String)>,
    /// Other members not read (Playwright's attached bodies, non-HAR files).
    pub ignored: usize,
    /// The archive is a Fiddler session archive (`raw/NN_c.txt`, `raw/NN_s.txt`).
    pub saz: bool,
}

#[cfg(feature = "archives")]
/// One member of a zip archive.
#[derive(Debug, Clone)]
pub struct ZipMember {
    /// Index in the archive.
    pub index: usize,
    /// Name as stored.
    pub name: String,
    /// Compressed size, as the archive says.
    pub compressed: u64,
}

#[cfg(feature = "archives")]
fn har_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [".har", ".har.gz", ".zhar", ".har.zst", ".harp"]
        .iter()
        .any(|ext| n.ends_with(ext))
}

#[cfg(feature = "archives")]
/// Lists the HAR members of a zip archive. When members are named like HARs (Playwright
/// writes `har.har` next to its attached bodies), only those are read; otherwise every
/// member whose first bytes look like JSON or a compressed stream is. Names that are
/// absolute or climb out with `..` are refused (harx never writes members to disk, but
/// such a name marks a hostile archive).
///
/// # Errors
/// When the archive's directory cannot be read.
pub fn zip_plan<R: Read + io::Seek>(
    archive: &mut zip::ZipArchive<R>,
) -> zip::result::ZipResult<ZipPlan> {
    let mut plan = ZipPlan::default();
    let mut named = Vec::new();
    let mut others = Vec::new();
    let mut raw_sessions = 0;
    for index in 0..archive.len() {
        let file = archive.by_index_raw(index)?;
        if file.is_dir() {
            continue;
        }
        let name = file.name().map_or_else(
            |_| String::from_utf8_lossy(file.name_raw()).into_owned(),
            |n| n.into_owned(),
        );
        let absolute = name.starts_with(['/', '\\'])
            || name.as_bytes().get(1) == Some(&b':')
            || name.split(['/', '\\']).any(|c| c == "..");
        if absolute || file.enclosed_name().is_none() {
            plan.refused.push((
                name,
                "member name escapes the archive (absolute or `..`)".to_owned(),
            ));
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("raw/") && (lower.ends_with("_c.txt") || lower.ends_with("_s.txt")) {
            // Fiddler's members; a password-protected SAZ is opened by the SAZ reader.
            raw_sessions += 1;
            continue;
        }
        if file.encrypted() {
            plan.refused.push((
                name,
                "member is encrypted (password-protected archive)".to_owned(),
            ));
            continue;
        }
        let member = ZipMember {
            index,
            name,
            compressed: file.compressed_size(),
        };
        if har_name(&member.name) {
            named.push(member);
        } else {
            others.push(member);
        }
    }
    if raw_sessions > 0 && named.is_empty() {
        plan.saz = true;
        plan.refused.clear();
        return Ok(plan);
    }
    if named.is_empty() {
        for m in others {
            let mut head = Vec::with_capacity(64);
            let ok = archive
                .by_index(m.index)
                .and_then(|f| Ok(f.take(64).read_to_end(&mut head)?))
                .is_ok();
            if ok && looks_like_input(&head) {
                plan.members.push(m);
            } else {
                plan.ignored += 1;
            }
        }
    } else {
        plan.ignored = others.len();
        plan.members = named;
    }
    Ok(plan)
}

#[cfg(feature = "archives")]
/// Reads one member of `archive` into a [`Source`], decompressing within `limits` (the
/// ratio is measured against the member's compressed size).
///
/// # Errors
/// When the member cannot be read, or exceeds the limits.
pub fn open_member<R: Read + io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    member: &ZipMember,
    limits: &Limits,
) -> io::Result<Source> {
    let mut file = archive.by_index(member.index).map_err(io::Error::other)?;
    Source::from_reader(&mut file, member.compressed.max(1), limits)
}

#[cfg(feature = "archives")]
/// Reads a Fiddler archive (already told apart by [`zip_plan`]) as one HAR document.
///
/// # Errors
/// When the archive cannot be read (a password is needed or wrong) or exceeds `limits`.
pub fn open_saz<R: Read + io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    archive_len: u64,
    opts: &super::saz::SazOptions,
    limits: &Limits,
) -> io::Result<(Source, super::saz::SazStats)> {
    Source::from_writer(archive_len.max(1), limits, |w| {
        super::saz::to_har(archive, opts, limits.max_bytes, w)
    })
}

#[cfg(feature = "archives")]
/// What a zip archive is read from: its file, or its bytes already read (a stream, a
/// download).
#[derive(Debug)]
pub enum ArchiveFile {
    /// A local file.
    File(File),
    /// Bytes in memory or in a mapped temporary file.
    Bytes(io::Cursor<Source>),
}

#[cfg(feature = "archives")]
impl Read for ArchiveFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::File(f) => f.read(buf),
            Self::Bytes(c) => c.read(buf),
        }
    }
}

#[cfg(feature = "archives")]
impl io::Seek for ArchiveFile {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        match self {
            Self::File(f) => f.seek(pos),
            Self::Bytes(c) => c.seek(pos),
        }
    }
}

/// One HAR document of an input: the whole file (plain or compressed), one member of a zip
/// archive, or a Fiddler archive read as one HAR.
#[derive(Debug)]
pub struct Document {
    /// The zip member's name (`None` for a whole file or a `.saz`).
    pub member: Option<String>,
    /// What held it: `plain`, `gzip`, `zlib`, `zstd`, `zip`, `saz`.
    pub container: &'static str,
    /// Its bytes, or why they could not be read.
    pub source: io::Result<Source>,
    /// The member was refused unread (a name that escapes the archive, encryption): the
    /// other members are read.
    pub refused: bool,
}

impl Document {
    /// How rows and messages name it: `path`, or `path!member` for a zip member.
    pub fn label(&self, path: &Path) -> PathBuf {
        match &self.member {
            Some(m) => PathBuf::from(format!("{}!{m}", path.display())),
            None => path.to_path_buf(),
        }
    }
}

/// Where a zip archive's bytes are.
#[cfg_attr(not(feature = "archives"), allow(dead_code))]
enum Zipped<'a> {
    Path(&'a Path),
    Bytes(Source),
}

/// The HAR documents of one input, opened one at a time (one zip member in memory or
/// spooled at a time): the one place every command opens its inputs.
pub struct Documents {
    inner: DocumentsInner,
}

enum DocumentsInner {
    One(Option<Document>),
    #[cfg(feature = "archives")]
    Zip {
        archive: zip::ZipArchive<ArchiveFile>,
        refused: std::vec::IntoIter<(String, String)>,
        members: std::vec::IntoIter<ZipMember>,
        limits: Limits,
    },
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Documents")
    }
}

impl Documents {
    /// Opens `path` (`-` is standard input). `streamed`: the input's bytes already read
    /// as they came (standard input, a FIFO), decompressed here. A zip archive yields its
    /// HAR members (or, for a Fiddler archive, one document); anything else one document.
    ///
    /// # Errors
    /// When a zip archive cannot be read or holds no HAR (a single file's own read error
    /// comes as its document's `source`).
    pub fn open(
        path: &Path,
        streamed: Option<Source>,
        limits: &Limits,
        saz: &super::SazOptions,
    ) -> io::Result<Self> {
        let one = |source: io::Result<Source>, container: &'static str| Self {
            inner: DocumentsInner::One(Some(Document {
                member: None,
                container,
                source,
                refused: false,
            })),
        };
        if let Some(s) = streamed {
            let head = s.bytes()[..s.bytes().len().min(8)].to_vec();
            let container = Container::sniff(&head);
            if container == Container::Zip {
                return Self::open_zip(Zipped::Bytes(s), limits, saz, one);
            }
            return Ok(one(s.decompressed(limits), container.name()));
        }
        let head = if path.as_os_str() == "-" {
            Vec::new()
        } else {
            head(path, 8).unwrap_or_default()
        };
        let container = Container::sniff(&head);
        if container != Container::Zip {
            return Ok(one(Source::open_with(path, limits), container.name()));
        }
        Self::open_zip(Zipped::Path(path), limits, saz, one)
    }

    #[cfg(not(feature = "archives"))]
    fn open_zip(
        _zipped: Zipped<'_>,
        _limits: &Limits,
        _saz: &super::SazOptions,
        _one: impl Fn(io::Result<Source>, &'static str) -> Self,
    ) -> io::Result<Self> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "a zip archive: this build of harx reads no archives (the `archives` feature)",
        ))
    }

    #[cfg(feature = "archives")]
    fn open_zip(
        zipped: Zipped<'_>,
        limits: &Limits,
        saz: &super::SazOptions,
        one: impl Fn(io::Result<Source>, &'static str) -> Self,
    ) -> io::Result<Self> {
        let (file, len) = match zipped {
            Zipped::Path(path) => {
                let file = File::open(path)?;
                let len = file.metadata().map(|m| m.len()).unwrap_or(0);
                (ArchiveFile::File(file), len)
            }
            Zipped::Bytes(s) => {
                let len = s.bytes().len() as u64;
                (ArchiveFile::Bytes(io::Cursor::new(s)), len)
            }
        };
        let zip_err = |e: zip::result::ZipError| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("not a readable zip archive: {e}"),
            )
        };
        let mut archive = zip::ZipArchive::new(file).map_err(zip_err)?;
        let plan = zip_plan(&mut archive).map_err(zip_err)?;
        if plan.saz {
            let source = open_saz(&mut archive, len, saz, limits).map(|(s, _)| s);
            return Ok(one(source, "saz"));
        }
        if plan.members.is_empty() && plan.refused.is_empty() {
            return Err(io::Error::other("the archive holds no HAR"));
        }
        Ok(Self {
            inner: DocumentsInner::Zip {
                archive,
                refused: plan.refused.into_iter(),
                members: plan.members.into_iter(),
                limits: *limits,
            },
        })
    }
}

impl Iterator for Documents {
    type Item = Document;

    fn next(&mut self) -> Option<Document> {
        match &mut self.inner {
            DocumentsInner::One(d) => d.take(),
            #[cfg(feature = "archives")]
            DocumentsInner::Zip {
                archive,
                refused,
                members,
                limits,
            } => {
                if let Some((name, why)) = refused.next() {
                    return Some(Document {
                        member: Some(name),
                        container: "zip",
                        source: Err(io::Error::new(io::ErrorKind::InvalidData, why)),
                        refused: true,
                    });
                }
                let m = members.next()?;
                Some(Document {
                    source: open_member(archive, &m, limits),
                    member: Some(m.name),
                    container: "zip",
                    refused: false,
                })
            }
        }
    }
}
