//! The syntax tree of a formula: what the parser produces and the compiler consumes.
//!
//! Every node carries a [`Span`] of byte offsets into the formula string, so that later stages
//! (name resolution, function checking, compilation) can point at the exact text they complain
//! about. The tree is deliberately untyped: the parser accepts any name and any function name.
//!
//! Trees built by [`parse`](super::parse) are never deeper than
//! [`MAX_TREE_DEPTH`](super::MAX_TREE_DEPTH) operations, so ordinary recursion over them (including
//! the compiler-generated `Drop` of the boxed children) stays shallow. [`Expr::walk`] and the
//! [`Display`](std::fmt::Display) impl do not recurse at all, so they are safe even on hand-built
//! trees of any depth.

use std::fmt;
use std::ops::Range;

/// Byte offsets into the formula string, half-open (`start..end`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` (inclusive) to `end` (exclusive).
    pub fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The span as a `usize` range, for slicing the formula string (`src.get(span.range())`).
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One node of a formula's syntax tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// The text the node was parsed from, including any parentheses around it.
    pub span: Span,
}

/// The kinds of formula nodes.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A numeric literal (always finite and non-negative when produced by the parser; `true` and
    /// `false` become `1.0` and `0.0`).
    Number(f64),
    /// A name, possibly dotted (`ceasefire.at`): the parts joined with '.'.
    Name(String),
    /// A string literal (only meaningful as an argument, e.g. `date("2024-10")`).
    Str(String),
    /// A prefix operator applied to an operand.
    Unary(UnaryOp, Box<Expr>),
    /// A binary operator applied to a left and a right operand.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `name(args)`; `name_span` covers just the function name.
    Call {
        /// The function name, possibly dotted.
        name: String,
        /// Where the function name is written.
        name_span: Span,
        /// The arguments, in order.
        args: Vec<Expr>,
    },
}

/// Prefix operators. (Unary `+` is accepted by the parser but produces no node.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// Arithmetic negation, `-x`.
    Neg,
    /// Logical negation, `not x` or `!x`.
    Not,
}

impl UnaryOp {
    /// The canonical spelling of the operator, for messages and [`Display`](fmt::Display).
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Not => "not",
        }
    }
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `a % b`
    Rem,
    /// `a ^ b` (power, right-associative)
    Pow,
    /// `a < b`
    Lt,
    /// `a <= b`
    Le,
    /// `a > b`
    Gt,
    /// `a >= b`
    Ge,
    /// `a == b`
    Eq,
    /// `a != b`
    Ne,
    /// `a and b` or `a && b`
    And,
    /// `a or b` or `a || b`
    Or,
}

impl BinaryOp {
    /// The canonical spelling of the operator, for messages and [`Display`](fmt::Display)
    /// (`and`/`or` rather than `&&`/`||`).
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Pow => "^",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
        }
    }

    /// Whether the operator is one of the (non-associative) comparisons `< <= > >= == !=`.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne
        )
    }
}

impl Expr {
    /// A node of `kind` parsed from `span`.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// Visits this node and all its descendants in pre-order (a node before its children,
    /// children left to right). Uses an explicit stack, so it never recurses.
    pub fn walk(&self, f: &mut impl FnMut(&Expr)) {
        let mut stack: Vec<&Expr> = vec![self];
        while let Some(node) = stack.pop() {
            f(node);
            match &node.kind {
                ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Str(_) => {}
                ExprKind::Unary(_, operand) => stack.push(operand),
                ExprKind::Binary(_, lhs, rhs) => {
                    stack.push(rhs);
                    stack.push(lhs);
                }
                ExprKind::Call { args, .. } => stack.extend(args.iter().rev()),
            }
        }
    }
}

/// One pending piece of output in the iterative [`Display`](fmt::Display) of an [`Expr`].
enum Piece<'a> {
    Node(&'a Expr),
    Text(&'static str),
    BinaryOp(BinaryOp),
}

/// Prints a fully parenthesised canonical form: `(a + (b * c))`, `(-x)`, `(not x)`, `f(a, "s")`,
/// with `and`/`or`/`not` spelled as words. [`parse`](super::parse) reads it back to the same tree
/// (modulo spans) for trees from the parser up to `MAX_NESTING / 2` = 32 operations deep (each
/// level costs a parenthesis, plus one for a prefix operator or `^`, against
/// [`MAX_NESTING`](super::MAX_NESTING)). Iterative, so safe on trees of any depth.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut stack = vec![Piece::Node(self)];
        while let Some(piece) = stack.pop() {
            match piece {
                Piece::Text(text) => f.write_str(text)?,
                Piece::BinaryOp(op) => write!(f, " {} ", op.symbol())?,
                Piece::Node(node) => write_node(f, node, &mut stack)?,
            }
        }
        Ok(())
    }
}

