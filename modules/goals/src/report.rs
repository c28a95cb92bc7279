//! The status report of a strategy for a follow-up meeting (Vejle reports to Børne- og
//! Familieudvalget every half year): the tree with every target's value, progress, assessment
//! and trend as of a date, and what changed since the previous follow-up date. Rendered as a
//! printable HTML document (no script, its own print styles) or as Markdown, from the same
//! [`Report`], which is built from two trees the dashboard also reads.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::dto::{InitiativeView, StrategyTree, TargetView, TreeNode};
use crate::model::InitiativeStatus;
use crate::progress::{Assessment, Trend};

/// A strategy judged as of a day, with the tree as of the previous follow-up date.
pub struct Report {
    pub now: StrategyTree,
    /// The latest follow-up date before `now.as_of`, with its label.
    pub previous: Option<(NaiveDate, String)>,
    /// The targets as judged on the previous follow-up date, by id.
    pub before: BTreeMap<i64, TargetView>,
    /// The initiatives as they stood on the previous follow-up date, by id.
    pub initiatives_before: BTreeMap<i64, InitiativeView>,
}

impl Report {
    pub fn new(now: StrategyTree, previous: Option<(NaiveDate, String, StrategyTree)>) -> Self {
        let (previous, before, initiatives_before) = match previous {
            Some((date, label, tree)) => {
                let mut before = BTreeMap::new();
                collect(&tree.nodes, &mut |t| {
                    before.insert(t.id, t.clone());
                });
                let mut initiatives = BTreeMap::new();
                collect_initiatives(&tree.nodes, &mut |i| {
                    initiatives.insert(i.id, i.clone());
                });
                (Some((date, label)), before, initiatives)
            }
            None => (None, BTreeMap::new(), BTreeMap::new()),
        };
        Self {
            now,
            previous,
            before,
            initiatives_before,
        }
    }

    /// The initiatives whose status changed since the previous follow-up (one that did not
    /// exist then counts as not started), in tree order, with the status they had.
    pub fn status_changes(&self) -> Vec<(&InitiativeView, InitiativeStatus)> {
        let mut out = Vec::new();
        collect_initiatives(&self.now.nodes, &mut |i| {
            let before = self
                .initiatives_before
                .get(&i.id)
                .map_or(InitiativeStatus::NotStarted, |b| b.status);
            if before != i.status {
                out.push((i, before));
            }
        });
        out
    }

    /// What changed for each target since the previous follow-up, in tree order.
    pub fn changes(&self) -> Vec<Change<'_>> {
        let mut out = Vec::new();
        collect(&self.now.nodes, &mut |t| {
            let before = self.before.get(&t.id);
            let new_value = match (before.and_then(|b| b.latest.as_ref()), t.latest.as_ref()) {
                // A computed value is dated the day it is judged on: only its value can change.
                (Some(b), Some(n)) if n.computed => b.value != n.value,
                (Some(b), Some(n)) => b.date != n.date || b.value != n.value,
                (None, Some(_)) => true,
                _ => false,
            };
            let assessment_changed = before.is_some_and(|b| b.assessment != t.assessment);
            if new_value || assessment_changed {
                out.push(Change { target: t, before });
            }
        });
        out
    }
}

pub struct Change<'a> {
    pub target: &'a TargetView,
    pub before: Option<&'a TargetView>,
}

fn collect<'a>(nodes: &'a [TreeNode], f: &mut dyn FnMut(&'a TargetView)) {
    for n in nodes {
        for t in &n.targets {
            f(t);
        }
        collect(&n.children, f);
    }
}

fn collect_initiatives<'a>(nodes: &'a [TreeNode], f: &mut dyn FnMut(&'a InitiativeView)) {
    for n in nodes {
        for i in &n.initiatives {
            f(i);
        }
        collect_initiatives(&n.children, f);
    }
}

/// The Danish words of an initiative's status.
pub fn status_da(s: InitiativeStatus) -> &'static str {
    match s {
        InitiativeStatus::NotStarted => "Ikke startet",
        InitiativeStatus::Started => "Startet",
        InitiativeStatus::Done => "Gennemført",
        InitiativeStatus::Delayed => "Forsinket",
        InitiativeStatus::Cancelled => "Aflyst",
    }
}

