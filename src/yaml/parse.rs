//! Builds the spanned tree from parser events.
//!
//! The builder keeps an explicit stack (no recursion), so nesting depth is bounded by
//! [`Limits::max_depth`] rather than by the thread's stack.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::{Entry, Node, Scalar, Style, Value};
use crate::source::{CharToByte, SourceId, Span};

/// Guards against hostile input.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Files larger than this are refused before parsing.
    pub max_bytes: usize,
    /// Nodes that aliases may copy in total (an alias of a 1,000-node anchor costs 1,000;
    /// keeping a copy of an anchor that is aliased costs its size once more).
    pub max_alias_nodes: usize,
    /// Scalar bytes that aliases may copy in total: one large scalar aliased many times is
    /// few nodes but many bytes.
    pub max_alias_bytes: usize,
    /// Collections nested deeper than this are refused.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 32 * 1024 * 1024,
            max_alias_nodes: 1_000_000,
            max_alias_bytes: 64 * 1024 * 1024,
            max_depth: 512,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ParseErrorKind {
    /// The text is not YAML; the message is the parser's.
    Syntax(String),
    /// A mapping key repeated; `first` is where it was first written.
    DuplicateKey { key: String, first: Span },
    /// An alias names an anchor that was never defined.
    UnknownAnchor,
    /// Aliases would copy more nodes than [`Limits::max_alias_nodes`] (an "alias bomb").
    AliasBudget { limit: usize },
    /// Aliases would copy more scalar bytes than [`Limits::max_alias_bytes`].
    AliasBytes { limit: usize },
    /// Nesting deeper than [`Limits::max_depth`].
    TooDeep { limit: usize },
    /// The file is larger than [`Limits::max_bytes`].
    TooLarge { size: usize, limit: usize },
    /// A `<<` merge key whose value is not a mapping or a list of mappings.
    BadMerge,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub span: Span,
}

impl ParseError {
    pub fn message(&self) -> String {
        match &self.kind {
            ParseErrorKind::Syntax(msg) => format!("invalid YAML: {msg}"),
            ParseErrorKind::DuplicateKey { key, .. } => format!("duplicate key `{key}`"),
            ParseErrorKind::UnknownAnchor => "alias refers to an undefined anchor".into(),
            ParseErrorKind::AliasBudget { limit } => {
                format!("aliases expand to more than {limit} nodes (alias bomb?)")
            }
            ParseErrorKind::AliasBytes { limit } => {
                format!("aliases expand to more than {limit} bytes of text (alias bomb?)")
            }
            ParseErrorKind::TooDeep { limit } => {
                format!("nesting deeper than {limit} levels")
            }
            ParseErrorKind::TooLarge { size, limit } => {
                format!("file is {size} bytes, larger than the limit of {limit} bytes")
            }
            ParseErrorKind::BadMerge => {
                "a `<<` merge key needs a mapping or a list of mappings".into()
            }
        }
    }

    /// Whether the error stopped parsing (the tree is missing or incomplete).
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self.kind,
            ParseErrorKind::DuplicateKey { .. } | ParseErrorKind::BadMerge
        )
    }
}

/// The documents of one file and every problem found while building them.
#[derive(Debug, Default)]
pub struct Parsed {
    pub documents: Vec<Node>,
    pub errors: Vec<ParseError>,
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        tag: Option<Box<str>>,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        tag: Option<Box<str>>,
        entries: Vec<Entry>,
        key: Option<Node>,
        /// Key text to entry index, built once a mapping grows past a few keys, so that
        /// duplicate detection stays linear in large files.
        index: Option<HashMap<String, usize>>,
    },
}

struct Builder<'a> {
    source: SourceId,
    text: &'a str,
    limits: Limits,
    conv: CharToByte<'a>,
    stack: Vec<Frame>,
    /// Copies of the anchors that some alias names, with their size (nodes, scalar bytes).
    anchors: HashMap<usize, (Node, usize, usize)>,
    /// Anchor ids that an alias names (found by a first pass when the text has a `*`);
    /// other anchors are not copied at all, so nesting anchors costs nothing.
    aliased: HashSet<usize>,
    alias_nodes: usize,
    alias_bytes: usize,
    parsed: Parsed,
}

