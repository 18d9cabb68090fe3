//! Source files and positions.
//!
//! Every file the tool reads or renders is registered here once, so a finding, a schema error or
//! a template error anywhere can point at `file:line:column`. Byte offsets are the only position
//! stored in spans; lines and columns are derived on demand. The YAML parser counts characters,
//! so the conversion from character index to byte offset happens here, in one place.

use std::fmt;
use std::sync::Arc;

/// Identifies a file inside a [`SourceDb`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(u32);

/// A byte range inside one registered file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub source: SourceId,
    pub start: usize,
    pub end: usize,
}

/// A 1-based line and a 1-based column counted in characters, as editors show them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One file's name (as shown to the user) and text.
#[derive(Debug)]
pub struct SourceFile {
    name: String,
    text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(name: String, text: Arc<str>) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            name,
            text,
            line_starts,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Line and column of a byte offset (clamped to the file).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.clamp(offset);
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line_index];
        let column = self.text[line_start..offset].chars().count() + 1;
        LineCol {
            line: line_index + 1,
            column,
        }
    }

    /// The byte offset where a 1-based line starts (the end of the file past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The text of a 1-based line without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Byte offset of a character index, as the YAML parser reports positions.
    pub fn byte_of_char(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map_or(self.text.len(), |(b, _)| b)
    }

    fn clamp(&self, mut offset: usize) -> usize {
        offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

/// Converts character indices to byte offsets in one pass over increasing indices.
///
/// The parser reports character indices in increasing order for most events, so a cursor that
/// walks forward (and restarts only when asked to go back) keeps the conversion linear.
pub struct CharToByte<'a> {
    text: &'a str,
    char_index: usize,
    byte_index: usize,
}

impl<'a> CharToByte<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            char_index: 0,
            byte_index: 0,
        }
    }

    pub fn byte(&mut self, char_index: usize) -> usize {
        // Events come mostly in order but sometimes step back a little (a collection's start
        // after its first key): walk back character by character rather than from the start.
        while self.char_index > char_index {
            self.byte_index -= 1;
            while !self.text.is_char_boundary(self.byte_index) {
                self.byte_index -= 1;
            }
            self.char_index -= 1;
        }
        let rest = &self.text[self.byte_index..];
        let mut iter = rest.chars();
        while self.char_index < char_index {
            match iter.next() {
                Some(c) => {
                    self.char_index += 1;
                    self.byte_index += c.len_utf8();
                }
                None => break,
            }
        }
        self.byte_index
    }
}

/// Every file the tool has read or rendered during one run.
#[derive(Debug, Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
}

impl SourceDb {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceId {
        let id = SourceId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile::new(name.into(), text.into()));
        id
    }

    pub fn get(&self, id: SourceId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The text of a file, shared (no copy).
    pub fn shared_text(&self, id: SourceId) -> Arc<str> {
        Arc::clone(&self.get(id).text)
    }

    pub fn name(&self, id: SourceId) -> &str {
        self.get(id).name()
    }

    /// The most recently registered file of that name.
    pub fn find(&self, name: &str) -> Option<SourceId> {
        let i = self.files.iter().rposition(|f| f.name == name)?;
        Some(SourceId(u32::try_from(i).ok()?))
    }

    /// `file:line:column` of the start of a span.
    pub fn location(&self, span: Span) -> String {
        let file = self.get(span.source);
        format!("{}:{}", file.name(), file.line_col(span.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let mut db = SourceDb::new();
        let id = db.add("a.yml", "ab\nçd: x\n");
        let file = db.get(id);
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(3), LineCol { line: 2, column: 1 });
        // `d` is the second character of line 2 but starts at byte 5.
        assert_eq!(file.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(file.line_text(2), "çd: x");
        assert_eq!(
            db.location(Span {
                source: id,
                start: 8,
                end: 9
            }),
            "a.yml:2:5"
        );
    }

    #[test]
    fn char_to_byte_walks_forward_and_back() {
        let text = "éa€b";
        let mut conv = CharToByte::new(text);
        assert_eq!(conv.byte(1), 2);
        assert_eq!(conv.byte(3), 6);
        assert_eq!(conv.byte(0), 0);
        assert_eq!(conv.byte(10), text.len());
    }
}