/// Writes a leaf, or the opening of an inner node while pushing the rest of it (in reverse order)
/// onto `stack`.
fn write_node<'a>(
    f: &mut fmt::Formatter<'_>,
    node: &'a Expr,
    stack: &mut Vec<Piece<'a>>,
) -> fmt::Result {
    match &node.kind {
        ExprKind::Number(value) => write_number(f, *value),
        ExprKind::Name(name) => f.write_str(name),
        ExprKind::Str(text) => write_string(f, text),
        ExprKind::Unary(op, operand) => {
            stack.push(Piece::Text(")"));
            stack.push(Piece::Node(operand));
            match op {
                UnaryOp::Neg => f.write_str("(-"),
                UnaryOp::Not => f.write_str("(not "),
            }
        }
        ExprKind::Binary(op, lhs, rhs) => {
            stack.push(Piece::Text(")"));
            stack.push(Piece::Node(rhs));
            stack.push(Piece::BinaryOp(*op));
            stack.push(Piece::Node(lhs));
            f.write_str("(")
        }
        ExprKind::Call { name, args, .. } => {
            stack.push(Piece::Text(")"));
            for (index, arg) in args.iter().enumerate().rev() {
                stack.push(Piece::Node(arg));
                if index > 0 {
                    stack.push(Piece::Text(", "));
                }
            }
            write!(f, "{name}(")
        }
    }
}

/// Writes a number so that the lexer reads back exactly the same `f64`: Rust's `Display` and
/// `LowerExp` for `f64` both print the shortest string that round-trips; `LowerExp` is used
/// for very large or small magnitudes (`1e300` rather than 301 digits).
fn write_number(f: &mut fmt::Formatter<'_>, value: f64) -> fmt::Result {
    let magnitude = value.abs();
    if value == 0.0 || (1e-4..1e15).contains(&magnitude) {
        write!(f, "{value}")
    } else {
        write!(f, "{value:e}")
    }
}

/// Writes a string literal with a quote character it does not contain (formulas have no escapes).
fn write_string(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    let quote = if text.contains('"') { '\'' } else { '"' };
    write!(f, "{quote}{text}{quote}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn leaf(kind: ExprKind) -> Expr {
        Expr::new(kind, Span::new(0, 0))
    }

    fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
        leaf(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)))
    }

    #[test]
    fn span_union_and_range() {
        let joined = Span::new(4, 6).to(Span::new(1, 3));
        assert_eq!(joined, Span::new(1, 6));
        assert_eq!(joined.range(), 1..6);
        assert_eq!(Span::new(2, 9).to(Span::new(3, 4)), Span::new(2, 9));
    }

    #[test]
    fn display_is_fully_parenthesised() {
        let tree = binary(
            BinaryOp::Add,
            leaf(ExprKind::Name("a.b".into())),
            binary(
                BinaryOp::And,
                leaf(ExprKind::Unary(
                    UnaryOp::Not,
                    Box::new(leaf(ExprKind::Number(2.5))),
                )),
                leaf(ExprKind::Call {
                    name: "f".into(),
                    name_span: Span::new(0, 0),
                    args: vec![
                        leaf(ExprKind::Str("x".into())),
                        leaf(ExprKind::Str("say \"hi\"".into())),
                        leaf(ExprKind::Unary(
                            UnaryOp::Neg,
                            Box::new(leaf(ExprKind::Number(1e300))),
                        )),
                    ],
                }),
            ),
        );
        assert_eq!(
            tree.to_string(),
            r#"(a.b + ((not 2.5) and f("x", 'say "hi"', (-1e300))))"#
        );
        let empty_call = leaf(ExprKind::Call {
            name: "now".into(),
            name_span: Span::new(0, 0),
            args: vec![],
        });
        assert_eq!(empty_call.to_string(), "now()");
    }

    #[test]
    fn numbers_print_compactly_and_exactly() {
        for (value, text) in [
            (0.0, "0"),
            (1200.0, "1200"),
            (0.5, "0.5"),
            (1e-7, "1e-7"),
            (1e15, "1e15"),
            (0.1 + 0.2, "0.30000000000000004"),
        ] {
            let shown = leaf(ExprKind::Number(value)).to_string();
            assert_eq!(shown, text);
            assert_eq!(shown.parse::<f64>().unwrap(), value);
        }
    }

    #[test]
    fn walk_is_pre_order() {
        let tree = binary(
            BinaryOp::Mul,
            binary(
                BinaryOp::Sub,
                leaf(ExprKind::Name("a".into())),
                leaf(ExprKind::Name("b".into())),
            ),
            leaf(ExprKind::Name("c".into())),
        );
        let mut seen = Vec::new();
        tree.walk(&mut |node| {
            seen.push(match &node.kind {
                ExprKind::Name(name) => name.clone(),
                ExprKind::Binary(op, ..) => op.symbol().to_string(),
                _ => "?".to_string(),
            })
        });
        assert_eq!(seen, ["*", "-", "a", "b", "c"]);
    }

    #[test]
    fn symbols_and_comparisons() {
        assert_eq!(BinaryOp::Ne.symbol(), "!=");
        assert_eq!(BinaryOp::Or.symbol(), "or");
        assert_eq!(UnaryOp::Not.symbol(), "not");
        assert!(BinaryOp::Ge.is_comparison());
        assert!(!BinaryOp::And.is_comparison());
        assert!(!BinaryOp::Pow.is_comparison());
    }
}
