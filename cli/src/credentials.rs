//! The credentials file: user secrets, keyed by (base URL, client id, user id).
//!
//! Format (JSON):
//!
//! ```json
//! {"version": 1, "users": [
//!   {"base_url": "https://api.snaptrade.com", "client_id": "C", "user_id": "u", "user_secret": "..."}
//! ]}
//! ```
//!
//! The file holds user secrets only, never the consumer key. It is created
//! with owner-only permissions (0600 on unix, set when the file is created)
//! and always replaced atomically: a temporary file in the same directory,
//! written, flushed to disk, then renamed over the old one. A file that does
//! not parse is reported with its path and is never overwritten.
//!
//! A change is made by an [`Update`]: it takes an OS lock on `FILE.lock`
//! (released by the kernel when the process dies, so it cannot go stale),
//! reads the file and creates the file that will replace it, all before the
//! API call whose answer must be stored, and holds the lock until the new
//! contents are on disk. Two `snaptrade` processes registering users at once
//! therefore both keep their secrets. A symbolic link is written through: its
//! target gets the new contents, the link stays.

use serde::{Deserialize, Serialize};
use snaptrade::SecretString;
use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The current file format version.
const VERSION: u32 = 1;

/// Why the credentials file could not be used.
#[derive(Debug)]
pub enum CredentialsError {
    /// The file (or its directory) could not be read or written.
    Io {
        /// The file in question.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// The file exists but is not a credentials file this program understands.
    Corrupt {
        /// The file in question.
        path: PathBuf,
        /// The parser's message (never contains file contents beyond a position).
        message: String,
    },
    /// No secret is stored for the user.
    NotFound {
        /// The file that was searched.
        path: PathBuf,
        /// Whether the file exists at all.
        file_exists: bool,
        /// The user id looked up.
        user_id: String,
        /// The base URL looked up.
        base_url: String,
        /// The client id looked up.
        client_id: String,
    },
    /// No default location could be worked out.
    NoDefaultPath,
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::Io {
                path,
                action,
                source,
            } => write!(
                f,
                "cannot {action} credentials file {}: {source}",
                path.display()
            ),
            CredentialsError::Corrupt { path, message } => write!(
                f,
                "credentials file {} is not valid ({message}); it was left untouched: \
                 fix it, move it away, or pass --credentials FILE",
                path.display()
            ),
            CredentialsError::NotFound {
                path,
                file_exists,
                user_id,
                base_url,
                client_id,
            } => {
                write!(
                    f,
                    "no stored secret for user {user_id:?} (client id {client_id:?}, {base_url}) in "
                )?;
                if *file_exists {
                    write!(f, "credentials file {}", path.display())?;
                } else {
                    write!(f, "credentials file {} (it does not exist)", path.display())?;
                }
                write!(f, "; pass --secret")
            }
            CredentialsError::NoDefaultPath => write!(
                f,
                "cannot locate the credentials file: set $SNAPTRADE_CREDENTIALS, \
                 $XDG_CONFIG_HOME or $HOME, or pass --credentials FILE"
            ),
        }
    }
}

impl std::error::Error for CredentialsError {}

/// The default credentials file: `$SNAPTRADE_CREDENTIALS`, else
/// `$XDG_CONFIG_HOME/snaptrade/credentials.json`, else
/// `~/.config/snaptrade/credentials.json`.
pub fn default_path() -> Result<PathBuf, CredentialsError> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(p) = var(crate::args::ENV_CREDENTIALS) {
        return Ok(PathBuf::from(p));
    }
    if let Some(dir) = var("XDG_CONFIG_HOME") {
        return Ok(PathBuf::from(dir)
            .join("snaptrade")
            .join("credentials.json"));
    }
    if let Some(home) = var("HOME") {
        return Ok(PathBuf::from(home)
            .join(".config")
            .join("snaptrade")
            .join("credentials.json"));
    }
    Err(CredentialsError::NoDefaultPath)
}

/// Which stored secret: base URL (without trailing `/`), client id, user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The API base URL.
    pub base_url: String,
    /// The partner client id.
    pub client_id: String,
    /// The user id.
    pub user_id: String,
}