/// Parses every document of `text`. Parsing continues after non-fatal problems (duplicate
/// keys, bad merges); a syntax error or an exceeded limit ends the file.
pub fn parse(source: SourceId, text: &str, limits: Limits) -> Parsed {
    let mut builder = Builder {
        source,
        text,
        limits,
        conv: CharToByte::new(text),
        stack: Vec::new(),
        anchors: HashMap::new(),
        aliased: HashSet::new(),
        alias_nodes: 0,
        alias_bytes: 0,
        parsed: Parsed::default(),
    };
    if text.len() > limits.max_bytes {
        builder.error(
            ParseErrorKind::TooLarge {
                size: text.len(),
                limit: limits.max_bytes,
            },
            0,
            0,
        );
        return builder.parsed;
    }
    if text.contains('*') {
        for event in Parser::new_from_str(text) {
            match event {
                Ok((Event::Alias(id), _)) => {
                    builder.aliased.insert(id);
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
    for event in Parser::new_from_str(text) {
        match event {
            Ok((event, span)) => {
                let start = builder.conv.byte(span.start.index());
                let end = builder.conv.byte(span.end.index()).max(start);
                if let Err(kind) = builder.event(event, start, end) {
                    builder.error(kind, start, end);
                    break;
                }
            }
            Err(err) => {
                let at = builder.conv.byte(err.marker().index());
                builder.error(ParseErrorKind::Syntax(err.info().to_string()), at, at);
                for (at, message) in later_syntax_errors(text, at) {
                    builder.error(ParseErrorKind::Syntax(message), at, at);
                }
                break;
            }
        }
    }
    builder.parsed
}

/// How many further syntax errors one file may report.
const MAX_SYNTAX_ERRORS: usize = 50;

/// Finds the syntax errors after the first one: parsing resumes at the next top-level line
/// (a line starting in column 0 that is not a comment), with everything before it blanked
/// out so that positions stay those of the original text. The parser stops at its first
/// error, so this is how a file with several broken sections reports each of them.
fn later_syntax_errors(text: &str, mut at: usize) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    while found.len() < MAX_SYNTAX_ERRORS {
        let Some(resume) = next_top_level_line(text, at) else {
            break;
        };
        let mut masked: Vec<u8> = text.as_bytes()[..resume]
            .iter()
            .map(|&b| if b == b'\n' { b'\n' } else { b' ' })
            .collect();
        masked.extend_from_slice(&text.as_bytes()[resume..]);
        let Ok(masked) = String::from_utf8(masked) else {
            break;
        };
        let mut conv = CharToByte::new(&masked);
        let error = Parser::new_from_str(&masked).find_map(Result::err);
        match error {
            Some(err) => {
                let pos = conv.byte(err.marker().index()).max(resume);
                found.push((pos, err.info().to_string()));
                at = pos;
            }
            None => break,
        }
    }
    found
}

fn next_top_level_line(text: &str, after: usize) -> Option<usize> {
    let mut pos = text.get(after..)?.find('\n')? + after + 1;
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = &text[pos..line_end];
        let starts_key = line.starts_with(|c: char| !c.is_whitespace() && c != '#');
        if starts_key && !line.starts_with("...") {
            return Some(pos);
        }
        pos = line_end + 1;
    }
    None
}

impl Builder<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span {
            source: self.source,
            start,
            end,
        }
    }

    fn error(&mut self, kind: ParseErrorKind, start: usize, end: usize) {
        let span = self.span(start, end);
        self.parsed.errors.push(ParseError { kind, span });
    }

    fn event(&mut self, event: Event<'_>, start: usize, end: usize) -> Result<(), ParseErrorKind> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                // The parser's end mark for a quoted scalar can run past the closing quote
                // (over trailing comments); find the quote instead.
                let end = quoted_end(self.text, start, style).unwrap_or(end);
                let node = Node {
                    span: self.span(start, end),
                    tag: None,
                    value: Value::Scalar(Scalar {
                        text: text.into_owned(),
                        style: convert_style(style),
                        tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                        unresolved: false,
                        interpolated: false,
                    }),
                };
                self.complete(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(&(_, count, bytes)) = self.anchors.get(&id) else {
                    return Err(ParseErrorKind::UnknownAnchor);
                };
                self.charge(count, bytes)?;
                let node = self.anchors.get(&id).map(|(n, ..)| n.clone());
                if let Some(node) = node {
                    self.complete(node, 0)?;
                }
            }
            Event::SequenceStart(anchor, tag) => {
                self.push(Frame::Seq {
                    start,
                    anchor,
                    tag: tag.map(|t| format!("{}{}", t.handle, t.suffix).into_boxed_str()),
                    items: Vec::new(),
                })?;
            }
            Event::MappingStart(anchor, tag) => {
                self.push(Frame::Map {
                    start,
                    anchor,
                    tag: tag.map(|t| format!("{}{}", t.handle, t.suffix).into_boxed_str()),
                    entries: Vec::new(),
                    key: None,
                    index: None,
                })?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, s, anchor, tag) = match self.stack.pop() {
                    Some(Frame::Seq {
                        start: s,
                        anchor,
                        tag,
                        items,
                    }) => (Value::Seq(items), s, anchor, tag),
                    Some(Frame::Map {
                        start: s,
                        anchor,
                        tag,
                        entries,
                        ..
                    }) => (Value::Map(self.merge_keys(entries)), s, anchor, tag),
                    None => return Ok(()),
                };
                let end = self.collection_end(s, start, &value);
                let node = Node {
                    span: self.span(s, end),
                    value,
                    tag,
                };
                self.complete(node, anchor)?;
            }
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::Nothing => {}
        }
        Ok(())
    }

    /// Where a collection ends: after its closing bracket for flow style (`[...]`, `{...}`),
    /// after its last item for block style. The parser's end marks run past trailing comments
    /// and blank lines, which would underline too much.
    fn collection_end(&self, start: usize, end_event: usize, value: &Value) -> usize {
        let bytes = self.text.as_bytes();
        // A tag or anchor may come first (`!reset []`, `&a {…}`).
        let mut open = start;
        while matches!(bytes.get(open), Some(b'!' | b'&')) {
            while open < bytes.len() && !matches!(bytes[open], b' ' | b'\t' | b'\n') {
                open += 1;
            }
            while matches!(bytes.get(open), Some(b' ' | b'\t')) {
                open += 1;
            }
        }
        if matches!(bytes.get(open), Some(b'[' | b'{')) {
            let close = if bytes[open] == b'[' { b']' } else { b'}' };
            if bytes.get(end_event) == Some(&close) {
                return end_event + 1;
            }
        }
        let last = match value {
            Value::Seq(items) => items.last().map(|n| n.span.end),
            Value::Map(entries) => entries
                .iter()
                .map(|e| e.value.span.end.max(e.key.span.end))
                .max(),
            Value::Scalar(_) => None,
        };
        last.unwrap_or(end_event).max(start)
    }

    fn push(&mut self, frame: Frame) -> Result<(), ParseErrorKind> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(ParseErrorKind::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Counts a copy of `nodes` nodes holding `bytes` bytes of text against the budgets.
    fn charge(&mut self, nodes: usize, bytes: usize) -> Result<(), ParseErrorKind> {
        self.alias_nodes = self.alias_nodes.saturating_add(nodes);
        self.alias_bytes = self.alias_bytes.saturating_add(bytes);
        if self.alias_nodes > self.limits.max_alias_nodes {
            return Err(ParseErrorKind::AliasBudget {
                limit: self.limits.max_alias_nodes,
            });
        }
        if self.alias_bytes > self.limits.max_alias_bytes {
            return Err(ParseErrorKind::AliasBytes {
                limit: self.limits.max_alias_bytes,
            });
        }
        Ok(())
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), ParseErrorKind> {
        if anchor != 0 && self.aliased.contains(&anchor) {
            let (count, bytes) = size(&node);
            // Keeping the copy costs what one alias of it costs.
            self.charge(count, bytes)?;
            self.anchors.insert(anchor, (node.clone(), count, bytes));
        }
        match self.stack.last_mut() {
            None => self.parsed.documents.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                index,
                ..
            }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    let first = scalar_key(&k).and_then(|text| find_key(entries, index, text));
                    match first {
                        Some(first) => {
                            let key = scalar_key(&k).unwrap_or_default().to_string();
                            self.parsed.errors.push(ParseError {
                                kind: ParseErrorKind::DuplicateKey { key, first },
                                span: k.span,
                            });
                        }
                        None => {
                            if let (Some(index), Some(text)) = (index.as_mut(), scalar_key(&k)) {
                                index.insert(text.to_string(), entries.len());
                            }
                            entries.push(Entry {
                                key: k,
                                value: node,
                            });
                        }
                    }
                }
            },
        }
        Ok(())
    }

    /// Applies `<<` merge keys: entries written in the mapping win over merged ones, and an
    /// earlier mapping in a merge list wins over a later one (YAML merge key type).
    fn merge_keys(&mut self, entries: Vec<Entry>) -> Vec<Entry> {
        if !entries.iter().any(is_merge_entry) {
            return entries;
        }
        let mut own = Vec::with_capacity(entries.len());
        let mut merged = Vec::new();
        for entry in entries {
            if !is_merge_entry(&entry) {
                own.push(entry);
                continue;
            }
            let sources: Vec<Node> = match entry.value.value {
                Value::Map(_) => vec![entry.value],
                Value::Seq(items) => items,
                Value::Scalar(_) => {
                    self.parsed.errors.push(ParseError {
                        kind: ParseErrorKind::BadMerge,
                        span: entry.value.span,
                    });
                    continue;
                }
            };
            for source in sources {
                match source.value {
                    Value::Map(source_entries) => merged.extend(source_entries),
                    _ => self.parsed.errors.push(ParseError {
                        kind: ParseErrorKind::BadMerge,
                        span: source.span,
                    }),
                }
            }
        }
        for entry in merged {
            let key = scalar_key(&entry.key);
            if key.is_some() && own.iter().any(|e| scalar_key(&e.key) == key) {
                continue;
            }
            own.push(entry);
        }
        own
    }
}

