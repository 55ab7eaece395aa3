//! Compiling parsed files into a [`SignatureSet`]: protocol labels and their ids, each rule's
//! tests checked and weighed, the examples run, nDPI custom lines turned into rules, the
//! precedence order fixed and the index built. It reads no files and matches no traffic (the
//! examples run through the matcher's payload tests).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::category;
use super::confirm::{ConfirmSpec, Kind};
use super::index::Index;
use super::matcher;
use super::parse::{
    self, Cmp, Custom, CustomSpec, Item, Position, Protocol, Rule, Side, SyntaxError, Test,
    TestKind, Transport,
};
use super::{
    CompiledRule, Label, SignatureSet, Summary, CUSTOM_ID_BASE, DEFAULT_WINDOW, MAX_RULES,
};
use crate::proto::{host::HostTest, ProtoTest};

/// One parsed file with its name and text (for error messages and rule locations).
pub(crate) struct Source<'a> {
    pub(crate) name: &'a str,
    pub(crate) text: &'a str,
    pub(crate) file: parse::File,
}

impl Source<'_> {
    /// The file name without directories, as rule locations show it.
    fn base(&self) -> String {
        Path::new(self.name).file_name().map_or_else(
            || self.name.to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    fn location(&self, line: u32) -> String {
        format!("{}:{line}", self.base())
    }

    fn line(&self, line: u32) -> &str {
        self.text
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .unwrap_or("")
    }

    fn error(&self, line: u32, col: u32, message: String) -> SyntaxError {
        SyntaxError {
            file: self.name.to_string(),
            line,
            col,
            message,
            text: self.line(line).to_string(),
        }
    }
}

/// Compile every source: protocol blocks first (in load order), so that custom lines may name
/// them, then custom lines. Any error refuses the set.
pub(crate) fn compile(sources: &[Source<'_>]) -> Result<SignatureSet, Vec<SyntaxError>> {
    let mut c = Compiler {
        next_custom: CUSTOM_ID_BASE,
        ..Compiler::default()
    };
    for src in sources {
        c.summary.files += 1;
        for item in &src.file.items {
            if let Item::Protocol(p) = item {
                c.protocol(src, p);
            }
        }
    }
    for src in sources {
        for item in &src.file.items {
            if let Item::Custom(line) = item {
                c.custom(src, line);
            }
        }
    }
    c.finish(sources)
}

#[derive(Default)]
struct Compiler {
    /// One label per protocol, in order of first declaration.
    labels: Vec<Arc<Label>>,
    /// Protocols by lower-cased name.
    by_name: HashMap<String, Arc<Label>>,
    /// Protocols by id: an id is carried in the mark bits, so two names never share one.
    by_id: HashMap<u16, Arc<Label>>,
    next_custom: u16,
    /// Rules in load order.
    staged: Vec<CompiledRule>,
    errors: Vec<SyntaxError>,
    summary: Summary,
}

impl Compiler {
    fn protocol(&mut self, src: &Source<'_>, p: &Protocol) {
        if let Err(m) = category::check_declared(&p.category) {
            let col = category::column(src.line(p.line));
            self.errors.push(src.error(p.line, col, m));
        }
        if !self.declare(src, p) {
            return;
        }
        if p.rules.is_empty() {
            let m = format!(
                "expected at least one `rule` in protocol `{}`, found none",
                p.name
            );
            self.errors.push(src.error(p.line, 1, m));
        }
        for r in &p.rules {
            let label = Arc::new(Label {
                protocol: p.name.clone(),
                id: p.id,
                category: p.category.clone(),
                location: src.location(r.line),
                confirm: None,
            });
            match confirm_spec(r).and_then(|spec| compile_rule(with_confirm(label, spec), r)) {
                Ok(c) => {
                    self.check_breadth(src, p, r);
                    self.check_examples(src, p, r, &c);
                    self.staged.push(c);
                }
                Err(m) => self.errors.push(src.error(r.line, 1, m)),
            }
        }
    }

    /// Record a protocol declaration; false (with an error) when it contradicts an earlier one.
    fn declare(&mut self, src: &Source<'_>, p: &Protocol) -> bool {
        if let Some(old) = self.by_name.get(&p.name.to_ascii_lowercase()) {
            if old.id != p.id || old.category != p.category {
                let m = format!(
                    "expected the same id and category as `{}` declared at {} (id {}, category {}), found id {}, category {}",
                    p.name, old.location, old.id, old.category, p.id, p.category
                );
                self.errors.push(src.error(p.line, 1, m));
                return false;
            }
            return true;
        }
        if let Some(old) = self.by_id.get(&p.id) {
            let m = format!(
                "expected an id no other protocol has, found id {} of `{}` declared at {}: the \
                 mark bits carry the id, so the two would be one protocol to the firewall",
                p.id, old.protocol, old.location
            );
            let col = id_column(src.line(p.line));
            self.errors.push(src.error(p.line, col, m));
            return false;
        }
        let label = Arc::new(Label {
            protocol: p.name.clone(),
            id: p.id,
            category: p.category.clone(),
            location: src.location(p.line),
            confirm: None,
        });
        self.by_name
            .insert(p.name.to_ascii_lowercase(), Arc::clone(&label));
        self.by_id.insert(p.id, Arc::clone(&label));
        self.labels.push(label);
        true
    }

    /// A rule without payload or address evidence names every flow its ports and transport
    /// let through: refused unless it says `broad`; and `broad` on a rule with evidence is
    /// refused too, so that the word always marks the rules that are broad.
    fn check_breadth(&mut self, src: &Source<'_>, p: &Protocol, r: &Rule) {
        let m = match (evidence(r), r.broad) {
            (None, false) => format!(
                "expected a payload test (a field, `len`, a literal, a helper, `host`, `echo`, \
                 `repeat N same`) or an address test (`ip`) in rule `{}` of {}, found none: it \
                 would name every flow its transport and ports let through (write `broad` in \
                 the rule if that is meant)",
                r.name, p.name
            ),
            (Some(t), true) => format!(
                "expected `broad` only on a rule without payload or address tests, found \
                 `{t}` in rule `{}` of {}",
                r.name, p.name
            ),
            _ => return,
        };
        let col = indent_column(src.line(r.line));
        self.errors.push(src.error(r.line, col, m));
    }

    /// Run a rule's examples on its payload tests.
    fn check_examples(&mut self, src: &Source<'_>, p: &Protocol, r: &Rule, c: &CompiledRule) {
        for ex in &r.examples {
            let got = matcher::payload_tests_hold(c, &ex.payload);
            if got == ex.matches {
                self.summary.examples += 1;
                continue;
            }
            let text = src.line(ex.line);
            let at = text.find("example").and_then(|c| text.get(c..));
            let m = format!(
                "expected this example to {} rule `{}` of {}, found that it {}",
                if ex.matches { "match" } else { "not match" },
                r.name,
                p.name,
                if got { "matches" } else { "does not match" }
            );
            let col = at.map_or(1, |at| parse::column(text, at));
            self.errors.push(src.error(ex.line, col, m));
        }
    }

    /// An nDPI custom line: one rule per spec, under the protocol of that name (declared, or
    /// new with category `Custom` and the next custom id).
    fn custom(&mut self, src: &Source<'_>, c: &Custom) {
        let proto = match self.by_name.get(&c.name.to_ascii_lowercase()) {
            Some(l) => Arc::clone(l),
            None => {
                // Custom ids skip those a protocol block declared.
                while self.by_id.contains_key(&self.next_custom) {
                    self.next_custom = self.next_custom.saturating_add(1);
                }
                let l = Arc::new(Label {
                    protocol: c.name.clone(),
                    id: self.next_custom,
                    category: "Custom".into(),
                    location: src.location(c.line),
                    confirm: None,
                });
                self.next_custom = self.next_custom.saturating_add(1);
                self.by_name
                    .insert(c.name.to_ascii_lowercase(), Arc::clone(&l));
                self.by_id.insert(l.id, Arc::clone(&l));
                self.labels.push(Arc::clone(&l));
                l
            }
        };
        let label = Arc::new(Label {
            protocol: proto.protocol.clone(),
            id: proto.id,
            category: proto.category.clone(),
            location: src.location(c.line),
            confirm: None,
        });
        for spec in &c.specs {
            let rule = Rule {
                name: String::new(),
                line: c.line,
                priority: None,
                hold: false,
                broad: false,
                tests: custom_tests(spec),
                repeat: None,
                echo: None,
                confirm: None,
                examples: Vec::new(),
            };
            if let Ok(r) = compile_rule(Arc::clone(&label), &rule) {
                self.staged.push(r);
            }
        }
    }

    /// Refuse an oversized set, fix the precedence order, build the index.
    fn finish(mut self, sources: &[Source<'_>]) -> Result<SignatureSet, Vec<SyntaxError>> {
        if self.staged.len() > MAX_RULES {
            let m = format!(
                "expected at most {MAX_RULES} rules in a set, found {}",
                self.staged.len()
            );
            if let Some(first) = sources.first() {
                self.errors.push(first.error(1, 1, m));
            }
        }
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        // Stable: rules of equal priority and specificity keep their load order.
        self.staged.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(b.specificity.cmp(&a.specificity))
        });
        let rules = self.staged;
        let horizon = rules
            .iter()
            .scan(0u32, |above, r| {
                let h = *above;
                *above = (*above).max(r.window);
                Some(h)
            })
            .collect();
        let mut summary = self.summary;
        summary.protocols = self.labels.len();
        summary.rules = rules.len();
        Ok(SignatureSet {
            labels: self.labels,
            index: Index::build(&rules),
            prefilter: super::prefilter::Prefilter::build(
                &rules.iter().map(|r| &r.gate).collect::<Vec<_>>(),
            ),
            max_window: rules.iter().map(|r| r.window).max().unwrap_or(0),
            horizon,
            rules,
            summary,
        })
    }
}

/// The tests an nDPI custom spec stands for.
fn custom_tests(spec: &CustomSpec) -> Vec<Test> {
    let test = |kind| Test {
        negated: false,
        kind,
    };
    match spec {
        CustomSpec::Port(t, a, b) => vec![
            test(TestKind::Transport(*t)),
            test(TestKind::Port(Side::Either, vec![(*a, *b)])),
        ],
        CustomSpec::Ip(cidr, port) => {
            let mut v = vec![test(TestKind::Ip(Side::Either, vec![*cidr]))];
            if let Some(p) = port {
                v.push(test(TestKind::Port(Side::Either, vec![(*p, *p)])));
            }
            v
        }
        CustomSpec::Host(h) => vec![test(TestKind::Proto(ProtoTest::new(HostTest::new(h))))],
    }
}

/// A rule's `confirm` statement, checked: a count of at least 1, payload tests to repeat when
/// `self` is one of its kinds, no `hold` with `tag`.
fn confirm_spec(rule: &Rule) -> Result<Option<ConfirmSpec>, String> {
    let Some(c) = rule.confirm else {
        return Ok(None);
    };
    if c.count == 0 {
        return Err("expected `confirm N by …` with N ≥ 1, found 0".into());
    }
    let own: Vec<Test> = if c.has(Kind::Own) {
        rule.tests
            .iter()
            .filter(|t| matcher::is_payload_test(&t.kind))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    if c.has(Kind::Own) && own.iter().all(|t| t.negated) {
        return Err("expected payload tests for `confirm … by self` to repeat, found none".into());
    }
    if c.has(Kind::Tag) && rule.hold {
        // A held match settles on a later packet, not the one that matched: its tag is not
        // the one to compare with.
        return Err("expected `confirm … by tag` on a rule without `hold`, found `hold`".into());
    }
    Ok(Some(ConfirmSpec { confirm: c, own }))
}

fn with_confirm(label: Arc<Label>, confirm: Option<ConfirmSpec>) -> Arc<Label> {
    match confirm {
        None => label,
        Some(spec) => Arc::new(Label {
            confirm: Some(spec),
            ..(*label).clone()
        }),
    }
}

/// Check a rule's tests and compute its transport, window and specificity.
pub(crate) fn compile_rule(label: Arc<Label>, rule: &Rule) -> Result<CompiledRule, String> {
    let tests = &rule.tests;
    let mut transport = None;
    let mut window = DEFAULT_WINDOW;
    for t in tests {
        check_values(&t.kind)?;
        if t.negated {
            continue;
        }
        match &t.kind {
            TestKind::Transport(tr) => {
                let p = match tr {
                    Transport::Udp => crate::packet::UDP,
                    Transport::Tcp => crate::packet::TCP,
                };
                if transport.is_some_and(|old| old != p) {
                    return Err(
                        "expected one transport per rule, found both `udp` and `tcp`".into(),
                    );
                }
                transport = Some(p);
            }
            TestKind::Packet(pos) => window = window.min(packet_window(*pos)?),
            _ => {}
        }
    }
    let mut specificity: u32 = tests
        .iter()
        .filter(|t| !t.negated)
        .map(|t| weight(&t.kind))
        .sum();
    if let Some(r) = rule.repeat {
        if r.count < 2 {
            return Err(format!("expected `repeat N` with N ≥ 2, found {}", r.count));
        }
        specificity += 1;
    }
    if rule.echo.is_some() {
        if let Some(t) = tests
            .iter()
            .find(|t| !t.negated && one_direction_only(&t.kind))
        {
            return Err(format!(
                "expected tests that packets of both directions can pass with `echo`, found `{t}`"
            ));
        }
        specificity += 1;
    }
    let (gate, left) = super::gate::Gate::split(tests);
    Ok(CompiledRule {
        label,
        name: rule.name.clone(),
        transport,
        tests: tests.clone(),
        repeat: rule.repeat,
        echo: rule.echo,
        window,
        priority: rule.priority.unwrap_or(0),
        hold: rule.hold,
        specificity,
        gate,
        left,
    })
}

/// The first thing that makes a rule more than transport, ports and position: a non-negated
/// payload or address test, an `echo`, or a `repeat … same`; `None` for a rule that would
/// name every flow its transport and ports let through.
pub(crate) fn evidence(r: &Rule) -> Option<String> {
    let test = r.tests.iter().find(|t| {
        !t.negated
            && !matches!(
                t.kind,
                TestKind::Transport(_)
                    | TestKind::Port(..)
                    | TestKind::Packet(_)
                    | TestKind::Direction(_)
                    | TestKind::BothDirections
            )
    });
    if let Some(t) = test {
        return Some(t.to_string());
    }
    if let Some(e) = r.echo {
        return Some(format!("echo {}", e.request));
    }
    r.repeat
        .and_then(|rep| rep.same)
        .map(|f| format!("repeat … same {f}"))
}

/// The column of the number after `id` on a `protocol` line (1 when there is none).
fn id_column(line: &str) -> u32 {
    let Some(at) = line.find(" id ") else {
        return 1;
    };
    let rest = &line[at + 4..];
    let start = at + 4 + (rest.len() - rest.trim_start().len());
    u32::try_from(line[..start].chars().count() + 1).unwrap_or(1)
}

/// The column of a line's first non-blank character (1-based, in characters).
fn indent_column(line: &str) -> u32 {
    let blank = line.chars().take_while(|c| c.is_whitespace()).count();
    u32::try_from(blank + 1).unwrap_or(1)
}

/// A test no request and its reply can both pass, so an `echo` rule with it never matches.
fn one_direction_only(kind: &TestKind) -> bool {
    matches!(
        kind,
        TestKind::Direction(_)
            | TestKind::Packet(
                Position::First
                    | Position::FirstToServer
                    | Position::FirstToClient
                    | Position::Within(1)
            )
    )
}

/// Packets a `packet` test lets the rule look at.
fn packet_window(pos: Position) -> Result<u32, String> {
    match pos {
        Position::First => Ok(1),
        Position::Within(0) => Err("expected `packet within N` with N ≥ 1, found 0".into()),
        Position::Within(n) => Ok(n),
        Position::FirstToServer | Position::FirstToClient => Ok(DEFAULT_WINDOW),
    }
}

/// Values that fit their field, ranges in order, literals not empty.
fn check_values(kind: &TestKind) -> Result<(), String> {
    let range_error = |a: &dyn std::fmt::Display, b: &dyn std::fmt::Display| {
        Err(format!(
            "expected a range LOW..HIGH with LOW ≤ HIGH, found {a}..{b}"
        ))
    };
    match kind {
        TestKind::Field(f, _, cmp) => {
            let max = u64::from(f.max());
            let vals: Vec<u32> = match cmp {
                Cmp::Op(_, n) => vec![*n],
                Cmp::Range(a, b) if a > b => {
                    return range_error(&format_args!("{a:#x}"), &format_args!("{b:#x}"))
                }
                Cmp::Range(a, b) => vec![*a, *b],
                Cmp::Set(v) => v.clone(),
            };
            match vals.iter().find(|v| u64::from(**v) > max) {
                Some(v) => Err(format!("expected values that fit in {f}, found {v:#x}")),
                None => Ok(()),
            }
        }
        TestKind::Len(Cmp::Range(a, b)) if a > b => range_error(a, b),
        TestKind::Prefix(l) | TestKind::Contains(l) | TestKind::At(_, l) if l.is_empty() => {
            Err("expected a non-empty literal, found \"\"".into())
        }
        TestKind::Proto(p) => p.check().validate(),
        _ => Ok(()),
    }
}

/// A test's weight in the rule order (`docs/signatures.md`, "Rules").
fn weight(kind: &TestKind) -> u32 {
    match kind {
        TestKind::Transport(_)
        | TestKind::Packet(_)
        | TestKind::Direction(_)
        | TestKind::BothDirections => 0,
        TestKind::Ip(..) => 2,
        TestKind::Proto(p) => p.check().specificity(),
        _ => 1,
    }
}
