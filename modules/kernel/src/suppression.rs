//! Small counts withheld from outsiders: the one rule every module's public figures follow, so a
//! count about children is suppressed the same way whichever module shows it.
//!
//! 1. *Primary*: a cell resting on fewer than [`MIN_COUNT`] (children, or place requests, one per
//!    child's stay) is withheld.
//! 2. *Secondary*: if any sibling cell is withheld, further cells (smallest first) are withheld
//!    until at least two are, resting together on at least [`MIN_COUNT`], so the shown total minus
//!    the shown cells pins down none of them.
//! 3. A cell whose parent is withheld is withheld.

/// The smallest count shown to outsiders.
pub const MIN_COUNT: i64 = 5;

/// Which of sibling cells (`counts`: what each rests on) to withhold from outsiders.
pub fn protect(counts: &[i64], parent_hidden: bool) -> Vec<bool> {
    if parent_hidden {
        return vec![true; counts.len()];
    }
    let mut hidden: Vec<bool> = counts.iter().map(|c| *c < MIN_COUNT).collect();
    loop {
        let withheld = hidden.iter().filter(|h| **h).count();
        let sum: i64 = counts
            .iter()
            .zip(&hidden)
            .filter(|(_, h)| **h)
            .map(|(c, _)| *c)
            .sum();
        if withheld == 0 || (withheld >= 2 && sum >= MIN_COUNT) {
            return hidden;
        }
        let next = counts
            .iter()
            .enumerate()
            .filter(|(i, _)| !hidden[*i])
            .min_by_key(|(i, c)| (**c, *i))
            .map(|(i, _)| i);
        match next {
            Some(i) => hidden[i] = true,
            None => return hidden,
        }
    }
}
