//! "Did you mean …?": the closest known name to a misspelt one, for error messages (the flow
//! loader, the expression checker, the configuration's variables).

/// Names longer than this (in characters) are neither suggested nor given suggestions: the
/// distance is quadratic in the lengths.
const LONGEST: usize = 64;

/// The known name closest to `name` by edit distance, if one is at most two edits away and
/// the edits do not replace all of it (the lexically first of equally close ones).
pub fn closest<'k>(name: &str, known: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    if name.chars().count() > LONGEST {
        return None;
    }
    known
        .filter(|k| k.chars().count() <= LONGEST)
        .map(|k| (edit_distance(name, k), k))
        .filter(|(d, k)| *d <= 2 && *d < k.chars().count())
        .min()
        .map(|(_, k)| k)
}

/// The Levenshtein distance of `a` and `b` in characters (one row kept).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // row[j]: the distance between the part of `a` read so far and b's first j characters.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = i; // the previous row's entry left of the one being replaced
        let mut left = i + 1; // this row's entry left of it
        if let Some(first) = row.first_mut() {
            *first = left;
        }
        for (cell, cb) in row.iter_mut().skip(1).zip(&b) {
            let up = *cell;
            let next = (diag + usize::from(ca != *cb)).min(left + 1).min(up + 1);
            diag = up;
            left = next;
            *cell = next;
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("flaw", "lawn"), 2);
        assert_eq!(edit_distance("菜单", "菜单一"), 1);
        assert_eq!(edit_distance("menu", "menu"), 0);
    }

    #[test]
    fn the_closest_name_within_two_edits() {
        let known = ["main_menu", "menu", "meter", "bill"];
        assert_eq!(closest("mneu", known.iter().copied()), Some("menu"));
        assert_eq!(closest("meter", known.iter().copied()), Some("meter"));
        assert_eq!(closest("payment", known.iter().copied()), None);
        // Two edits would replace all of a two-letter name.
        assert_eq!(closest("xy", ["ab"].into_iter()), None);
        assert_eq!(closest(&"m".repeat(65), known.iter().copied()), None);
    }
}