/// The byte just after the closing quote of a quoted scalar starting at `start`.
fn quoted_end(text: &str, start: usize, style: ScalarStyle) -> Option<usize> {
    let rest = text.get(start..)?;
    let mut chars = rest.char_indices();
    match (style, chars.next()) {
        (ScalarStyle::DoubleQuoted, Some((_, '"'))) => {
            let mut escaped = false;
            for (i, c) in chars {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => return Some(start + i + 1),
                    _ => escaped = false,
                }
            }
            None
        }
        (ScalarStyle::SingleQuoted, Some((_, '\''))) => {
            let bytes = rest.as_bytes();
            let mut i = 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return Some(start + i + 1);
                }
                i += 1;
            }
            None
        }
        _ => None,
    }
}

/// Mappings with more entries than this get a hash index for duplicate detection.
const INDEX_AFTER: usize = 16;

/// The span of an earlier key equal to `text`, building the index when the map is large.
fn find_key(
    entries: &[Entry],
    index: &mut Option<HashMap<String, usize>>,
    text: &str,
) -> Option<Span> {
    if index.is_none() && entries.len() > INDEX_AFTER {
        let built = entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| scalar_key(&e.key).map(|t| (t.to_string(), i)))
            .collect();
        *index = Some(built);
    }
    match index {
        Some(index) => index.get(text).map(|&i| entries[i].key.span),
        None => entries
            .iter()
            .find(|e| scalar_key(&e.key) == Some(text))
            .map(|e| e.key.span),
    }
}

