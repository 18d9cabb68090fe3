//! Sets of port ranges, kept as disjoint intervals: every operation costs O(log n) (amortised
//! for inserts), whatever the width of the ranges — a `1-65535` range is one interval, not
//! 65,535 ports.

use std::collections::BTreeMap;

/// A union of inclusive `u16` ranges.
#[derive(Clone, Debug, Default)]
pub struct RangeSet {
    /// start → end of disjoint, non-adjacent intervals.
    spans: BTreeMap<u16, u16>,
}

impl RangeSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// The intervals of the set that overlap `[s, e]`, in order.
    fn overlapping(&self, s: u16, e: u16) -> Vec<(u16, u16)> {
        let mut out = Vec::new();
        if let Some((&a, &b)) = self.spans.range(..s).next_back() {
            if b >= s {
                out.push((a, b));
            }
        }
        out.extend(self.spans.range(s..=e).map(|(&a, &b)| (a, b)));
        out
    }

    /// Adds `[s, e]`; returns the parts of it that were not in the set before (the gaps it
    /// filled), in order.
    pub fn insert(&mut self, s: u16, e: u16) -> Vec<(u16, u16)> {
        if s > e {
            return Vec::new();
        }
        let touched = self.overlapping(s, e);
        let mut gaps = Vec::new();
        let mut next = Some(s);
        for &(a, b) in &touched {
            if let Some(from) = next {
                if a > from {
                    gaps.push((from, a - 1));
                }
            }
            next = b.checked_add(1);
        }
        if let Some(from) = next {
            if from <= e {
                gaps.push((from, e));
            }
        }
        // Merge what was touched, and neighbours that now touch, into one interval.
        let mut lo = touched.first().map_or(s, |&(a, _)| a.min(s));
        let mut hi = touched.last().map_or(e, |&(_, b)| b.max(e));
        for (a, _) in &touched {
            self.spans.remove(a);
        }
        if let Some(before) = lo.checked_sub(1) {
            if let Some((&a, &b)) = self.spans.range(..=before).next_back() {
                if b == before {
                    self.spans.remove(&a);
                    lo = a;
                }
            }
        }
        if let Some(after) = hi.checked_add(1) {
            if let Some(&b) = self.spans.get(&after) {
                self.spans.remove(&after);
                hi = b;
            }
        }
        self.spans.insert(lo, hi);
        gaps
    }

    /// The smallest port of `[s, e]` in the set.
    pub fn first_covered(&self, s: u16, e: u16) -> Option<u16> {
        if s > e {
            return None;
        }
        if let Some((_, &b)) = self.spans.range(..=s).next_back() {
            if b >= s {
                return Some(s);
            }
        }
        self.spans.range(s..=e).next().map(|(&a, _)| a)
    }

    /// The smallest port of `[s, e]` not in the set.
    pub fn first_uncovered(&self, s: u16, e: u16) -> Option<u16> {
        if s > e {
            return None;
        }
        match self.spans.range(..=s).next_back() {
            Some((_, &b)) if b >= s => match b.checked_add(1) {
                Some(n) if n <= e => Some(n),
                _ => None,
            },
            _ => Some(s),
        }
    }

    pub fn contains(&self, p: u16) -> bool {
        self.first_covered(p, p).is_some()
    }
}

/// Ranges with an owner: each port belongs to the first range inserted that covers it.
#[derive(Clone, Debug, Default)]
pub struct FirstOwner {
    covered: RangeSet,
    /// start → (end, owner) of disjoint segments.
    owners: BTreeMap<u16, (u16, usize)>,
}

impl FirstOwner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `[s, e]` for `owner`; ports already owned keep their owner.
    pub fn insert(&mut self, s: u16, e: u16, owner: usize) {
        for (a, b) in self.covered.insert(s, e) {
            self.owners.insert(a, (b, owner));
        }
    }

    pub fn first_covered(&self, s: u16, e: u16) -> Option<u16> {
        self.covered.first_covered(s, e)
    }

    /// The owner of port `p`.
    pub fn owner_at(&self, p: u16) -> Option<usize> {
        self.owners
            .range(..=p)
            .next_back()
            .filter(|(_, (end, _))| *end >= p)
            .map(|(_, (_, owner))| *owner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The interval structures agree with a port-by-port model on many random operations.
    #[test]
    fn agrees_with_a_bitmap() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rand = move |n: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % u64::from(n)) as u16
        };
        for _round in 0..200 {
            let mut set = RangeSet::new();
            let mut owned = FirstOwner::new();
            let mut bits = vec![None::<usize>; 200];
            for i in 0..12 {
                let a = rand(200);
                let b = a.saturating_add(rand(40)).min(199);
                set.insert(a, b);
                owned.insert(a, b, i);
                for slot in &mut bits[a as usize..=b as usize] {
                    slot.get_or_insert(i);
                }
                for _ in 0..10 {
                    let s = rand(200);
                    let e = s.saturating_add(rand(60)).min(199);
                    let covered = (s..=e).find(|&p| bits[p as usize].is_some());
                    let uncovered = (s..=e).find(|&p| bits[p as usize].is_none());
                    assert_eq!(set.first_covered(s, e), covered);
                    assert_eq!(set.first_uncovered(s, e), uncovered);
                    assert_eq!(owned.first_covered(s, e), covered);
                    assert_eq!(owned.owner_at(s), bits[s as usize]);
                }
            }
        }
    }

    #[test]
    fn full_range_edges() {
        let mut set = RangeSet::new();
        assert_eq!(set.insert(1, 65535), vec![(1, 65535)]);
        assert_eq!(set.first_uncovered(1, 65535), None);
        assert_eq!(set.insert(0, 0), vec![(0, 0)]);
        assert_eq!(set.first_covered(0, 65535), Some(0));
        assert_eq!(set.spans.len(), 1, "adjacent intervals merge");
    }
}
