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
//! Changes are recorded in memory and applied by [`Store::save`] to the file
//! as it is on disk at that moment, under a lock file (`FILE.lock`), so two
//! `snaptrade` processes registering users at once both keep their secrets.

use serde::{Deserialize, Serialize};
use snaptrade::SecretString;
use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

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
    /// Changes not yet saved, replayed on the file's current contents.
    pending: Vec<Change>,
}

#[derive(Debug, Clone)]
enum Change {
    Set(Key, SecretString),
    Remove(Key),
}

/// How long a lock may be waited for before giving up.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// A lock file older than this is left over from a killed process (the lock
/// is only held while the file is read and rewritten).
const LOCK_STALE: std::time::Duration = std::time::Duration::from_secs(30);

impl Store {
    /// Loads the file; a missing file is an empty store. A file that cannot be
    /// read or parsed is an error naming the path.
    pub fn load(path: &Path) -> Result<Store, CredentialsError> {
        let (exists, users) = read_file(path)?;
        Ok(Store {
            path: path.to_owned(),
            exists,
            users,
            pending: Vec::new(),
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

    /// Sets (adds or replaces) the secret for `key`, in memory.
    pub fn set(&mut self, key: &Key, secret: SecretString) {
        self.pending.push(Change::Set(key.clone(), secret.clone()));
        apply_set(&mut self.users, key, secret);
    }

    /// Removes the secret for `key`, in memory. Returns whether there was one.
    pub fn remove(&mut self, key: &Key) -> bool {
        self.pending.push(Change::Remove(key.clone()));
        apply_remove(&mut self.users, key)
    }

    /// Checks that the file's directory exists (creating it, owner-only, if
    /// needed) and that a file can be created in it, before an API call whose
    /// result must be stored (a lost new secret cannot be recovered).
    pub fn check_writable(&self) -> Result<(), CredentialsError> {
        let dir = self.dir();
        self.create_dir(&dir)?;
        let (tmp, file) = self.create_temp(&dir)?;
        drop(file);
        let _ = fs::remove_file(&tmp);
        Ok(())
    }

    /// Writes the store to disk atomically, with owner-only permissions.
    pub fn save(&mut self) -> Result<(), CredentialsError> {
        let dir = self.dir();
        self.create_dir(&dir)?;
        let _lock = self.lock()?;
        // Replay this process's changes on what is on disk now, so changes
        // made by another process since `load` are kept.
        let (_, mut users) = read_file(&self.path)?;
        for change in &self.pending {
            match change {
                Change::Set(key, secret) => apply_set(&mut users, key, secret.clone()),
                Change::Remove(key) => {
                    apply_remove(&mut users, key);
                }
            }
        }
        self.users = users;
        let data = FileData {
            version: VERSION,
            users: self.users.clone(),
        };
        let mut bytes = serde_json::to_vec_pretty(&data).map_err(|e| CredentialsError::Io {
            path: self.path.clone(),
            action: "serialize",
            source: io::Error::other(e),
        })?;
        bytes.push(b'\n');
        let (tmp, mut file) = self.create_temp(&dir)?;
        let io_err = |action, source| CredentialsError::Io {
            path: self.path.clone(),
            action,
            source,
        };
        let result = file
            .write_all(&bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| io_err("write", e))
            .and_then(|()| {
                drop(file);
                fs::rename(&tmp, &self.path).map_err(|e| io_err("replace", e))
            });
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        // Make the rename itself durable.
        #[cfg(unix)]
        if let Ok(d) = fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        self.exists = true;
        self.pending.clear();
        Ok(())
    }

    /// Takes the lock file, waiting for another process to release it.
    fn lock(&self) -> Result<LockGuard, CredentialsError> {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".lock");
        let lock_path = PathBuf::from(name);
        let start = std::time::Instant::now();
        loop {
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            match options.open(&lock_path) {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(LockGuard(lock_path));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let stale = fs::metadata(&lock_path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > LOCK_STALE);
                    if stale {
                        let _ = fs::remove_file(&lock_path);
                        continue;
                    }
                    if start.elapsed() > LOCK_WAIT {
                        return Err(CredentialsError::Io {
                            path: self.path.clone(),
                            action: "lock",
                            source: io::Error::new(
                                io::ErrorKind::WouldBlock,
                                format!(
                                    "{} is held by another process; remove it if no \
                                     snaptrade command is running",
                                    lock_path.display()
                                ),
                            ),
                        });
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(source) => {
                    return Err(CredentialsError::Io {
                        path: self.path.clone(),
                        action: "lock",
                        source,
                    })
                }
            }
        }
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        }
    }

    fn create_dir(&self, dir: &Path) -> Result<(), CredentialsError> {
        if dir.is_dir() {
            return Ok(());
        }
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(|source| CredentialsError::Io {
            path: self.path.clone(),
            action: "create the directory of",
            source,
        })
    }

    /// Creates a new, empty, owner-only file beside the credentials file.
    fn create_temp(&self, dir: &Path) -> Result<(PathBuf, fs::File), CredentialsError> {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "credentials.json".into());
        let mut last_err = None;
        for attempt in 0..16u32 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let tmp = dir.join(format!(
                ".{name}.tmp.{}.{nanos}.{attempt}",
                std::process::id()
            ));
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            match options.open(&tmp) {
                Ok(file) => return Ok((tmp, file)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = Some(e),
                Err(source) => {
                    return Err(CredentialsError::Io {
                        path: self.path.clone(),
                        action: "create a temporary file beside",
                        source,
                    })
                }
            }
        }
        Err(CredentialsError::Io {
            path: self.path.clone(),
            action: "create a temporary file beside",
            source: last_err.unwrap_or_else(|| io::Error::other("too many attempts")),
        })
    }
}

/// Removes the lock file when dropped.
struct LockGuard(PathBuf);

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
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

    #[test]
    fn round_trip_and_permissions() {
        let dir = temp_dir("rt");
        let path = dir.join("sub").join("credentials.json");
        let mut store = Store::load(&path).unwrap();
        let key = Key::new("http://127.0.0.1:1/", "C", "u1");
        assert!(store.get(&key).is_none());
        assert!(matches!(
            store.require(&key),
            Err(CredentialsError::NotFound {
                file_exists: false,
                ..
            })
        ));
        store.set(&key, SecretString::from("s3cret"));
        store.save().unwrap();
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
        let mut again = Store::load(&path).unwrap();
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
        assert!(again.remove(&key));
        again.save().unwrap();
        assert!(Store::load(&path).unwrap().get(&key).is_none());
        // No temporary files left behind.
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["credentials.json"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn save_keeps_changes_made_by_others_since_load() {
        let dir = temp_dir("merge");
        let path = dir.join("credentials.json");
        let a = Key::new("http://h", "C", "a");
        let b = Key::new("http://h", "C", "b");
        let mut first = Store::load(&path).unwrap();
        let mut second = Store::load(&path).unwrap();
        first.set(&a, "sa".into());
        first.save().unwrap();
        second.set(&b, "sb".into());
        second.save().unwrap();
        let now = Store::load(&path).unwrap();
        assert_eq!(now.get(&a).map(SecretString::expose), Some("sa"));
        assert_eq!(now.get(&b).map(SecretString::expose), Some("sb"));
        let mut third = Store::load(&path).unwrap();
        assert!(third.remove(&a));
        third.save().unwrap();
        let now = Store::load(&path).unwrap();
        assert!(now.get(&a).is_none());
        assert!(now.get(&b).is_some());
        assert!(!dir.join("credentials.json.lock").exists());
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
