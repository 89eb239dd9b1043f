//! The keys recordings are encrypted with: [`RecordingKey`] (256 bits, wiped from memory when
//! dropped, never printed: its `Debug` shows the key id only) and [`Keyring`] (the key new
//! recordings are written under, and older keys kept for reading files written before a
//! rotation).
//!
//! Where the key comes from is not this crate's business: the binary reads it (from the
//! environment) and hands it down. A key is known in files and logs by its [`KeyId`], the first
//! 8 bytes of SHA-256 over a fixed label and the key: enough to pick the right key for a file
//! and to say which one is missing, nothing about the key itself.

use std::fmt;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Bytes of a key.
pub const KEY_BYTES: usize = 32;

/// The label hashed with the key into its id (so the id is not a bare hash of the key).
const ID_LABEL: &[u8] = b"hotline recording key id v1";

/// A key's id: 8 bytes of a hash of it, written in every file sealed under it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub [u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// A 256-bit recording key. Cloning copies it (each copy is wiped when dropped).
#[derive(Clone)]
pub struct RecordingKey {
    bytes: Zeroizing<[u8; KEY_BYTES]>,
    id: KeyId,
}

impl RecordingKey {
    /// The key made of these 32 bytes.
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> RecordingKey {
        let bytes = Zeroizing::new(bytes);
        let mut hash = Sha256::new();
        hash.update(ID_LABEL);
        hash.update(bytes.as_slice());
        let digest = hash.finalize();
        let mut id = [0u8; 8];
        for (out, b) in id.iter_mut().zip(digest.iter()) {
            *out = *b;
        }
        RecordingKey {
            bytes,
            id: KeyId(id),
        }
    }

    /// This key's id.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The key's bytes (for deriving a file's key).
    pub(crate) fn bytes(&self) -> &[u8; KEY_BYTES] {
        &self.bytes
    }
}

impl fmt::Debug for RecordingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordingKey(id {})", self.id)
    }
}

/// The keys an engine has: the one new recordings are written under (none: recordings are
/// plain WAV) and older ones, for reading files sealed before a rotation.
#[derive(Clone, Debug, Default)]
pub struct Keyring {
    current: Option<RecordingKey>,
    older: Vec<RecordingKey>,
}

impl Keyring {
    /// A keyring writing under `current` (if any) and reading with it and `older`.
    pub fn new(current: Option<RecordingKey>, older: Vec<RecordingKey>) -> Keyring {
        Keyring { current, older }
    }

    /// The key new recordings are sealed under; `None`: they are written as plain WAV.
    pub fn current(&self) -> Option<&RecordingKey> {
        self.current.as_ref()
    }

    /// The key with this id, current or older.
    pub fn find(&self, id: KeyId) -> Option<&RecordingKey> {
        self.current
            .iter()
            .chain(self.older.iter())
            .find(|k| k.id() == id)
    }

    /// True when it holds no key at all.
    pub fn is_empty(&self) -> bool {
        self.current.is_none() && self.older.is_empty()
    }

    /// How many keys it holds (current and older).
    pub fn len(&self) -> usize {
        usize::from(self.current.is_some()) + self.older.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_known_by_its_id_and_never_printed() {
        let key = RecordingKey::from_bytes([7; 32]);
        let other = RecordingKey::from_bytes([8; 32]);
        assert_ne!(key.id(), other.id());
        assert_eq!(key.id(), RecordingKey::from_bytes([7; 32]).id());
        let shown = format!("{key:?} {:?}", Keyring::new(Some(key.clone()), vec![]));
        assert!(shown.contains(&key.id().to_string()), "{shown}");
        assert!(!shown.contains("7, 7"), "{shown}");
        assert!(!shown.contains("0707"), "{shown}");
    }

    #[test]
    fn a_keyring_finds_current_and_older_keys() {
        let (a, b, c) = (
            RecordingKey::from_bytes([1; 32]),
            RecordingKey::from_bytes([2; 32]),
            RecordingKey::from_bytes([3; 32]),
        );
        let ring = Keyring::new(Some(a.clone()), vec![b.clone()]);
        assert_eq!(ring.current().map(RecordingKey::id), Some(a.id()));
        assert_eq!(ring.find(b.id()).map(RecordingKey::id), Some(b.id()));
        assert!(ring.find(c.id()).is_none());
        assert_eq!(ring.len(), 2);
        assert!(Keyring::default().is_empty());
        let read_only = Keyring::new(None, vec![c.clone()]);
        assert!(read_only.current().is_none() && !read_only.is_empty());
        assert!(read_only.find(c.id()).is_some());
    }
}
