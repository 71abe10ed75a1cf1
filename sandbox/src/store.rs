//! Users per client id, in memory, optionally mirrored to a JSON file.
//!
//! The file is rewritten whole after each mutation: written to a temporary
//! file in the same directory, flushed to disk, then renamed over the old one
//! (and the directory synced on Unix), so a crash leaves either the old or the
//! new state, never a torn file. The temporary file gets an unpredictable
//! name and is created exclusively with mode 0600, so a planted link is
//! never followed and the secrets are never readable by others; the state
//! file, being that file renamed, is 0600 too. [`lock`] keeps a second
//! sandbox off the same file.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Version of the state file's layout.
const FORMAT: u32 = 1;

/// One registered user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub user_id: String,
    pub user_secret: String,
    /// The user's connections (brokerage authorizations), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<Connection>,
    /// Unix time in milliseconds at which a requested deletion completes:
    /// until then the user still exists (SnapTrade deletes in the
    /// background). Kept in the state file so a restart resumes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_at_ms: Option<u64>,
}

impl User {
    /// A new user with no connections and no pending deletion.
    pub fn new(user_id: String, user_secret: String) -> User {
        User {
            user_id,
            user_secret,
            connections: Vec::new(),
            delete_at_ms: None,
        }
    }
}

/// One connection (SnapTrade's "brokerage authorization") of a user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Its UUID.
    pub id: String,
    /// The brokerage's slug (`ALPACA`).
    pub broker: String,
    /// `read` or `trade`.
    pub kind: String,
    /// Whether it needs repairing (through a `reconnect` login).
    pub disabled: bool,
    /// When it was created, RFC 3339.
    pub created: String,
    /// When it last changed, RFC 3339.
    pub updated: String,
    /// When it was disabled, RFC 3339 (while disabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<String>,
}

/// Everything the sandbox remembers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct State {
    /// Layout version of the file.
    #[serde(default = "format_version")]
    pub format: u32,
    /// Client id → users in registration order.
    #[serde(default)]
    pub clients: BTreeMap<String, Vec<User>>,
}

fn format_version() -> u32 {
    FORMAT
}

impl State {
    /// The users of `client_id`, in registration order.
    pub fn users(&self, client_id: &str) -> &[User] {
        self.clients.get(client_id).map_or(&[], Vec::as_slice)
    }

    /// The user `user_id` of `client_id`.
    pub fn user(&self, client_id: &str, user_id: &str) -> Option<&User> {
        self.users(client_id).iter().find(|u| u.user_id == user_id)
    }

    /// Mutable access to the user `user_id` of `client_id`.
    pub fn user_mut(&mut self, client_id: &str, user_id: &str) -> Option<&mut User> {
        self.clients
            .get_mut(client_id)?
            .iter_mut()
            .find(|u| u.user_id == user_id)
    }

    /// Adds a user; `false` when the id is taken.
    pub fn insert(&mut self, client_id: &str, user: User) -> bool {
        let users = self.clients.entry(client_id.to_owned()).or_default();
        if users.iter().any(|u| u.user_id == user.user_id) {
            return false;
        }
        users.push(user);
        true
    }

    /// Removes a user; `false` when there was none.
    pub fn remove(&mut self, client_id: &str, user_id: &str) -> bool {
        let Some(users) = self.clients.get_mut(client_id) else {
            return false;
        };
        let before = users.len();
        users.retain(|u| u.user_id != user_id);
        let removed = users.len() != before;
        if users.is_empty() {
            self.clients.remove(client_id);
        }
        removed
    }
}

/// Reads the state file; a missing file is an empty state.
pub fn load(path: &Path) -> io::Result<State> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::default()),
        Err(e) => return Err(e),
    };
    let state: State = serde_json::from_slice(&bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("state file {} is not valid: {e}", path.display()),
        )
    })?;
    if state.format != FORMAT {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "state file {} has format {}, this sandbox reads format {FORMAT}",
                path.display(),
                state.format
            ),
        ));
    }
    Ok(state)
}

/// Takes the OS lock (`flock`) on `PATH.lock`, held as long as the returned
/// file is open and released by the kernel when the process dies. A lock
/// held by another process (another sandbox on the same state file, whose
/// writes would silently drop this one's users) is an error.
pub fn lock(path: &Path) -> io::Result<std::fs::File> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let file = private(
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true),
    )
    .open(&lock_path)
    .map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot open the lock file {}: {e}", lock_path.display()),
        )
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!(
                "state file {} is in use by another sandbox ({} is locked); \
                 stop it or pass another --state file",
                path.display(),
                lock_path.display()
            ),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Owner-only (0600) from creation on Unix: the files hold user secrets.
fn private(options: &mut std::fs::OpenOptions) -> &mut std::fs::OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
}

/// Writes `state` to `path` atomically (temp file, fsync, rename, dir fsync).
pub fn save(path: &Path, state: &State) -> io::Result<()> {
    let mut state = state.clone();
    state.format = FORMAT;
    let mut bytes = serde_json::to_vec_pretty(&state).map_err(io::Error::other)?;
    bytes.push(b'\n');

    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "state path has no file name"))?
        .to_string_lossy()
        .into_owned();
    // `create_new` (O_EXCL) fails on anything already there, a link
    // included; the random part makes planting one pointless anyway.
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.tmp-{}", crate::util::token::<12>()));
        match private(std::fs::OpenOptions::new().write(true).create_new(true)).open(&tmp) {
            Ok(file) => break (tmp, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        file.write_all(&bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        sync_dir(&dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Makes the rename durable. Best effort: not every platform can open a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> User {
        User::new(id.into(), format!("s-{id}"))
    }

    #[test]
    fn insert_remove_keep_order() {
        let mut s = State::default();
        assert!(s.insert("c", user("b")));
        assert!(s.insert("c", user("a")));
        assert!(!s.insert("c", user("a")));
        assert!(s.insert("d", user("a")));
        let ids: Vec<_> = s.users("c").iter().map(|u| u.user_id.as_str()).collect();
        assert_eq!(ids, ["b", "a"]);
        assert!(s.remove("c", "b"));
        assert!(!s.remove("c", "b"));
        assert!(s.remove("c", "a"));
        assert!(!s.clients.contains_key("c"));
    }

    #[test]
    fn files_without_connections_or_deletions_still_load() {
        let old = r#"{"format":1,"clients":{"c":[{"userId":"a","userSecret":"s"}]}}"#;
        let state: State = serde_json::from_str(old).unwrap();
        assert_eq!(state.users("c"), [User::new("a".into(), "s".into())]);
        // And a user without them is written as before.
        let written = serde_json::to_string(&state.users("c")[0]).unwrap();
        assert_eq!(written, r#"{"userId":"a","userSecret":"s"}"#);
    }

    #[test]
    fn save_and_load_round_trip() {
        let dir = std::env::temp_dir().join(format!("sandbox-store-{}", crate::util::token::<8>()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        assert_eq!(load(&path).unwrap(), State::default());
        let mut s = State::default();
        s.insert("c", user("é x"));
        save(&path, &s).unwrap();
        save(&path, &s).unwrap();
        let loaded = load(&path).unwrap();
        assert_eq!(loaded.users("c"), s.users("c"));
        // Only the state file remains: no temporary files left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["state.json"]);
        std::fs::write(&path, b"{not json").unwrap();
        assert_eq!(load(&path).unwrap_err().kind(), io::ErrorKind::InvalidData);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