impl Key {
    /// A key; the base URL is normalized (no trailing slash).
    pub fn new(base_url: &str, client_id: &str, user_id: &str) -> Self {
        Key {
            base_url: base_url.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            user_id: user_id.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    base_url: String,
    client_id: String,
    user_id: String,
    /// Serialized as the plain string; redacted in `Debug`.
    user_secret: SecretString,
}

impl Entry {
    fn matches(&self, key: &Key) -> bool {
        self.base_url.trim_end_matches('/') == key.base_url
            && self.client_id == key.client_id
            && self.user_id == key.user_id
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct FileData {
    version: u32,
    #[serde(default)]
    users: Vec<Entry>,
}

/// The credentials file, loaded in memory.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    exists: bool,
    users: Vec<Entry>,
}

/// How long the lock may be waited for. It is taken before the API call, so
/// giving up loses nothing; it is held across one API call by another
/// process, hence generous.
const LOCK_WAIT: Duration = Duration::from_secs(120);

impl Store {
    /// Loads the file; a missing file is an empty store. A file that cannot be
    /// read or parsed is an error naming the path. A save interrupted by a
    /// killed process is completed first (see [`Update`]).
    pub fn load(path: &Path) -> Result<Store, CredentialsError> {
        let files = Files::new(path)?;
        if fs::symlink_metadata(&files.pending).is_ok() {
            // Only under the lock: the pending file may belong to a live
            // writer, about to store a new secret; waiting for it means
            // reading that secret rather than the one it replaces.
            if let Ok(lock) = files.lock(LOCK_WAIT) {
                files.recover()?;
                drop(lock);
            }
        }
        let (exists, users) = read_file(&files.target)?;
        Ok(Store {
            path: path.to_owned(),
            exists,
            users,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Group/other permission bits of the existing file, when they are not
    /// all clear (unix only): a reason to warn.
    pub fn loose_permissions(&self) -> Option<u32> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&self.path).ok()?.permissions().mode() & 0o777;
            (self.exists && mode & 0o077 != 0).then_some(mode)
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// The stored secret for `key`.
    pub fn get(&self, key: &Key) -> Option<&SecretString> {
        self.users
            .iter()
            .find(|e| e.matches(key))
            .map(|e| &e.user_secret)
    }

    /// The stored secret, or an error explaining where it was looked for.
    pub fn require(&self, key: &Key) -> Result<SecretString, CredentialsError> {
        self.get(key)
            .cloned()
            .ok_or_else(|| CredentialsError::NotFound {
                path: self.path.clone(),
                file_exists: self.exists,
                user_id: key.user_id.clone(),
                base_url: key.base_url.clone(),
                client_id: key.client_id.clone(),
            })
    }
}

/// The paths involved: the file as named, the file written (a symlink's
/// target, so the link survives and the target gets the new contents and
/// mode), its directory, the lock file and the pending file.
#[derive(Debug)]
struct Files {
    /// As given, for messages.
    named: PathBuf,
    /// Where the data really goes: `named` with symlinks followed.
    target: PathBuf,
    dir: PathBuf,
    /// `TARGET.lock`: never removed; only its kernel lock (`flock`) matters,
    /// so a leftover file means nothing and a dead holder's lock is gone.
    lock: PathBuf,
    /// `.TARGET.pending`: the next contents, created empty under the lock
    /// before the API call and renamed over the target once written.
    pending: PathBuf,
}

impl Files {
    fn new(named: &Path) -> Result<Files, CredentialsError> {
        let target = resolve_links(named).map_err(|source| CredentialsError::Io {
            path: named.to_owned(),
            action: "follow the symbolic link of",
            source,
        })?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "credentials.json".into());
        Ok(Files {
            named: named.to_owned(),
            lock: dir.join(format!("{name}.lock")),
            pending: dir.join(format!(".{name}.pending")),
            target,
            dir,
        })
    }

    fn err(&self, action: &'static str) -> impl FnOnce(io::Error) -> CredentialsError + '_ {
        move |source| CredentialsError::Io {
            path: self.named.clone(),
            action,
            source,
        }
    }

    /// Creates the directory (owner-only) when it is missing.
    fn create_dir(&self) -> Result<(), CredentialsError> {
        if self.dir.is_dir() {
            return Ok(());
        }
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            builder.mode(0o700);
        }
        builder
            .create(&self.dir)
            .map_err(self.err("create the directory of"))
    }

    /// Takes the OS lock on the lock file, waiting up to `wait`. The
    /// kernel releases it when the returned file is closed, including when
    /// the process dies, so there is no stale lock to guess about.
    fn lock(&self, wait: Duration) -> Result<fs::File, CredentialsError> {
        let file = private_options(fs::OpenOptions::new().read(true).write(true).create(true))
            .open(&self.lock)
            .map_err(self.err("open the lock file of"))?;
        let start = Instant::now();
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(fs::TryLockError::WouldBlock) => {}
                Err(fs::TryLockError::Error(e)) => return Err(self.err("lock")(e)),
            }
            if start.elapsed() >= wait {
                return Err(self.err("lock")(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "another snaptrade process has held {} for {} s; nothing was sent",
                        self.lock.display(),
                        wait.as_secs()
                    ),
                )));
            }
            if !told && start.elapsed() > Duration::from_secs(2) {
                eprintln!(
                    "waiting for another snaptrade process to finish with {}",
                    self.named.display()
                );
                told = true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Under the lock: deals with a pending file left by a killed writer. A
    /// complete one (it parses) is the state that writer meant to store,
    /// secret included, so it is put in place; anything else is removed.
    fn recover(&self) -> Result<(), CredentialsError> {
        let Ok(meta) = fs::symlink_metadata(&self.pending) else {
            return Ok(());
        };
        if meta.is_file() && read_file(&self.pending).is_ok_and(|(exists, _)| exists) {
            let file = fs::File::open(&self.pending).map_err(self.err("recover"))?;
            file.sync_all().map_err(self.err("recover"))?;
            fs::rename(&self.pending, &self.target).map_err(self.err("recover"))?;
            sync_dir(&self.dir);
            eprintln!(
                "note: completed a save of {} interrupted by a killed snaptrade process",
                self.named.display()
            );
            return Ok(());
        }
        // Not a regular file (e.g. a planted link: removing it never touches
        // what it points to) or an unfinished write.
        fs::remove_file(&self.pending).map_err(self.err("remove the stale pending file of"))
    }
}

/// An update of the credentials file in progress: the file is locked (an OS
/// lock), read, and proven writable (the pending file it will be replaced
/// with is already created) before the API call whose answer must be stored.
/// [`Update::commit`] writes the pending file, fsyncs it, renames it over
/// the target and fsyncs the directory, still under the lock.
#[derive(Debug)]
pub struct Update {
    files: Files,
    store: Store,
    pending: Option<fs::File>,
    _lock: fs::File,
}

impl Update {
    /// Locks, reads and prepares `path` for a change.
    pub fn begin(path: &Path) -> Result<Update, CredentialsError> {
        let files = Files::new(path)?;
        files.create_dir()?;
        let lock = files.lock(LOCK_WAIT)?;
        files.recover()?;
        let (exists, users) = read_file(&files.target)?;
        if let Ok(meta) = fs::metadata(&files.target) {
            if !meta.is_file() {
                return Err(files.err("write")(io::Error::other(
                    "it is not a regular file",
                )));
            }
        }
        let pending = private_options(fs::OpenOptions::new().write(true).create_new(true))
            .open(&files.pending)
            .map_err(files.err("create a temporary file beside"))?;
        Ok(Update {
            store: Store {
                path: path.to_owned(),
                exists,
                users,
            },
            files,
            pending: Some(pending),
            _lock: lock,
        })
    }

    /// The file's contents as read under the lock.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Sets (adds or replaces) the secret for `key`.
    pub fn set(&mut self, key: &Key, secret: SecretString) {
        apply_set(&mut self.store.users, key, secret);
    }

    /// Removes the secret for `key`. Returns whether there was one.
    pub fn remove(&mut self, key: &Key) -> bool {
        apply_remove(&mut self.store.users, key)
    }

    /// Writes the contents durably and releases the lock.
    pub fn commit(mut self) -> Result<(), CredentialsError> {
        let data = FileData {
            version: VERSION,
            users: self.store.users.clone(),
        };
        let mut bytes = serde_json::to_vec_pretty(&data)
            .map_err(|e| self.files.err("serialize")(io::Error::other(e)))?;
        bytes.push(b'\n');
        let mut file = self.pending.take().ok_or_else(|| {
            self.files.err("write")(io::Error::other("the temporary file is gone"))
        })?;
        // Once `write_all` returns, a killed process leaves a complete
        // pending file that the next run puts in place (`Files::recover`).
        let result = file
            .write_all(&bytes)
            .and_then(|()| file.sync_all())
            .map_err(self.files.err("write"))
            .and_then(|()| {
                drop(file);
                fs::rename(&self.files.pending, &self.files.target)
                    .map_err(self.files.err("replace"))
            });
        if let Err(e) = result {
            let _ = fs::remove_file(&self.files.pending);
            return Err(e);
        }
        sync_dir(&self.files.dir);
        self.store.exists = true;
        Ok(())
    }
}

impl Drop for Update {
    /// An update dropped without a commit leaves the file as it was.
    fn drop(&mut self) {
        if self.pending.take().is_some() {
            let _ = fs::remove_file(&self.files.pending);
        }
    }
}

/// Open options for a file holding secrets: owner-only from creation.
fn private_options(options: &mut fs::OpenOptions) -> &mut fs::OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
}

/// `path` with symbolic links followed (the target need not exist yet), so
/// a linked credentials file is written through, not replaced by a file.
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let next = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if next.is_relative() => parent.join(next),
                    _ => next,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Makes a rename durable. Best effort: not every platform opens directories.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn apply_set(users: &mut Vec<Entry>, key: &Key, secret: SecretString) {
    match users.iter_mut().find(|e| e.matches(key)) {
        Some(e) => e.user_secret = secret,
        None => users.push(Entry {
            base_url: key.base_url.clone(),
            client_id: key.client_id.clone(),
            user_id: key.user_id.clone(),
            user_secret: secret,
        }),
    }
}

fn apply_remove(users: &mut Vec<Entry>, key: &Key) -> bool {
    let before = users.len();
    users.retain(|e| !e.matches(key));
    users.len() != before
}

/// Reads and parses the file: whether it exists, and its entries. A file that
/// cannot be read or parsed is an error naming the path.
fn read_file(path: &Path) -> Result<(bool, Vec<Entry>), CredentialsError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((false, Vec::new())),
        Err(source) => {
            return Err(CredentialsError::Io {
                path: path.to_owned(),
                action: "read",
                source,
            })
        }
    };
    let corrupt = |message: String| CredentialsError::Corrupt {
        path: path.to_owned(),
        message,
    };
    // Only the kind and position of the problem: serde_json's own message
    // may quote a value from the file, and values here are secrets.
    let data: FileData = serde_json::from_slice(&bytes).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Syntax => "not valid JSON",
            serde_json::error::Category::Eof => "truncated JSON",
            serde_json::error::Category::Data => "not the expected structure",
            serde_json::error::Category::Io => "unreadable",
        };
        corrupt(format!("{what} at line {} column {}", e.line(), e.column()))
    })?;
    if data.version != VERSION {
        return Err(corrupt(format!(
            "unsupported version {}, this program writes version {VERSION}",
            data.version
        )));
    }
    Ok((true, data.users))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "snaptrade-cli-cred-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn round_trip_and_permissions() {
        let dir = temp_dir("rt");
        let path = dir.join("sub").join("credentials.json");
        let store = Store::load(&path).unwrap();
        let key = Key::new("http://127.0.0.1:1/", "C", "u1");
        assert!(store.get(&key).is_none());
        assert!(matches!(
            store.require(&key),
            Err(CredentialsError::NotFound {
                file_exists: false,
                ..
            })
        ));
        let mut update = Update::begin(&path).unwrap();
        update.set(&key, SecretString::from("s3cret"));
        update.commit().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let mode = fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o700);
        }
        let again = Store::load(&path).unwrap();
        assert_eq!(
            again
                .get(&Key::new("http://127.0.0.1:1", "C", "u1"))
                .map(SecretString::expose),
            Some("s3cret")
        );
        assert!(again.get(&Key::new("http://other", "C", "u1")).is_none());
        assert!(again
            .get(&Key::new("http://127.0.0.1:1", "D", "u1"))
            .is_none());
        assert!(format!("{again:?}").contains("redacted"));
        assert!(!format!("{again:?}").contains("s3cret"));
        let mut update = Update::begin(&path).unwrap();
        assert!(update.remove(&key));
        update.commit().unwrap();
        assert!(Store::load(&path).unwrap().get(&key).is_none());
        // No temporary files left behind; the lock file stays (only its
        // kernel lock means anything).
        assert_eq!(
            names(path.parent().unwrap()),
            ["credentials.json", "credentials.json.lock"]
        );
        // An update dropped without commit removes its pending file.
        drop(Update::begin(&path).unwrap());
        assert_eq!(names(path.parent().unwrap()).len(), 2);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_second_update_waits_for_the_first() {
        let dir = temp_dir("wait");
        let path = dir.join("credentials.json");
        let first = Update::begin(&path).unwrap();
        let files = Files::new(&path).unwrap();
        // The kernel lock is held: nobody else gets it.
        assert!(matches!(
            files.lock(Duration::from_millis(50)),
            Err(CredentialsError::Io { action: "lock", .. })
        ));
        drop(first);
        files.lock(Duration::ZERO).unwrap();
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn leftover_lock_file_and_pending_files() {
        let dir = temp_dir("leftover");
        let path = dir.join("credentials.json");
        let key = Key::new("http://h", "C", "a");
        // An old-style lock file with a PID in it: no kernel lock, no wait.
        fs::write(dir.join("credentials.json.lock"), "12345\n").unwrap();
        // An unfinished pending write is discarded.
        fs::write(
            dir.join(".credentials.json.pending"),
            "{\"version\": 1, \"us",
        )
        .unwrap();
        let started = Instant::now();
        let mut update = Update::begin(&path).unwrap();
        assert!(started.elapsed() < Duration::from_secs(1));
        update.set(&key, "sa".into());
        update.commit().unwrap();
        // A complete pending write of a killed process is put in place, by
        // a plain load too.
        fs::write(
            dir.join(".credentials.json.pending"),
            r#"{"version": 1, "users": [{"base_url": "http://h", "client_id": "C",
                "user_id": "a", "user_secret": "rotated"}]}"#,
        )
        .unwrap();
        let store = Store::load(&path).unwrap();
        assert_eq!(store.get(&key).map(SecretString::expose), Some("rotated"));
        assert!(!dir.join(".credentials.json.pending").exists());
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_written_through() {
        let dir = temp_dir("link");
        let real_dir = dir.join("real");
        fs::create_dir_all(&real_dir).unwrap();
        let target = real_dir.join("creds.json");
        fs::write(&target, r#"{"version": 1, "users": []}"#).unwrap();
        let link = dir.join("credentials.json");
        std::os::unix::fs::symlink("real/creds.json", &link).unwrap();
        let key = Key::new("http://h", "C", "a");
        let mut update = Update::begin(&link).unwrap();
        update.set(&key, "sa".into());
        update.commit().unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        let store = Store::load(&target).unwrap();
        assert_eq!(store.get(&key).map(SecretString::expose), Some("sa"));
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            fs::metadata(&target).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // A planted link at the pending name is removed, not followed.
        let victim = dir.join("victim");
        fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, real_dir.join(".creds.json.pending")).unwrap();
        let update = Update::begin(&link).unwrap();
        update.commit().unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        // A dangling link gets its target created.
        let dangling = dir.join("dangling.json");
        std::os::unix::fs::symlink(real_dir.join("new.json"), &dangling).unwrap();
        let mut update = Update::begin(&dangling).unwrap();
        update.set(&key, "sb".into());
        update.commit().unwrap();
        assert!(real_dir.join("new.json").is_file());
        assert!(fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn corrupt_file_is_an_error_naming_the_path() {
        let dir = temp_dir("corrupt");
        let path = dir.join("credentials.json");
        fs::write(&path, "{ not json").unwrap();
        let err = Store::load(&path).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(matches!(err, CredentialsError::Corrupt { .. }));
        fs::write(&path, r#"{"version": 7, "users": []}"#).unwrap();
        assert!(matches!(
            Store::load(&path),
            Err(CredentialsError::Corrupt { .. })
        ));
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            r#"{"version": 7, "users": []}"#
        );
        fs::remove_dir_all(dir).unwrap();
    }
}