/// An initiative's planned period ("2014-09-01 – 2015-06-30", "– 2015-06-30", "–").
fn planned(i: &InitiativeView) -> String {
    match (i.planned_start, i.planned_end) {
        (None, None) => "–".to_owned(),
        (s, e) => format!(
            "{} – {}",
            s.map(|d| d.to_string()).unwrap_or_default(),
            e.map(|d| d.to_string()).unwrap_or_default()
        )
        .trim()
        .to_owned(),
    }
}

fn owner(i: &InitiativeView) -> &str {
    i.owner_unit.as_ref().map_or("–", |u| u.name.as_str())
}

/// The status with its follow-up's date, and "forsinket" when overdue.
fn status_cell(i: &InitiativeView) -> String {
    let mut s = status_da(i.status).to_owned();
    if let Some(u) = &i.latest_update {
        s.push_str(&format!(" ({})", u.date));
    }
    if i.overdue {
        s.push_str(", overskredet");
    }
    s
}

fn latest_note(i: &InitiativeView) -> &str {
    i.latest_update
        .as_ref()
        .and_then(|u| u.note.as_deref())
        .unwrap_or("–")
}

/// The Danish words of an assessment (the report is for a Danish committee).
pub fn assessment_da(a: Assessment) -> &'static str {
    match a {
        Assessment::Achieved => "Opnået",
        Assessment::Likely => "Forventes opnået",
        Assessment::Uncertain => "Usikkert",
        Assessment::Unlikely => "Forventes ikke opnået",
        Assessment::NotAchieved => "Ikke opnået",
        Assessment::NotAssessed => "Ikke vurderet",
    }
}

fn trend_da(t: Option<Trend>) -> &'static str {
    match t {
        Some(Trend::Positive) => "↑ i den rigtige retning",
        Some(Trend::Unchanged) => "→ uændret",
        Some(Trend::Negative) => "↓ i den forkerte retning",
        None => "–",
    }
}

fn number(v: f64) -> String {
    // Danish decimal comma; whole numbers without decimals.
    let s = if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    };
    s.replace('.', ",")
}

fn value_with_unit(v: Option<f64>, t: &TargetView) -> String {
    match v {
        None => "–".to_owned(),
        Some(v) => match t.unit.as_str() {
            "percent" => format!("{} %", number(v)),
            "dkk" => format!("{} kr.", number(v)),
            _ => number(v),
        },
    }
}

fn progress(t: &TargetView) -> String {
    t.progress
        .map(|p| format!("{} %", number(p.round())))
        .unwrap_or_else(|| "–".to_owned())
}

fn latest(t: &TargetView) -> String {
    match &t.latest {
        Some(l) => format!("{} ({})", value_with_unit(Some(l.value), t), l.date),
        None => "ingen måling".to_owned(),
    }
}

fn level_name(tree: &StrategyTree, depth: usize, kind: &str) -> String {
    tree.strategy
        .level_names
        .get(depth)
        .cloned()
        .unwrap_or_else(|| kind.to_owned())
}

