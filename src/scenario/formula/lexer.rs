//! The lexer: splits a formula string into tokens, one at a time, on demand.
//!
//! Lexing lazily (rather than tokenising the whole string first) means errors are reported in
//! left-to-right order, and a formula that fails early is not scanned to its end.
//!
//! Rules, chosen to match what analysts know from TOML and spreadsheets:
//! - Numbers: `12`, `1.5`, `.5`, `1e6`, `2.5E-3`, `1_000_000`. An underscore must sit between two
//!   digits (as in TOML), so `1__0`, `1_` and `1_.5` are rejected. A number may not end in `.`
//!   (`1.` is rejected with a hint to write `1.0`): the trailing dot is more often a typo than
//!   intended, and forbidding it keeps `.` reserved for fractions and dotted names. A number
//!   directly followed by a letter, `_` or `.` (`2x`, `1.5.3`) is rejected as malformed rather than
//!   silently split. Numbers too large for an `f64` are rejected; ones too small round to 0.
//! - Names: `[A-Za-z_][A-Za-z0-9_]*`, optionally dotted (`ceasefire.at`, no spaces around the dot).
//!   `and`, `or`, `not`, `true`, `false` are keywords, also not allowed as parts of a dotted name.
//! - Strings: `"..."` or `'...'`, no escapes, may span lines.
//! - Whitespace: space, tab, `\n`, `\r`. Anything else unknown is an error naming the character,
//!   with a hint for common look-alikes (Unicode minus, `×`, `≤`, curly quotes, `#`, ...).
//!
//! Positions are byte offsets; the lexer only ever stops on ASCII bytes or after a whole `char`,
//! so every span lies on char boundaries.

use super::{ParseError, Span};

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum TokenKind {
    Number(f64),
    Name(String),
    Str(String),
    And,
    Or,
    Not,
    True,
    False,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    Lt,
    Le,
    Gt,
    Ge,
    EqEq,
    Ne,
    AndAnd,
    OrOr,
    Bang,
    LParen,
    RParen,
    Comma,
    Eof,
}

/// A token and the text it came from.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Token {
    pub(super) kind: TokenKind,
    pub(super) span: Span,
}

/// Produces the tokens of one formula string.
pub(super) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

const KEYWORDS: [&str; 5] = ["and", "or", "not", "true", "false"];

/// A span from `usize` offsets. The parser rejects formulas longer than `u32::MAX` bytes up front,
/// so the saturation never actually happens.
pub(super) fn span(start: usize, end: usize) -> Span {
    let clamp = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
    Span::new(clamp(start), clamp(end))
}

fn is_name_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

