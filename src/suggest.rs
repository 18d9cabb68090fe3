//! "Did you mean": the closest of some known names to a misspelt one.

/// The candidate closest to `word` by edit distance (case-insensitive), when it is close
/// enough to be a likely typo: at most a third of the word's length, and at least 1 (none for
/// words of one or two letters); a candidate containing the word (or contained in it) counts
/// as close too.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let w = word.to_lowercase();
    // One- and two-letter names are not guessed at: any other short name is as close.
    let len = w.chars().count();
    let limit = if len <= 2 { 0 } else { (len / 3).max(1) };
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let lc = c.to_lowercase();
        let d = if lc == w {
            0
        } else if w.len() >= 4 && (lc.contains(&w) || w.contains(&lc)) {
            1
        } else {
            distance(&w, &lc, limit + 1)
        };
        if d <= limit && d < lc.chars().count() && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance with adjacent transpositions (optimal string alignment: `imgae` is one edit
/// from `image`), giving up (returning `cap`) once every path exceeds `cap`.
fn distance(a: &str, b: &str, cap: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) >= cap {
        return cap;
    }
    let width = b.len() + 1;
    let mut rows = vec![vec![0usize; width]; 3];
    rows[1] = (0..width).collect();
    for i in 0..a.len() {
        let (before, rest) = rows.split_at_mut(1);
        let (prev, cur) = rest.split_at_mut(1);
        let (pp, prev, cur) = (&before[0], &prev[0], &mut cur[0]);
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for j in 0..b.len() {
            let cost = usize::from(a[i] != b[j]);
            let mut d = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                d = d.min(pp[j - 1] + 1);
            }
            cur[j + 1] = d;
            row_min = row_min.min(d);
        }
        if row_min >= cap {
            return cap;
        }
        rows.rotate_left(1);
    }
    rows[1][b.len()].min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_found_and_unrelated_words_are_not() {
        let names = ["default", "dev", "ci", "prod"];
        assert_eq!(closest("defualt", names), Some("default"));
        assert_eq!(closest("prdo", names), Some("prod"));
        assert_eq!(closest("staging", names), None);
        let keys = ["project", "name", "extends", "mcp_servers"];
        assert_eq!(closest("projcet", keys), Some("project"));
        assert_eq!(closest("mcp_server", keys), Some("mcp_servers"));
        assert_eq!(closest("zzz", keys), None);
        assert_eq!(closest("c", ["a", "b"]), None);
        assert_eq!(closest("imgae", ["image", "build", "ports"]), Some("image"));
        assert_eq!(distance("abc", "abc", 9), 0);
        assert_eq!(distance("kitten", "sitting", 9), 3);
        assert_eq!(
            closest(
                "socket-group-mismatc",
                ["socket-group-mismatch", "socket-mount-readonly"]
            ),
            Some("socket-group-mismatch")
        );
    }
}
