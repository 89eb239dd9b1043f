//! The one HTTP `Range` form a recording player sends (RFC 9110 §14.1.2): a single byte range
//! `bytes=first-last`, `bytes=first-` or `bytes=-suffix`, resolved against the file's length.
//! Pure: text and a length in, the bytes to send out.

/// What to send of a file of a given length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// No usable `Range` (none, another unit, several ranges): the whole file, `200`.
    Whole,
    /// `206` with these bytes, `first..=last`.
    Part { first: u64, last: u64 },
    /// `416`: no byte of the range is in the file.
    Unsatisfiable,
}

/// Resolves the `Range` header `value` (if any) against a file of `len` bytes.
///
/// A header that does not parse, names another unit, or asks for several ranges is ignored as
/// RFC 9110 allows (the whole file is sent); a well-formed single range that starts past the
/// end, or a zero-length suffix, is unsatisfiable.
pub fn resolve(value: Option<&str>, len: u64) -> Span {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return Span::Whole;
    };
    if spec.contains(',') {
        return Span::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Span::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // bytes=-N: the last N bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || len == 0 {
                Span::Unsatisfiable
            } else {
                Span::Part {
                    first: len.saturating_sub(suffix),
                    last: len - 1,
                }
            }
        }
        (false, Some(first), last) if last.is_some() || last_is_open(spec) => {
            if first >= len {
                return Span::Unsatisfiable;
            }
            match last {
                Some(last) if last < first => Span::Whole,
                Some(last) => Span::Part {
                    first,
                    last: last.min(len - 1),
                },
                None => Span::Part {
                    first,
                    last: len - 1,
                },
            }
        }
        _ => Span::Whole,
    }
}

/// `first-` with nothing after the dash.
fn last_is_open(spec: &str) -> bool {
    spec.split_once('-')
        .is_some_and(|(_, last)| last.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_a_player_sends() {
        assert_eq!(
            resolve(Some("bytes=0-"), 1000),
            Span::Part {
                first: 0,
                last: 999
            }
        );
        assert_eq!(
            resolve(Some("bytes=100-199"), 1000),
            Span::Part {
                first: 100,
                last: 199
            }
        );
        assert_eq!(
            resolve(Some("bytes=900-5000"), 1000),
            Span::Part {
                first: 900,
                last: 999
            }
        );
        assert_eq!(
            resolve(Some("bytes=-100"), 1000),
            Span::Part {
                first: 900,
                last: 999
            }
        );
        assert_eq!(
            resolve(Some("bytes=-5000"), 1000),
            Span::Part {
                first: 0,
                last: 999
            }
        );
        assert_eq!(
            resolve(Some("bytes=999-999"), 1000),
            Span::Part {
                first: 999,
                last: 999
            }
        );
    }

    #[test]
    fn outside_the_file_is_unsatisfiable() {
        assert_eq!(resolve(Some("bytes=1000-"), 1000), Span::Unsatisfiable);
        assert_eq!(resolve(Some("bytes=5000-6000"), 1000), Span::Unsatisfiable);
        assert_eq!(resolve(Some("bytes=-0"), 1000), Span::Unsatisfiable);
        assert_eq!(resolve(Some("bytes=0-"), 0), Span::Unsatisfiable);
    }

    #[test]
    fn what_is_not_one_byte_range_sends_the_whole_file() {
        for v in [
            None,
            Some(""),
            Some("bytes"),
            Some("items=0-10"),
            Some("bytes=0-10,20-30"),
            Some("bytes=abc-"),
            Some("bytes=10-5"),
            Some("bytes=-"),
            Some("bytes=+5-10"),
            Some("bytes=99999999999999999999999-"),
        ] {
            assert_eq!(resolve(v, 1000), Span::Whole, "{v:?}");
        }
    }
}
