//! Text from a scenario made safe to print on a terminal.
//!
//! Labels, names of files and quoted source lines come from files anyone may have written. An
//! escape sequence among them (`ESC ] 0 ; title BEL`) would retitle the terminal, move the
//! cursor or fake output, so every control character except the newline and the tab is shown
//! as `�` (U+FFFD), one character for one, which keeps carets under quoted lines aligned.

use std::borrow::Cow;

/// Whether `c` is a control character that must not reach a terminal: C0 (except `\n` and
/// `\t`), DEL and C1.
pub fn is_unprintable(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `text` with every unprintable control character replaced by `�`.
///
/// # Examples
/// ```
/// use leversim::diag::printable;
/// assert_eq!(printable("a\u{1b}]0;pwned\u{7}b\n"), "a\u{fffd}]0;pwned\u{fffd}b\n");
/// assert_eq!(printable("plain"), "plain");
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unprintable) {
        Cow::Owned(
            text.chars()
                .map(|c| if is_unprintable(c) { '\u{fffd}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}
