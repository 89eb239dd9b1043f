//! The recording keys, from the environment or from files the environment names (never from
//! the configuration file, never printed): `HOTLINE_RECORDING_KEY` holds the 256-bit key new
//! recordings are encrypted under, as 64 hex digits or the base64 of 32 bytes;
//! `HOTLINE_RECORDING_KEYS_OLD` (comma-separated, same forms) older keys, kept to read and
//! repair recordings written before a rotation (`hotline recordings rekey` moves them to the
//! current key). `HOTLINE_RECORDING_KEY_FILE` and `HOTLINE_RECORDING_KEYS_OLD_FILE` name files
//! holding the same text instead (a systemd credential, a container secret): the key then
//! never sits in the process's environment, which other processes of the same user can read
//! in `/proc`. A key file must be a regular file readable by its owner only (mode 0400 or
//! 0600), else the start is refused. Giving a variable and its file both is refused too.
//! Without a current key recordings are plain WAV. Anything else than a key (an empty
//! `HOTLINE_RECORDING_KEY` too: a key meant but not given) refuses the start, with a message
//! naming the variable or file and never its value.
//!
//! Read here, in the binary, and handed down as a [`Keyring`]: the media and web crates never
//! look at the environment.

use base64::Engine;
use hotline_media::recording::{Keyring, RecordingKey, KEY_BYTES};
use zeroize::Zeroizing;

/// The key new recordings are encrypted under.
pub const KEY_VAR: &str = "HOTLINE_RECORDING_KEY";
/// Older keys, for reading.
pub const OLD_KEYS_VAR: &str = "HOTLINE_RECORDING_KEYS_OLD";
/// A file holding [`KEY_VAR`]'s text.
pub const KEY_FILE_VAR: &str = "HOTLINE_RECORDING_KEY_FILE";
/// A file holding [`OLD_KEYS_VAR`]'s text.
pub const OLD_KEYS_FILE_VAR: &str = "HOTLINE_RECORDING_KEYS_OLD_FILE";

/// Largest key file read, in bytes (a few dozen keys).
const MAX_KEY_FILE: u64 = 64 * 1024;

/// The keyring this process's environment gives.
pub fn from_env() -> Result<Keyring, String> {
    let get = |name: &str| match std::env::var_os(name) {
        None => Ok(None),
        Some(v) => v
            .into_string()
            .map(Some)
            .map_err(|_| format!("{name}: not valid UTF-8 (the value is not shown)")),
    };
    let current = text_of(KEY_VAR, get(KEY_VAR)?, KEY_FILE_VAR, get(KEY_FILE_VAR)?)?;
    let old = text_of(
        OLD_KEYS_VAR,
        get(OLD_KEYS_VAR)?,
        OLD_KEYS_FILE_VAR,
        get(OLD_KEYS_FILE_VAR)?,
    )?;
    keyring(
        current.as_ref().map(|t| t.as_str()),
        old.as_ref().map(|t| t.as_str()),
    )
}

/// The text of a key variable `var` (value `value`) or of the file its `file_var` names
/// (`file`): one of them, never both.
fn text_of(
    var: &str,
    value: Option<String>,
    file_var: &str,
    file: Option<String>,
) -> Result<Option<Zeroizing<String>>, String> {
    match (value, file) {
        (Some(_), Some(_)) => Err(format!("{var} and {file_var} are both set: give one")),
        (Some(v), None) => Ok(Some(Zeroizing::new(v))),
        (None, Some(path)) => read_key_file(file_var, std::path::Path::new(&path)).map(Some),
        (None, None) => Ok(None),
    }
}

/// The text of key file `path` (named by `var`): a regular file of at most [`MAX_KEY_FILE`]
/// bytes that only its owner may read.
pub fn read_key_file(var: &str, path: &std::path::Path) -> Result<Zeroizing<String>, String> {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{var}: {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{var}: {shown}: not a regular file"));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "{var}: {shown}: readable by others (mode {mode:o}); make it readable by its owner \
             only (chmod 600)"
        ));
    }
    if meta.len() > MAX_KEY_FILE {
        return Err(format!(
            "{var}: {shown}: larger than {MAX_KEY_FILE} bytes: not a key file"
        ));
    }
    let mut text = Zeroizing::new(String::new());
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_KEY_FILE).read_to_string(&mut text))
        .map_err(|e| format!("{var}: {shown}: {e} (the value is not shown)"))?;
    Ok(text)
}

/// The keyring of the two variables' values (`None`: not set).
pub fn keyring(current: Option<&str>, old: Option<&str>) -> Result<Keyring, String> {
    let current = current
        .map(|text| parse_key(text).map_err(|why| format!("{KEY_VAR}: {why}")))
        .transpose()?;
    let mut older = Vec::new();
    for (i, item) in old
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        older.push(
            parse_key(item).map_err(|why| format!("{OLD_KEYS_VAR}: entry {}: {why}", i + 1))?,
        );
    }
    Ok(Keyring::new(current, older))
}

