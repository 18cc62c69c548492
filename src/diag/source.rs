//! Source text registry: owns the text of every scenario file that was read, so diagnostics can
//! point at `file:line:column` and quote the offending line long after parsing finished.
//!
//! Spans are byte ranges (that is what the TOML parser and the formula lexer produce), but people
//! read columns in characters, so [`SourceFile::line_col`] converts byte offsets to 1-based
//! (line, column) with the column counted in Unicode scalar values. Line starts are computed once
//! per file so each lookup is a binary search instead of a rescan.
//!
//! Nothing here panics: unknown file ids give `None`, offsets past the end clamp to the end, and
//! offsets inside a multi-byte character round down to that character's first byte.

/// Identifies one file inside a [`SourceMap`]; cheap to copy and store in every [`Span`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct FileId(pub u32);

/// A half-open byte range `start..end` into one source file.
///
/// `start > end` is tolerated everywhere (treated as the empty span at `end`'s position after
/// normalisation by [`Span::normalized`]) so a buggy producer cannot crash the renderer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Span {
    /// File the offsets refer to.
    pub file: FileId,
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range (equal to `start` for an empty span).
    pub end: u32,
}

impl Span {
    /// Creates the span `start..end` in `file`.
    pub fn new(file: FileId, start: u32, end: u32) -> Self {
        Self { file, start, end }
    }

    /// Creates an empty span at `offset`, rendered as a single caret (e.g. "expected `=` here").
    pub fn point(file: FileId, offset: u32) -> Self {
        Self::new(file, offset, offset)
    }

    /// Returns the span with `start <= end`, collapsing an inverted range to the empty span at
    /// its smaller offset.
    pub fn normalized(self) -> Self {
        if self.start <= self.end {
            self
        } else {
            Self::point(self.file, self.end)
        }
    }

