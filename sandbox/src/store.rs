//! Users per client id, in memory, optionally mirrored to a JSON file.
//!
//! The file is rewritten whole after each mutation: written to a temporary
//! file in the same directory, flushed to disk, then renamed over the old one
//! (and the directory synced on Unix), so a crash leaves either the old or the
//! new state, never a torn file.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Version of the state file's layout.
const FORMAT: u32 = 1;

/// One registered user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub user_id: String,
    pub user_secret: String,
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

/// Writes `state` to `path` atomically (temp file, fsync, rename, dir fsync).
pub fn save(path: &Path, state: &State) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
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
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
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
        User {
            user_id: id.into(),
            user_secret: format!("s-{id}"),
        }
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