/// A key given as 64 hex digits or as the base64 (standard or URL-safe, padded or not) of 32
/// bytes. The error says what is wrong without showing the text.
pub fn parse_key(text: &str) -> Result<RecordingKey, String> {
    let text = text.trim();
    let expect = "expected a 256-bit key: 64 hex digits or the base64 of 32 bytes \
                  (the value is not shown)";
    if text.is_empty() {
        return Err(format!("set but empty; {expect}"));
    }
    if text.len() == 2 * KEY_BYTES && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        let mut key = [0u8; KEY_BYTES];
        for (out, pair) in key.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            let digits = std::str::from_utf8(pair).map_err(|_| expect.to_string())?;
            *out = u8::from_str_radix(digits, 16).map_err(|_| expect.to_string())?;
        }
        return Ok(RecordingKey::from_bytes(key));
    }
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let decoded = [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok());
    match decoded {
        Some(bytes) => {
            let n = bytes.len();
            let key: [u8; KEY_BYTES] = bytes
                .try_into()
                .map_err(|_| format!("base64 of {n} bytes, not {KEY_BYTES}; {expect}"))?;
            Ok(RecordingKey::from_bytes(key))
        }
        None => Err(format!(
            "neither hex nor base64 ({} characters); {expect}",
            text.chars().count()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    /// The same 32 bytes in base64.
    const B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn bytes() -> [u8; 32] {
        std::array::from_fn(|i| i as u8)
    }

    #[test]
    fn hex_and_base64_give_the_same_key() {
        let want = RecordingKey::from_bytes(bytes()).id();
        for text in [
            HEX,
            &HEX.to_uppercase(),
            &format!("  {HEX}\n"),
            B64,
            B64.trim_end_matches('='),
        ] {
            assert_eq!(parse_key(text).unwrap().id(), want, "{text}");
        }
        let url_safe = base64::engine::general_purpose::URL_SAFE.encode([0xfb; 32]);
        assert!(url_safe.contains('-') || url_safe.contains('_'));
        assert_eq!(
            parse_key(&url_safe).unwrap().id(),
            RecordingKey::from_bytes([0xfb; 32]).id()
        );
    }

    #[test]
    fn anything_else_is_refused_naming_the_variable_never_the_value() {
        let secretish = "correct-horse-battery-staple";
        for bad in [
            "",
            "   ",
            &HEX[..63],
            &format!("{HEX}00"),
            &HEX.replace('0', "g"),
            secretish,
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", // 31 bytes
        ] {
            let e = keyring(Some(bad), None).unwrap_err();
            assert!(e.starts_with("HOTLINE_RECORDING_KEY: "), "{e}");
            assert!(e.contains("64 hex digits or the base64 of 32 bytes"), "{e}");
            if bad.trim().len() > 3 {
                assert!(!e.contains(bad.trim()), "the value leaks: {e}");
            }
        }
        let e = keyring(Some(HEX), Some(&format!("{B64},{secretish}"))).unwrap_err();
        assert!(
            e.starts_with("HOTLINE_RECORDING_KEYS_OLD: entry 2: "),
            "{e}"
        );
        assert!(!e.contains(secretish), "{e}");
    }

    /// A scratch file holding `text` with `mode`.
    fn key_file(name: &str, text: &str, mode: u32) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("hotline-keyfile-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn a_key_file_readable_by_its_owner_only_gives_the_key() {
        let path = key_file("key", &format!("{HEX}\n"), 0o600);
        let text = read_key_file(KEY_FILE_VAR, &path).unwrap();
        let ring = keyring(Some(text.as_str()), None).unwrap();
        assert_eq!(
            ring.current().map(RecordingKey::id),
            Some(RecordingKey::from_bytes(bytes()).id())
        );
        for mode in [0o640, 0o604, 0o644] {
            let open = key_file("key", HEX, mode);
            let e = read_key_file(KEY_FILE_VAR, &open).unwrap_err();
            assert!(
                e.contains("readable by others") && e.contains("chmod 600"),
                "{e}"
            );
            assert!(!e.contains(HEX), "the value leaks: {e}");
        }
        let e = read_key_file(KEY_FILE_VAR, std::path::Path::new("/nonexistent/key")).unwrap_err();
        assert!(
            e.starts_with("HOTLINE_RECORDING_KEY_FILE: /nonexistent/key: "),
            "{e}"
        );
        let dir = path.parent().unwrap();
        assert!(read_key_file(KEY_FILE_VAR, dir)
            .unwrap_err()
            .contains("not a regular file"));
        let e = text_of(
            KEY_VAR,
            Some(HEX.into()),
            KEY_FILE_VAR,
            Some(path.display().to_string()),
        )
        .unwrap_err();
        assert!(e.contains("both set"), "{e}");
        assert!(!e.contains(HEX), "{e}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_keyring_writes_under_the_key_and_reads_with_the_old_ones() {
        let none = keyring(None, None).unwrap();
        assert!(none.current().is_none() && none.is_empty());
        let other = "ff".repeat(32);
        let ring = keyring(Some(HEX), Some(&format!(" {other} , ,{B64}"))).unwrap();
        assert_eq!(
            ring.current().map(RecordingKey::id),
            Some(RecordingKey::from_bytes(bytes()).id())
        );
        assert_eq!(ring.len(), 3);
        assert!(ring
            .find(RecordingKey::from_bytes([0xff; 32]).id())
            .is_some());
        // Old keys alone: recordings are plain, the old encrypted ones still play.
        let read_only = keyring(None, Some(HEX)).unwrap();
        assert!(read_only.current().is_none() && read_only.len() == 1);
    }
}