fn is_name_continue(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

impl<'a> Lexer<'a> {
    /// A lexer positioned at the start of `src`.
    pub(super) fn new(src: &'a str) -> Lexer<'a> {
        Lexer { src, pos: 0 }
    }

    /// The next token, or [`TokenKind::Eof`] (repeatedly) at the end of the string.
    pub(super) fn next_token(&mut self) -> Result<Token, ParseError> {
        self.skip_whitespace();
        let start = self.pos;
        let Some(byte) = self.byte(start) else {
            return Ok(self.token(TokenKind::Eof, start, start));
        };
        match byte {
            b'0'..=b'9' => self.number(start),
            b'.' if self.byte(start + 1).is_some_and(|b| b.is_ascii_digit()) => self.number(start),
            b'.' => Err(ParseError::new(span(start, start + 1), "unexpected `.`")
                .with_hint("dotted names are written without spaces, e.g. `ceasefire.at`")),
            b if is_name_start(b) => self.name(start),
            b'"' | b'\'' => self.string(start, byte),
            _ => self.operator(start, byte),
        }
    }

    fn byte(&self, index: usize) -> Option<u8> {
        self.src.as_bytes().get(index).copied()
    }

    fn text(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or_default()
    }

    fn token(&mut self, kind: TokenKind, start: usize, end: usize) -> Token {
        self.pos = end;
        Token {
            kind,
            span: span(start, end),
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.byte(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Lexes a number starting at `start` (a digit, or a `.` followed by a digit).
    fn number(&mut self, start: usize) -> Result<Token, ParseError> {
        let mut end = start;
        if self.byte(end).is_some_and(|b| b.is_ascii_digit()) {
            end = self.digits(start, end)?;
        }
        if self.byte(end) == Some(b'.') {
            if !self.byte(end + 1).is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.malformed_number(start, "write `1.0` or `1`, not `1.`"));
            }
            end = self.digits(start, end + 1)?;
        }
        if matches!(self.byte(end), Some(b'e' | b'E')) {
            let mut exponent = end + 1;
            if matches!(self.byte(exponent), Some(b'+' | b'-')) {
                exponent += 1;
            }
            if !self.byte(exponent).is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.malformed_number(start, "an exponent needs digits, as in `1e6`"));
            }
            end = self.digits(start, exponent)?;
        }
        if let Some(next) = self.byte(end)
            && (is_name_continue(next) || next == b'.')
        {
            let hint = if next.is_ascii_alphabetic() || next == b'_' {
                "put an operator between a number and a name, e.g. `2 * x`"
            } else {
                "a number has at most one `.`"
            };
            return Err(self.malformed_number(start, hint));
        }
        let digits: String = self
            .text(start, end)
            .chars()
            .filter(|&c| c != '_')
            .collect();
        match digits.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(self.token(TokenKind::Number(value), start, end)),
            Ok(_) => Err(ParseError::new(span(start, end), "number too large")
                .with_hint("numbers must be below about 1.8e308")),
            Err(_) => {
                Err(self.malformed_number(start, "write numbers like `1200`, `0.5` or `1e6`"))
            }
        }
    }

    /// Skips a run of digits starting at `from` (which must be a digit), allowing single
    /// underscores between digits. Returns the offset after the run.
    fn digits(&self, number_start: usize, from: usize) -> Result<usize, ParseError> {
        let mut end = from;
        loop {
            while self.byte(end).is_some_and(|b| b.is_ascii_digit()) {
                end += 1;
            }
            if self.byte(end) != Some(b'_') {
                return Ok(end);
            }
            if !self.byte(end + 1).is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.malformed_number(
                    number_start,
                    "`_` in a number must sit between two digits, as in `1_000_000`",
                ));
            }
            end += 1;
        }
    }

    /// An error covering the whole number-like run of characters starting at `start`.
    fn malformed_number(&self, start: usize, hint: &str) -> ParseError {
        let mut end = start;
        while let Some(byte) = self.byte(end) {
            let after_exponent_mark =
                end > start && matches!(self.byte(end - 1), Some(b'e' | b'E'));
            let sign_of_exponent = matches!(byte, b'+' | b'-') && after_exponent_mark;
            if !(is_name_continue(byte) || byte == b'.' || sign_of_exponent) {
                break;
            }
            end += 1;
        }
        let text = shorten(self.text(start, end));
        ParseError::new(span(start, end), format!("malformed number `{text}`")).with_hint(hint)
    }

    /// Lexes a (possibly dotted) name or a keyword starting at `start`.
    fn name(&mut self, start: usize) -> Result<Token, ParseError> {
        let mut end = self.name_part_end(start);
        while self.byte(end) == Some(b'.') {
            if !self.byte(end + 1).is_some_and(is_name_start) {
                return Err(
                    ParseError::new(span(end, end + 1), "expected a name after `.`")
                        .with_hint("dotted names look like `ceasefire.at`, without spaces"),
                );
            }
            end = self.name_part_end(end + 1);
        }
        let text = self.text(start, end);
        let keyword = match text {
            "and" => Some(TokenKind::And),
            "or" => Some(TokenKind::Or),
            "not" => Some(TokenKind::Not),
            "true" => Some(TokenKind::True),
            "false" => Some(TokenKind::False),
            _ => None,
        };
        if let Some(kind) = keyword {
            return Ok(self.token(kind, start, end));
        }
        self.reject_keyword_parts(start, text)?;
        Ok(self.token(TokenKind::Name(text.to_string()), start, end))
    }

    fn name_part_end(&self, from: usize) -> usize {
        let mut end = from;
        while self.byte(end).is_some_and(is_name_continue) {
            end += 1;
        }
        end
    }

    /// Keywords are operators or constants, so they cannot be parts of a dotted name either.
    fn reject_keyword_parts(&self, start: usize, dotted: &str) -> Result<(), ParseError> {
        let mut part_start = start;
        for part in dotted.split('.') {
            if KEYWORDS.contains(&part) {
                let at = span(part_start, part_start + part.len());
                return Err(ParseError::new(
                    at,
                    format!("`{part}` is a keyword and cannot be part of a name"),
                ));
            }
            part_start += part.len() + 1;
        }
        Ok(())
    }

    /// Lexes a string literal opened by the quote `quote` at `start`.
    fn string(&mut self, start: usize, quote: u8) -> Result<Token, ParseError> {
        let quote = char::from(quote);
        let content_start = start + 1;
        let rest = self.src.get(content_start..).unwrap_or_default();
        match rest.find(quote) {
            Some(length) => {
                let content = self.text(content_start, content_start + length).to_string();
                Ok(self.token(TokenKind::Str(content), start, content_start + length + 1))
            }
            None => Err(
                ParseError::new(span(start, content_start), "unterminated string")
                    .with_hint(format!("close it with a matching `{quote}`")),
            ),
        }
    }

    /// Lexes an operator or punctuation starting with the byte `first` at `start`.
    fn operator(&mut self, start: usize, first: u8) -> Result<Token, ParseError> {
        let second = self.byte(start + 1);
        let (kind, length) = match (first, second) {
            (b'+', _) => (TokenKind::Plus, 1),
            (b'-', _) => (TokenKind::Minus, 1),
            (b'*', Some(b'*')) => {
                return Err(self.not_an_operator(start, "**", "write powers with `^`, e.g. `x^2`"));
            }
            (b'*', _) => (TokenKind::Star, 1),
            (b'/', _) => (TokenKind::Slash, 1),
            (b'%', _) => (TokenKind::Percent, 1),
            (b'^', _) => (TokenKind::Caret, 1),
            (b'(', _) => (TokenKind::LParen, 1),
            (b')', _) => (TokenKind::RParen, 1),
            (b',', _) => (TokenKind::Comma, 1),
            (b'<', Some(b'=')) => (TokenKind::Le, 2),
            (b'<', Some(b'>')) => {
                return Err(self.not_an_operator(start, "<>", "did you mean `!=`?"));
            }
            (b'<', _) => (TokenKind::Lt, 1),
            (b'>', Some(b'=')) => (TokenKind::Ge, 2),
            (b'>', _) => (TokenKind::Gt, 1),
            (b'=', Some(b'=')) => (TokenKind::EqEq, 2),
            (b'=', Some(b'<')) => {
                return Err(self.not_an_operator(start, "=<", "did you mean `<=`?"));
            }
            (b'=', Some(b'>')) => {
                return Err(self.not_an_operator(start, "=>", "did you mean `>=`?"));
            }
            (b'=', _) => return Err(self.not_an_operator(start, "=", "did you mean `==`?")),
            (b'!', Some(b'=')) => (TokenKind::Ne, 2),
            (b'!', _) => (TokenKind::Bang, 1),
            (b'&', Some(b'&')) => (TokenKind::AndAnd, 2),
            (b'|', Some(b'|')) => (TokenKind::OrOr, 2),
            _ => return Err(self.unknown_character(start)),
        };
        Ok(self.token(kind, start, start + length))
    }

    fn not_an_operator(&self, start: usize, text: &str, hint: &str) -> ParseError {
        ParseError::new(
            span(start, start + text.len()),
            format!("`{text}` is not an operator"),
        )
        .with_hint(hint)
    }

    /// An error naming the (whole, possibly multi-byte) character at `start`.
    fn unknown_character(&self, start: usize) -> ParseError {
        let character = self
            .src
            .get(start..)
            .and_then(|rest| rest.chars().next())
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        let end = start + character.len_utf8();
        let shown = if character.is_control() || character.is_whitespace() {
            character.escape_unicode().to_string()
        } else {
            character.to_string()
        };
        let error = ParseError::new(span(start, end), format!("unknown character `{shown}`"));
        match look_alike_hint(character) {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

/// Hints for characters that analysts paste from documents or type from other languages.
fn look_alike_hint(character: char) -> Option<&'static str> {
    let hint = match character {
        '&' => "did you mean `&&` (or `and`)?",
        '|' => "did you mean `||` (or `or`)?",
        '\u{2212}' | '\u{2013}' | '\u{2014}' => "use the plain minus sign `-`",
        '\u{d7}' | '\u{b7}' | '\u{22c5}' => "use `*` for multiplication",
        '\u{f7}' => "use `/` for division",
        '\u{2264}' => "did you mean `<=`?",
        '\u{2265}' => "did you mean `>=`?",
        '\u{2260}' => "did you mean `!=`?",
        '\u{201c}' | '\u{201d}' | '\u{2018}' | '\u{2019}' | '\u{201e}' => {
            "use straight quotes `\"` or `'` around strings"
        }
        '#' => "`#` does not start a comment inside a formula",
        '[' | ']' | '{' | '}' => "use `(` and `)` for grouping",
        c if c.is_whitespace() => "this is not an ordinary space; retype it as a plain space",
        _ => return None,
    };
    Some(hint)
}

/// `text`, cut to at most 40 characters (with `...`) so that messages stay readable.
pub(super) fn shorten(text: &str) -> String {
    const LIMIT: usize = 40;
    if text.chars().count() <= LIMIT {
        return text.to_string();
    }
    let mut short: String = text.chars().take(LIMIT - 3).collect();
    short.push_str("...");
    short
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// All token kinds of `src`, or the first error.
    fn kinds(src: &str) -> Result<Vec<TokenKind>, ParseError> {
        let mut lexer = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let token = lexer.next_token()?;
            if token.kind == TokenKind::Eof {
                return Ok(out);
            }
            out.push(token.kind);
        }
    }

    fn number(src: &str) -> f64 {
        match kinds(src).unwrap().as_slice() {
            [TokenKind::Number(value)] => *value,
            other => panic!("{src:?} lexed as {other:?}"),
        }
    }

    fn error(src: &str) -> ParseError {
        kinds(src).unwrap_err()
    }

    #[test]
    fn numbers_in_all_forms() {
        assert_eq!(number("12"), 12.0);
        assert_eq!(number("1.5"), 1.5);
        assert_eq!(number(".5"), 0.5);
        assert_eq!(number("1e6"), 1e6);
        assert_eq!(number("2.5E-3"), 2.5e-3);
        assert_eq!(number("1E+2"), 100.0);
        assert_eq!(number("1_000_000"), 1e6);
        assert_eq!(number("1_000.000_1"), 1000.0001);
        assert_eq!(number("1e1_0"), 1e10);
        assert_eq!(number("1e-400"), 0.0);
        assert_eq!(number("0.1"), 0.1);
    }

    #[test]
    fn malformed_numbers_are_rejected_whole() {
        for (src, text) in [
            ("1__0", "1__0"),
            ("1_", "1_"),
            ("1_.5", "1_.5"),
            ("1.", "1."),
            ("1.e5", "1.e5"),
            ("1e", "1e"),
            ("1e+", "1e+"),
            ("2x", "2x"),
            ("1.5.3", "1.5.3"),
        ] {
            let err = error(src);
            assert_eq!(err.message, format!("malformed number `{text}`"), "{src}");
            assert_eq!(err.span, span(0, text.len()), "{src}");
            assert!(err.hint.is_some(), "{src}");
        }
        let err = error("3 * 1__0 + 1");
        assert_eq!(err.span, Span::new(4, 8));
    }

    #[test]
    fn huge_numbers_are_errors() {
        let err = error("x * 1e309");
        assert_eq!(err.message, "number too large");
        assert_eq!(err.span, Span::new(4, 9));
        assert_eq!(number("1.7e308"), 1.7e308);
    }

    #[test]
    fn names_keywords_and_dots() {
        assert_eq!(
            kinds("ceasefire.at a_1 _x and or not true false").unwrap(),
            vec![
                TokenKind::Name("ceasefire.at".into()),
                TokenKind::Name("a_1".into()),
                TokenKind::Name("_x".into()),
                TokenKind::And,
                TokenKind::Or,
                TokenKind::Not,
                TokenKind::True,
                TokenKind::False,
            ]
        );
        assert_eq!(
            kinds("a.b.c").unwrap(),
            vec![TokenKind::Name("a.b.c".into())]
        );
        assert_eq!(
            kinds("android").unwrap(),
            vec![TokenKind::Name("android".into())]
        );
        let err = error("a. b");
        assert_eq!(err.message, "expected a name after `.`");
        assert_eq!(err.span, Span::new(1, 2));
        assert_eq!(error("a.5").span, Span::new(1, 2));
        let err = error("x.and");
        assert_eq!(
            err.message,
            "`and` is a keyword and cannot be part of a name"
        );
        assert_eq!(err.span, Span::new(2, 5));
        let err = error("a .b");
        assert_eq!(err.message, "unexpected `.`");
        assert_eq!(err.span, Span::new(2, 3));
    }

    #[test]
    fn strings_with_both_quotes() {
        assert_eq!(
            kinds(r#""2024-10" 'it"s' "é's""#).unwrap(),
            vec![
                TokenKind::Str("2024-10".into()),
                TokenKind::Str("it\"s".into()),
                TokenKind::Str("é's".into()),
            ]
        );
        let err = error("date('2024-10)");
        assert_eq!(err.message, "unterminated string");
        assert_eq!(err.span, Span::new(5, 6));
        assert_eq!(err.hint.as_deref(), Some("close it with a matching `'`"));
    }

    #[test]
    fn operators_and_whitespace() {
        use TokenKind::*;
        assert_eq!(
            kinds("+ -\t*\n/ %\r^ ( ) , < <= > >= == != && || !").unwrap(),
            vec![
                Plus, Minus, Star, Slash, Percent, Caret, LParen, RParen, Comma, Lt, Le, Gt, Ge,
                EqEq, Ne, AndAnd, OrOr, Bang
            ]
        );
        assert_eq!(kinds("a<=-b").unwrap().len(), 4);
    }

    #[test]
    fn operator_typos_have_hints() {
        let err = error("a = b");
        assert_eq!(err.message, "`=` is not an operator");
        assert_eq!(err.hint.as_deref(), Some("did you mean `==`?"));
        assert_eq!(
            err.to_string(),
            "`=` is not an operator; did you mean `==`?"
        );
        assert_eq!(err.span, Span::new(2, 3));
        assert_eq!(error("a => b").hint.as_deref(), Some("did you mean `>=`?"));
        assert_eq!(error("a =< b").hint.as_deref(), Some("did you mean `<=`?"));
        assert_eq!(error("a <> b").hint.as_deref(), Some("did you mean `!=`?"));
        let err = error("x ** 2");
        assert_eq!(err.message, "`**` is not an operator");
        assert_eq!(err.span, Span::new(2, 4));
        let err = error("a & b");
        assert_eq!(err.message, "unknown character `&`");
        assert_eq!(err.hint.as_deref(), Some("did you mean `&&` (or `and`)?"));
    }

    #[test]
    fn unknown_characters_keep_char_boundaries() {
        let err = error("cost $");
        assert_eq!(err.message, "unknown character `$`");
        assert_eq!(err.span, Span::new(5, 6));
        assert_eq!(err.hint, None);
        let err = error("a \u{2212} b");
        assert_eq!(err.message, "unknown character `\u{2212}`");
        assert_eq!(err.span, Span::new(2, 5));
        assert_eq!(err.hint.as_deref(), Some("use the plain minus sign `-`"));
        let err = error("a\u{a0}+ b");
        assert_eq!(err.message, "unknown character `\\u{a0}`");
        assert_eq!(err.span, Span::new(1, 3));
        let err = error("x # note");
        assert_eq!(
            err.hint.as_deref(),
            Some("`#` does not start a comment inside a formula")
        );
        assert_eq!(error("😀").span, Span::new(0, 4));
    }

    #[test]
    fn end_of_input_repeats() {
        let mut lexer = Lexer::new("  x  ");
        assert_eq!(lexer.next_token().unwrap().span, Span::new(2, 3));
        for _ in 0..3 {
            let token = lexer.next_token().unwrap();
            assert_eq!(token.kind, TokenKind::Eof);
            assert_eq!(token.span, Span::new(5, 5));
        }
    }

    #[test]
    fn shorten_long_text() {
        assert_eq!(shorten("abc"), "abc");
        let long = "é".repeat(50);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), 40);
        assert!(short.ends_with("..."));
    }
}
