//! Reading a sample back out of the text exposition format (for tests and tools that check
//! what `/metrics` says): the value of the series of a family whose labels include the ones
//! given.

/// The value of the first series of `name` whose labels include every `(label, value)` of
/// `labels` (`name` is the sample's name: `…_count`, `…_sum` and `…_bucket` for histograms).
pub fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        let (labels_part, value) = match rest.strip_prefix('{') {
            Some(r) => {
                let end = r.find('}')?;
                (&r[..end], r[end + 1..].trim())
            }
            None if rest.starts_with(' ') => ("", rest.trim()),
            None => return None,
        };
        let all = labels
            .iter()
            .all(|(k, want)| labels_part.contains(&format!("{k}=\"{want}\"")));
        all.then(|| value.parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::sample;

    #[test]
    fn finds_by_name_and_labels() {
        let text = "# HELP x y\nhotline_a 3\nhotline_a_total{q=\"b\",o=\"c\"} 4\nhotline_a_total{q=\"d\"} 5\n";
        assert_eq!(sample(text, "hotline_a", &[]), Some(3.0));
        assert_eq!(sample(text, "hotline_a_total", &[("o", "c")]), Some(4.0));
        assert_eq!(sample(text, "hotline_a_total", &[("q", "d")]), Some(5.0));
        assert_eq!(sample(text, "hotline_a_total", &[("q", "e")]), None);
        assert_eq!(sample(text, "hotline_b", &[]), None);
    }
}