    /// Length in bytes (0 for empty or inverted spans).
    pub fn len(&self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One source file: its display path, its full text, and the byte offset of every line start.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path as it should appear in diagnostics (as given by the user, not canonicalised, so the
    /// output matches what they typed).
    pub path: String,
    /// Full file contents. Build a new [`SourceFile`] rather than mutating this field: the
    /// precomputed line starts would go stale.
    pub text: String,
    /// Byte offset of the first byte of each line; always starts with 0.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Wraps `text` and precomputes its line starts. Lines end at `\n`; a preceding `\r` is
    /// treated as part of the line terminator by [`SourceFile::line_text`].
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// Number of lines; a trailing newline starts a final, empty line (where end-of-file
    /// diagnostics point).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Clamps `offset` to the text and rounds it down to a character boundary.
    pub fn clamp_offset(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// 0-based index of the line containing `offset` (after clamping).
    fn line_index(&self, offset: usize) -> usize {
        let offset = self.clamp_offset(offset);
        match self.line_starts.binary_search(&offset) {
            Ok(index) => index,
            // Err(0) cannot happen because line_starts[0] == 0, but stay panic-free anyway.
            Err(index) => index.saturating_sub(1),
        }
    }

    /// Byte offset where the 1-based `line` starts, if that line exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }

    /// 1-based (line, column) of `offset`, the column counted in Unicode chars.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp_offset(offset);
        let index = self.line_index(offset);
        let start = self.line_starts.get(index).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (index + 1, column + 1)
    }

    /// Text of the 1-based `line` without its `\n` or `\r\n` terminator.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let start = self.line_start(line)?;
        let end = self.line_start(line + 1).unwrap_or(self.text.len());
        let raw = self.text.get(start..end)?;
        let raw = raw.strip_suffix('\n').unwrap_or(raw);
        Some(raw.strip_suffix('\r').unwrap_or(raw))
    }
}

/// All files read during one run; diagnostics refer to them by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Creates an empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file and returns its id. Ids are dense and assigned in insertion order, so
    /// sorting diagnostics by file follows the order files were read.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        // More than u32::MAX files cannot fit in memory alongside their text; saturating keeps
        // this panic-free without a fallible signature.
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile::new(path, text));
        id
    }

    /// The file registered under `id`, or `None` for an id from another map.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(usize::try_from(id.0).ok()?)
    }

    /// 1-based (line, column in chars) of `byte_offset` in `file`; see [`SourceFile::line_col`].
    pub fn line_col(&self, file: FileId, byte_offset: usize) -> Option<(usize, usize)> {
        Some(self.get(file)?.line_col(byte_offset))
    }

    /// Text of the 1-based `line` of `file` without its line terminator.
    pub fn line_text(&self, file: FileId, line: usize) -> Option<&str> {
        self.get(file)?.line_text(line)
    }

    /// Number of registered files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when no file has been registered.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn map_with(text: &str) -> (SourceMap, FileId) {
        let mut map = SourceMap::new();
        let id = map.add("t.toml", text);
        (map, id)
    }

    #[test]
    fn line_col_basic_and_line_boundaries() {
        let (map, id) = map_with("ab\ncd\n");
        assert_eq!(map.line_col(id, 0), Some((1, 1)));
        assert_eq!(map.line_col(id, 1), Some((1, 2)));
        // The newline itself sits one column after the last char.
        assert_eq!(map.line_col(id, 2), Some((1, 3)));
        assert_eq!(map.line_col(id, 3), Some((2, 1)));
        assert_eq!(map.line_col(id, 5), Some((2, 3)));
        // After the trailing newline: an empty final line.
        assert_eq!(map.line_col(id, 6), Some((3, 1)));
    }

    #[test]
    fn line_col_clamps_past_end() {
        let (map, id) = map_with("ab\ncd");
        assert_eq!(map.line_col(id, 5), Some((2, 3)));
        assert_eq!(map.line_col(id, 6), Some((2, 3)));
        assert_eq!(map.line_col(id, usize::MAX), Some((2, 3)));
    }

    #[test]
    fn line_col_counts_chars_not_bytes() {
        // `é` is 2 bytes, `–` (en dash) is 3 bytes.
        let (map, id) = map_with("é–x");
        assert_eq!(map.line_col(id, 2), Some((1, 2)));
        assert_eq!(map.line_col(id, 5), Some((1, 3)));
        assert_eq!(map.line_col(id, 6), Some((1, 4)));
    }

    #[test]
    fn line_col_rounds_down_inside_multibyte_char() {
        let (map, id) = map_with("a–b");
        // Bytes 1..4 are the dash; 2 and 3 are inside it.
        assert_eq!(map.line_col(id, 2), Some((1, 2)));
        assert_eq!(map.line_col(id, 3), Some((1, 2)));
        assert_eq!(map.line_col(id, 4), Some((1, 3)));
    }

    #[test]
    fn empty_file() {
        let (map, id) = map_with("");
        assert_eq!(map.line_col(id, 0), Some((1, 1)));
        assert_eq!(map.line_col(id, 10), Some((1, 1)));
        assert_eq!(map.line_text(id, 1), Some(""));
        assert_eq!(map.line_text(id, 2), None);
    }

    #[test]
    fn line_text_strips_crlf_and_lf() {
        let (map, id) = map_with("a = 1\r\nb = 2\nc\r\n");
        assert_eq!(map.line_text(id, 1), Some("a = 1"));
        assert_eq!(map.line_text(id, 2), Some("b = 2"));
        assert_eq!(map.line_text(id, 3), Some("c"));
        assert_eq!(map.line_text(id, 4), Some(""));
        assert_eq!(map.line_text(id, 5), None);
        assert_eq!(map.line_text(id, 0), None);
        // `\r` belongs to the terminator, so the offset of `\r` is one past the last column.
        assert_eq!(map.line_col(id, 5), Some((1, 6)));
        assert_eq!(map.line_col(id, 7), Some((2, 1)));
    }

    #[test]
    fn unknown_file_id_is_none() {
        let (map, _) = map_with("x");
        assert!(map.get(FileId(7)).is_none());
        assert_eq!(map.line_col(FileId(7), 0), None);
        assert_eq!(map.line_text(FileId(7), 1), None);
    }

    #[test]
    fn ids_are_dense_in_insertion_order() {
        let mut map = SourceMap::new();
        assert!(map.is_empty());
        let a = map.add("a.toml", "x");
        let b = map.add("b.toml", "y");
        assert_eq!((a, b), (FileId(0), FileId(1)));
        assert_eq!(map.get(b).unwrap().path, "b.toml");
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn span_normalisation() {
        let f = FileId(0);
        assert_eq!(Span::new(f, 5, 2).normalized(), Span::point(f, 2));
        assert!(Span::new(f, 5, 2).is_empty());
        assert_eq!(Span::new(f, 2, 5).len(), 3);
    }
}