/// HTML-escapes text (element content and double-quoted attributes).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes Markdown's special characters in running text and table cells.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}\
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #1a1a1a}\
h3,h4,h5,h6{font-size:1.05rem;margin:1.2rem 0 .3rem}.meta{color:#444}\
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:.92rem}th,td{border:1px solid #888;padding:.3rem .45rem;text-align:left;vertical-align:top}\
th{background:#eee}.level{font-weight:normal;color:#444;font-size:.85em;text-transform:uppercase;letter-spacing:.03em}\
.a-achieved{background:#d7f0dc}.a-likely{background:#e6f4d7}.a-uncertain{background:#fff3c4}.a-unlikely{background:#fde0c8}.a-not_achieved{background:#f8d0d0}.a-not_assessed{background:#eee}\
.stale{font-style:italic}td.v{white-space:nowrap}@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,tr{break-inside:avoid}a{color:inherit;text-decoration:none}}";

impl Report {
    fn title(&self) -> String {
        format!(
            "Status på {} – {}",
            self.now.strategy.title, self.now.strategy.municipality
        )
    }

    /// A printable HTML document (no script, no external resource).
    pub fn html(&self) -> String {
        let tree = &self.now;
        let mut h = String::with_capacity(16 * 1024);
        let _ = write!(
            h,
            "<!doctype html>\n<html lang=\"da\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n<p class=\"meta\">Opgjort pr. <strong>{}</strong>",
            esc(&self.title()),
            esc(&tree.strategy.title),
            tree.as_of
        );
        if let (Some(s), Some(e)) = (tree.strategy.period_start, tree.strategy.period_end) {
            let _ = write!(h, " · Strategiperiode {s} – {e}");
        }
        if let Some(by) = &tree.strategy.adopted_by {
            let _ = write!(h, " · Vedtaget af {}", esc(by));
        }
        h.push_str("</p>\n");
        match &self.previous {
            Some((date, label)) => {
                let _ = writeln!(
                    h,
                    "<p class=\"meta\">Forrige opfølgning: {} ({date}).</p>",
                    esc(label)
                );
            }
            None => h.push_str("<p class=\"meta\">Der er ingen tidligere opfølgningsdato.</p>\n"),
        }
        h.push_str("</header>\n<main>\n");

        // Summary by assessment.
        let mut by: BTreeMap<&str, (usize, Assessment)> = BTreeMap::new();
        let mut total = 0;
        collect(&tree.nodes, &mut |t| {
            total += 1;
            by.entry(t.assessment.as_str())
                .or_insert((0, t.assessment))
                .0 += 1;
        });
        let _ = writeln!(
            h,
            "<section aria-labelledby=\"summary\">\n<h2 id=\"summary\">Overblik</h2>\n<p>{total} mål i alt.</p>\n<table><thead><tr><th scope=\"col\">Vurdering</th><th scope=\"col\">Antal mål</th></tr></thead><tbody>"
        );
        for a in Assessment::ALL {
            if let Some((n, _)) = by.get(a.as_str()) {
                let _ = writeln!(
                    h,
                    "<tr class=\"a-{}\"><td>{}</td><td>{n}</td></tr>",
                    a.as_str(),
                    assessment_da(a)
                );
            }
        }
        h.push_str("</tbody></table>\n</section>\n");

        // Changes since the previous follow-up.
        let _ = writeln!(
            h,
            "<section aria-labelledby=\"changes\">\n<h2 id=\"changes\">Ændringer siden forrige opfølgning</h2>"
        );
        let changes = self.changes();
        match (&self.previous, changes.is_empty()) {
            (None, _) => h.push_str("<p>Ingen tidligere opfølgningsdato at sammenligne med.</p>\n"),
            (Some(_), true) => {
                h.push_str("<p>Ingen nye målinger og ingen ændrede vurderinger.</p>\n")
            }
            (Some(_), false) => {
                h.push_str("<table><thead><tr><th scope=\"col\">Mål</th><th scope=\"col\">Før</th><th scope=\"col\">Nu</th><th scope=\"col\">Vurdering før</th><th scope=\"col\">Vurdering nu</th></tr></thead><tbody>\n");
                for c in &changes {
                    let t = c.target;
                    let _ = writeln!(
                        h,
                        "<tr><td>{}</td><td class=\"v\">{}</td><td class=\"v\">{}</td><td>{}</td><td class=\"a-{}\">{}</td></tr>",
                        esc(&t.title),
                        c.before.map(latest).unwrap_or_else(|| "–".to_owned()),
                        latest(t),
                        c.before
                            .map(|b| assessment_da(b.assessment))
                            .unwrap_or("–"),
                        t.assessment.as_str(),
                        assessment_da(t.assessment)
                    );
                }
                h.push_str("</tbody></table>\n");
            }
        }
        let status_changes = self.status_changes();
        if self.previous.is_some() {
            if status_changes.is_empty() {
                h.push_str("<p>Ingen handlinger har skiftet status.</p>\n");
            } else {
                h.push_str("<table><thead><tr><th scope=\"col\">Handling</th><th scope=\"col\">Status før</th><th scope=\"col\">Status nu</th><th scope=\"col\">Seneste opfølgning</th></tr></thead><tbody>\n");
                for (i, before) in &status_changes {
                    let _ = writeln!(
                        h,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(&i.title),
                        status_da(*before),
                        esc(&status_cell(i)),
                        esc(latest_note(i))
                    );
                }
                h.push_str("</tbody></table>\n");
            }
        }
        h.push_str("</section>\n");

        // The tree.
        h.push_str("<section aria-labelledby=\"tree\">\n<h2 id=\"tree\">Strategien</h2>\n");
        self.html_nodes(&mut h, &tree.nodes, 0);
        h.push_str("</section>\n</main>\n<footer><p class=\"meta\">Udarbejdet af Retning ud fra kommunens egne data. Værdier markeret <em>forældet</em> er ikke målt i den forventede frekvens.</p></footer>\n</body>\n</html>\n");
        h
    }

    fn html_nodes(&self, h: &mut String, nodes: &[TreeNode], depth: usize) {
        let heading = (depth + 3).min(6);
        for n in nodes {
            let code = n
                .node
                .code
                .as_deref()
                .map(|c| format!("{} ", esc(c)))
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<h{heading}><span class=\"level\">{}</span><br>{code}{}</h{heading}>",
                esc(&level_name(&self.now, depth, &n.node.kind)),
                esc(&n.node.title)
            );
            if let Some(body) = &n.node.body {
                let _ = writeln!(h, "<p>{}</p>", esc(body));
            }
            if !n.targets.is_empty() {
                h.push_str("<table><thead><tr><th scope=\"col\">Mål</th><th scope=\"col\">Udgangspunkt</th><th scope=\"col\">Målværdi</th><th scope=\"col\">Frist</th><th scope=\"col\">Seneste værdi</th><th scope=\"col\">Fremdrift</th><th scope=\"col\">Vurdering</th><th scope=\"col\">Udvikling</th></tr></thead><tbody>\n");
                for t in &n.targets {
                    let _ = writeln!(
                        h,
                        "<tr><td>{}</td><td class=\"v\">{}</td><td class=\"v\">{}</td><td class=\"v\">{}</td><td class=\"v{}\">{}{}</td><td class=\"v\">{}</td><td class=\"a-{}\">{}</td><td>{}</td></tr>",
                        esc(&t.title),
                        value_with_unit(t.baseline_value, t),
                        value_with_unit(t.target_value, t),
                        t.deadline.map(|d| d.to_string()).unwrap_or_else(|| "–".to_owned()),
                        if t.stale { " stale" } else { "" },
                        latest(t),
                        if t.stale { " (forældet)" } else { "" },
                        progress(t),
                        t.assessment.as_str(),
                        assessment_da(t.assessment),
                        trend_da(t.trend)
                    );
                }
                h.push_str("</tbody></table>\n");
            }
            if !n.initiatives.is_empty() {
                h.push_str("<table><thead><tr><th scope=\"col\">Handling</th><th scope=\"col\">Ansvarlig</th><th scope=\"col\">Planlagt</th><th scope=\"col\">Status</th><th scope=\"col\">Seneste opfølgning</th></tr></thead><tbody>\n");
                for i in &n.initiatives {
                    let _ = writeln!(
                        h,
                        "<tr><td>{}</td><td>{}</td><td class=\"v\">{}</td><td>{}</td><td>{}</td></tr>",
                        esc(&i.title),
                        esc(owner(i)),
                        planned(i),
                        esc(&status_cell(i)),
                        esc(latest_note(i))
                    );
                }
                h.push_str("</tbody></table>\n");
            }
            self.html_nodes(h, &n.children, depth + 1);
        }
    }

    /// The same report as Markdown (CommonMark with pipe tables).
    pub fn markdown(&self) -> String {
        let tree = &self.now;
        let mut m = String::with_capacity(8 * 1024);
        let _ = writeln!(m, "# {}\n", md(&tree.strategy.title));
        let _ = write!(
            m,
            "{} · opgjort pr. **{}**",
            md(&tree.strategy.municipality),
            tree.as_of
        );
        if let (Some(s), Some(e)) = (tree.strategy.period_start, tree.strategy.period_end) {
            let _ = write!(m, " · strategiperiode {s} – {e}");
        }
        m.push_str("\n\n");
        match &self.previous {
            Some((date, label)) => {
                let _ = writeln!(m, "Forrige opfølgning: {} ({date}).\n", md(label));
            }
            None => m.push_str("Der er ingen tidligere opfølgningsdato.\n\n"),
        }
        m.push_str("## Ændringer siden forrige opfølgning\n\n");
        let changes = self.changes();
        match (&self.previous, changes.is_empty()) {
            (None, _) => m.push_str("Ingen tidligere opfølgningsdato at sammenligne med.\n\n"),
            (Some(_), true) => m.push_str("Ingen nye målinger og ingen ændrede vurderinger.\n\n"),
            (Some(_), false) => {
                m.push_str("| Mål | Før | Nu | Vurdering før | Vurdering nu |\n| --- | --- | --- | --- | --- |\n");
                for c in &changes {
                    let t = c.target;
                    let _ = writeln!(
                        m,
                        "| {} | {} | {} | {} | {} |",
                        md(&t.title),
                        c.before.map(latest).unwrap_or_else(|| "–".to_owned()),
                        latest(t),
                        c.before.map(|b| assessment_da(b.assessment)).unwrap_or("–"),
                        assessment_da(t.assessment)
                    );
                }
                m.push('\n');
            }
        }
        let status_changes = self.status_changes();
        if self.previous.is_some() {
            if status_changes.is_empty() {
                m.push_str("Ingen handlinger har skiftet status.\n\n");
            } else {
                m.push_str("| Handling | Status før | Status nu | Seneste opfølgning |\n| --- | --- | --- | --- |\n");
                for (i, before) in &status_changes {
                    let _ = writeln!(
                        m,
                        "| {} | {} | {} | {} |",
                        md(&i.title),
                        status_da(*before),
                        md(&status_cell(i)),
                        md(latest_note(i))
                    );
                }
                m.push('\n');
            }
        }
        m.push_str("## Strategien\n\n");
        self.markdown_nodes(&mut m, &tree.nodes, 0);
        m
    }

    fn markdown_nodes(&self, m: &mut String, nodes: &[TreeNode], depth: usize) {
        let hashes = "#".repeat((depth + 3).min(6));
        for n in nodes {
            let code = n
                .node
                .code
                .as_deref()
                .map(|c| format!("{} ", md(c)))
                .unwrap_or_default();
            let _ = writeln!(
                m,
                "{hashes} {code}{} ({})\n",
                md(&n.node.title),
                md(&level_name(&self.now, depth, &n.node.kind))
            );
            if let Some(body) = &n.node.body {
                let _ = writeln!(m, "{}\n", md(body));
            }
            if !n.targets.is_empty() {
                m.push_str("| Mål | Udgangspunkt | Målværdi | Frist | Seneste værdi | Fremdrift | Vurdering | Udvikling |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
                for t in &n.targets {
                    let _ = writeln!(
                        m,
                        "| {} | {} | {} | {} | {}{} | {} | {} | {} |",
                        md(&t.title),
                        value_with_unit(t.baseline_value, t),
                        value_with_unit(t.target_value, t),
                        t.deadline
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "–".to_owned()),
                        latest(t),
                        if t.stale { " (forældet)" } else { "" },
                        progress(t),
                        assessment_da(t.assessment),
                        trend_da(t.trend)
                    );
                }
                m.push('\n');
            }
            if !n.initiatives.is_empty() {
                m.push_str("| Handling | Ansvarlig | Planlagt | Status | Seneste opfølgning |\n| --- | --- | --- | --- | --- |\n");
                for i in &n.initiatives {
                    let _ = writeln!(
                        m,
                        "| {} | {} | {} | {} | {} |",
                        md(&i.title),
                        md(owner(i)),
                        planned(i),
                        md(&status_cell(i)),
                        md(latest_note(i))
                    );
                }
                m.push('\n');
            }
            self.markdown_nodes(m, &n.children, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_and_markdown() {
        assert_eq!(esc("<b a=\"x\">&'"), "&lt;b a=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(md("a|b *c* #1"), "a\\|b \\*c\\* \\#1");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(12.25), "12,2");
    }
}