fn is_merge_entry(entry: &Entry) -> bool {
    matches!(&entry.key.value, Value::Scalar(s) if s.text == "<<" && s.style == Style::Plain)
}

fn scalar_key(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Scalar(s) => Some(&s.text),
        _ => None,
    }
}

/// Nodes and scalar bytes of a tree.
fn size(node: &Node) -> (usize, usize) {
    match &node.value {
        Value::Scalar(s) => (1, s.text.len()),
        Value::Seq(items) => items.iter().fold((1, 0), |(n, b), i| {
            let (a, c) = size(i);
            (n + a, b + c)
        }),
        Value::Map(entries) => entries.iter().fold((1, 0), |(n, b), e| {
            let (k1, k2) = size(&e.key);
            let (v1, v2) = size(&e.value);
            (n + k1 + v1, b + k2 + v2)
        }),
    }
}

fn convert_style(style: ScalarStyle) -> Style {
    match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceDb;

    fn parse_str(text: &str) -> (SourceDb, Parsed) {
        let mut db = SourceDb::new();
        let id = db.add("t.yml", text);
        let parsed = parse(id, text, Limits::default());
        (db, parsed)
    }

    #[test]
    fn keys_and_values_keep_positions() {
        let (db, parsed) = parse_str("a: 1\nb:\n  c: 'x'\n  d: [1, 2]\n");
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let doc = &parsed.documents[0];
        let c = doc.at_pointer("/b/c", false).expect("c");
        assert_eq!(db.location(c.span), "t.yml:3:6");
        let c_key = doc.at_pointer("/b/c", true).expect("c key");
        assert_eq!(db.location(c_key.span), "t.yml:3:3");
        let d1 = doc.at_pointer("/b/d/1", false).expect("d1");
        assert_eq!(db.location(d1.span), "t.yml:4:10");
        assert_eq!(
            doc.to_json(),
            serde_json::json!({"a": 1, "b": {"c": "x", "d": [1, 2]}})
        );
    }

    #[test]
    fn duplicate_keys_report_both_positions_and_keep_going() {
        let (db, parsed) = parse_str("a: 1\nb: 2\na: 3\nb: 4\n");
        let dups: Vec<String> = parsed
            .errors
            .iter()
            .map(|e| match &e.kind {
                ParseErrorKind::DuplicateKey { key, first } => {
                    format!("{key} {} {}", db.location(e.span), db.location(*first))
                }
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(dups, ["a t.yml:3:1 t.yml:1:1", "b t.yml:4:1 t.yml:2:1"]);
        assert_eq!(parsed.documents.len(), 1);
    }

    #[test]
    fn quoted_scalars_end_at_their_closing_quote() {
        let (db, parsed) = parse_str("a: \"x\\\"y\"  # c\nb: 'it''s'  # c\n");
        let doc = &parsed.documents[0];
        for (key, len) in [("/a", 6), ("/b", 7)] {
            let n = doc.at_pointer(key, false).expect("node");
            assert_eq!(
                n.span.end - n.span.start,
                len,
                "{key} {}",
                db.location(n.span)
            );
        }
    }

    #[test]
    fn merge_keys_and_aliases_expand() {
        let (_, parsed) =
            parse_str("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\nlist: [*b]\n");
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(
            parsed.documents[0].to_json(),
            serde_json::json!({"base": {"x": 1, "y": 2}, "other": {"y": 3, "x": 1}, "list": [{"x": 1, "y": 2}]})
        );
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let (_, parsed) = parse_str(&text);
        assert!(
            parsed
                .errors
                .iter()
                .any(|e| matches!(e.kind, ParseErrorKind::AliasBudget { .. })),
            "{:?}",
            parsed.errors
        );
    }

    #[test]
    fn syntax_error_has_a_position() {
        let (db, parsed) = parse_str("a: 1\nb: [1, 2\nc: 3\n");
        let err = parsed.errors.first().expect("an error");
        assert!(matches!(err.kind, ParseErrorKind::Syntax(_)));
        assert!(db.location(err.span).starts_with("t.yml:"));
    }

    #[test]
    fn every_broken_section_reports_its_own_syntax_error() {
        let (db, parsed) = parse_str("a: [1, 2\nb: ok\nc: \"x\" y\nd: fine\ne: {k: v\n");
        let at: Vec<String> = parsed.errors.iter().map(|e| db.location(e.span)).collect();
        assert_eq!(at.len(), 3, "{at:?} {:?}", parsed.errors);
        assert!(
            at[0].starts_with("t.yml:2:")
                && at[1].starts_with("t.yml:3:")
                && at[2].starts_with("t.yml:"),
            "{at:?}"
        );
    }

    #[test]
    fn oversized_and_deep_inputs_are_refused() {
        let mut db = SourceDb::new();
        let id = db.add("big.yml", "a: 1\n");
        let limits = Limits {
            max_bytes: 3,
            ..Limits::default()
        };
        let parsed = parse(id, "a: 1\n", limits);
        assert!(matches!(
            parsed.errors[0].kind,
            ParseErrorKind::TooLarge { .. }
        ));
        // The parser itself stops deep flow nesting; our own limit covers block nesting too.
        let deep = "[".repeat(2000);
        let parsed = parse(id, &deep, Limits::default());
        assert!(parsed.errors[0].is_fatal(), "{:?}", parsed.errors);
        let shallow_limit = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        let parsed = parse(id, "a:\n  b:\n    c:\n      d: 1\n", shallow_limit);
        assert!(
            matches!(parsed.errors[0].kind, ParseErrorKind::TooDeep { limit: 3 }),
            "{:?}",
            parsed.errors
        );
    }
}
