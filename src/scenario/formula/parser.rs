//! The parser: a Pratt (precedence-climbing) parser from tokens to an [`Expr`] tree.
//!
//! Binary operators are parsed by the classic precedence-climbing loop (Pratt, "Top down operator
//! precedence", POPL 1973; Norvell, "Parsing expressions by recursive descent", 1999): operators
//! of the same level are folded in a loop, so long left-associative chains need no recursion.
//! Recursion only happens for a tighter-binding right operand (bounded by the five binary levels),
//! and for parentheses, call arguments, prefix operators and `^`, each of which counts one level
//! against [`MAX_NESTING`]. Every node built also records the depth of its subtree, and a tree
//! deeper than [`MAX_TREE_DEPTH`] operations is rejected, so later passes can recurse safely.
//!
//! Error messages name the offending token as written (`&&` rather than `and`) and try to say
//! what is missing rather than only what was found.

use super::ast::{BinaryOp, Expr, ExprKind, Span, UnaryOp};
use super::lexer::{Lexer, Token, TokenKind, shorten, span};
use super::{MAX_NESTING, MAX_TREE_DEPTH, ParseError};

/// Parses a whole formula into one expression.
///
/// Errors carry a span into `src` on char boundaries. Never panics, and never recurses deeper
/// than [`MAX_NESTING`] levels of the grammar, whatever the input.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    if u32::try_from(src.len()).is_err() {
        return Err(ParseError::new(
            Span::new(0, u32::MAX),
            "formula is too long",
        ));
    }
    if src.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
        return Err(ParseError::new(span(0, src.len()), "empty formula"));
    }
    let mut parser = Parser::new(src)?;
    let node = parser.expression()?;
    if parser.current.kind == TokenKind::Eof {
        Ok(node.expr)
    } else {
        Err(parser.trailing_token_error())
    }
}

/// A parsed subtree with the number of operations on its longest root-to-leaf path.
struct Node {
    expr: Expr,
    depth: u32,
}

impl Node {
    fn leaf(kind: ExprKind, span: Span) -> Node {
        Node {
            expr: Expr::new(kind, span),
            depth: 0,
        }
    }

    /// The same subtree re-spanned to `span` (for parentheses and unary `+`, which add no node).
    fn respan(self, span: Span) -> Node {
        Node {
            expr: Expr::new(self.expr.kind, span),
            depth: self.depth,
        }
    }
}

/// What the previously consumed token was, to explain a missing operand.
#[derive(Clone, Copy, PartialEq)]
enum Previous {
    Operator,
    OpenParen,
    Comma,
    Other,
}

impl Previous {
    fn of(kind: &TokenKind) -> Previous {
        match kind {
            TokenKind::LParen => Previous::OpenParen,
            TokenKind::Comma => Previous::Comma,
            kind if is_operator(kind) => Previous::Operator,
            _ => Previous::Other,
        }
    }
}

fn is_operator(kind: &TokenKind) -> bool {
    infix(kind).is_some() || matches!(kind, TokenKind::Caret | TokenKind::Not | TokenKind::Bang)
}

/// The binary operator a token denotes in the precedence-climbing loop, with its level
/// (higher binds tighter). `^` is not here: it is parsed separately, right-associatively.
fn infix(kind: &TokenKind) -> Option<(BinaryOp, u8)> {
    let pair = match kind {
        TokenKind::Or | TokenKind::OrOr => (BinaryOp::Or, 1),
        TokenKind::And | TokenKind::AndAnd => (BinaryOp::And, 2),
        TokenKind::Lt => (BinaryOp::Lt, 3),
        TokenKind::Le => (BinaryOp::Le, 3),
        TokenKind::Gt => (BinaryOp::Gt, 3),
        TokenKind::Ge => (BinaryOp::Ge, 3),
        TokenKind::EqEq => (BinaryOp::Eq, 3),
        TokenKind::Ne => (BinaryOp::Ne, 3),
        TokenKind::Plus => (BinaryOp::Add, 4),
        TokenKind::Minus => (BinaryOp::Sub, 4),
        TokenKind::Star => (BinaryOp::Mul, 5),
        TokenKind::Slash => (BinaryOp::Div, 5),
        TokenKind::Percent => (BinaryOp::Rem, 5),
        _ => return None,
    };
    Some(pair)
}

/// The loosest binary level: a whole expression.
const LOWEST_LEVEL: u8 = 1;

struct Parser<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    /// The lookahead token (one is enough for this grammar).
    current: Token,
    /// The token consumed last, if any.
    previous: Option<(Previous, Span)>,
    /// Levels of parentheses, call arguments, prefix operators and `^` currently open.
    nesting: u32,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Result<Parser<'a>, ParseError> {
        let mut lexer = Lexer::new(src);
        let current = lexer.next_token()?;
        Ok(Parser {
            src,
            lexer,
            current,
            previous: None,
            nesting: 0,
        })
    }

    /// Consumes the lookahead token and returns it.
    fn advance(&mut self) -> Result<Token, ParseError> {
        let next = self.lexer.next_token()?;
        let token = std::mem::replace(&mut self.current, next);
        self.previous = Some((Previous::of(&token.kind), token.span));
        Ok(token)
    }

    fn text(&self, span: Span) -> &'a str {
        self.src.get(span.range()).unwrap_or_default()
    }

    /// Opens one nesting level at the token spanning `at`.
    fn enter(&mut self, at: Span) -> Result<(), ParseError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(ParseError::new(
                at,
                format!("formula nests too deeply (more than {MAX_NESTING} levels)"),
            )
            .with_hint("split it into auxiliaries"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
    }

    /// A whole expression (the loosest level).
    fn expression(&mut self) -> Result<Node, ParseError> {
        self.binary(LOWEST_LEVEL)
    }

    /// Operators of level `min_level` or tighter, folded left-associatively in a loop.
    fn binary(&mut self, min_level: u8) -> Result<Node, ParseError> {
        let mut lhs = self.unary()?;
        let mut lhs_is_comparison = false;
        while let Some((op, level)) = infix(&self.current.kind) {
            if level < min_level {
                break;
            }
            if op.is_comparison() && lhs_is_comparison {
                return Err(
                    ParseError::new(self.current.span, "comparisons cannot be chained")
                        .with_hint("write `a < b and b < c`"),
                );
            }
            let op_span = self.advance()?.span;
            let rhs = self.binary(level + 1)?;
            lhs = binary_node(op, lhs, rhs, op_span)?;
            lhs_is_comparison = op.is_comparison();
        }
        Ok(lhs)
    }

    /// Prefix operators (`-`, `+`, `not`, `!`), which bind looser than `^`.
    fn unary(&mut self) -> Result<Node, ParseError> {
        let op = match self.current.kind {
            TokenKind::Minus => Some(UnaryOp::Neg),
            TokenKind::Not | TokenKind::Bang => Some(UnaryOp::Not),
            TokenKind::Plus => None,
            _ => return self.power(),
        };
        let op_span = self.advance()?.span;
        self.enter(op_span)?;
        let operand = self.unary()?;
        self.leave();
        let span = op_span.to(operand.expr.span);
        let Some(op) = op else {
            // Unary plus is a no-op: keep the operand, widened to cover the `+`.
            return Ok(operand.respan(span));
        };
        let depth = checked_depth(operand.depth, op_span)?;
        let kind = ExprKind::Unary(op, Box::new(operand.expr));
        Ok(Node {
            expr: Expr::new(kind, span),
            depth,
        })
    }

    /// `base ^ exponent`, right-associative; the exponent may carry a prefix operator (`2^-1`).
    fn power(&mut self) -> Result<Node, ParseError> {
        let base = self.primary()?;
        if self.current.kind != TokenKind::Caret {
            return Ok(base);
        }
        let caret_span = self.advance()?.span;
        self.enter(caret_span)?;
        let exponent = self.unary()?;
        self.leave();
        binary_node(BinaryOp::Pow, base, exponent, caret_span)
    }

    /// Numbers, strings, names, calls and parenthesised expressions.
    fn primary(&mut self) -> Result<Node, ParseError> {
        let token = match self.current.kind {
            TokenKind::Number(_)
            | TokenKind::True
            | TokenKind::False
            | TokenKind::Name(_)
            | TokenKind::Str(_) => self.advance()?,
            TokenKind::LParen => return self.group(),
            _ => return Err(self.missing_operand_error()),
        };
        let kind = match token.kind {
            TokenKind::Name(name) if self.current.kind == TokenKind::LParen => {
                return self.call(name, token.span);
            }
            TokenKind::Name(name) => ExprKind::Name(name),
            TokenKind::Str(text) => ExprKind::Str(text),
            TokenKind::Number(value) => ExprKind::Number(value),
            TokenKind::True => ExprKind::Number(1.0),
            // Only `false` is left, by the match above.
            _ => ExprKind::Number(0.0),
        };
        Ok(Node::leaf(kind, token.span))
    }

    /// `( expression )`: no node of its own, but the span grows to cover the parentheses.
    fn group(&mut self) -> Result<Node, ParseError> {
        let open = self.advance()?.span;
        self.enter(open)?;
        let inner = self.expression()?;
        self.leave();
        let close = self.close_paren(open, "an operator or `)` seems to be missing before it")?;
        Ok(inner.respan(open.to(close)))
    }

    /// `name(arg, ...)`, with the lookahead on the `(`.
    fn call(&mut self, name: String, name_span: Span) -> Result<Node, ParseError> {
        let open = self.advance()?.span;
        self.enter(open)?;
        let mut args = Vec::new();
        let mut deepest_arg = 0;
        if self.current.kind != TokenKind::RParen {
            loop {
                let arg = self.expression()?;
                deepest_arg = deepest_arg.max(arg.depth);
                args.push(arg.expr);
                if self.current.kind != TokenKind::Comma {
                    break;
                }
                self.advance()?;
            }
        }
        self.leave();
        let hint = format!(
            "expected `,` or `)` after an argument of `{}`",
            shorten(&name)
        );
        let close = self.close_paren(open, &hint)?;
        let depth = checked_depth(deepest_arg, name_span)?;
        let kind = ExprKind::Call {
            name,
            name_span,
            args,
        };
        Ok(Node {
            expr: Expr::new(kind, name_span.to(close)),
            depth,
        })
    }

    /// Consumes the `)` matching the `(` at `open`, returning its span.
    fn close_paren(&mut self, open: Span, hint: &str) -> Result<Span, ParseError> {
        match self.current.kind {
            TokenKind::RParen => Ok(self.advance()?.span),
            TokenKind::Eof => Err(ParseError::new(
                open,
                "expected `)` to close the `(` opened here",
            )),
            _ => Err(self.unexpected_current().with_hint(hint)),
        }
    }

    /// "unexpected X", naming the lookahead token.
    fn unexpected_current(&self) -> ParseError {
        let token = &self.current;
        let text = shorten(self.text(token.span));
        let what = match token.kind {
            TokenKind::Eof => "end of formula".to_string(),
            TokenKind::Number(_) => format!("number `{text}`"),
            TokenKind::Name(_) => format!("name `{text}`"),
            TokenKind::Str(_) => format!("string `{text}`"),
            _ => format!("`{text}`"),
        };
        ParseError::new(token.span, format!("unexpected {what}"))
    }

    /// The error for a token that cannot start an operand, where one is needed.
    fn missing_operand_error(&self) -> ParseError {
        let current = &self.current.kind;
        match self.previous {
            Some((Previous::Operator, op)) => {
                let text = self.text(op);
                ParseError::new(op, format!("missing operand after `{text}`"))
            }
            Some((Previous::OpenParen, open)) if *current == TokenKind::RParen => {
                ParseError::new(open.to(self.current.span), "empty parentheses")
                    .with_hint("put an expression inside them, or remove them")
            }
            Some((Previous::OpenParen, open)) if *current == TokenKind::Eof => {
                ParseError::new(open, "expected `)` to close the `(` opened here")
            }
            Some((Previous::Comma, comma)) if *current == TokenKind::RParen => {
                ParseError::new(comma, "trailing comma is not allowed")
                    .with_hint("remove the last `,`")
            }
            Some((Previous::Comma, comma)) if *current == TokenKind::Eof => {
                ParseError::new(comma, "missing argument after `,`")
            }
            _ => self.misplaced_token_error(),
        }
    }

    /// A token that cannot start an operand, at the start of the formula, after `(` or `,`.
    fn misplaced_token_error(&self) -> ParseError {
        let current = &self.current;
        match current.kind {
            TokenKind::RParen => self.unexpected_current(),
            TokenKind::Comma => self
                .unexpected_current()
                .with_hint("an argument is missing before it"),
            ref kind if is_operator(kind) => {
                let text = self.text(current.span);
                ParseError::new(current.span, format!("missing operand before `{text}`"))
            }
            _ => self.unexpected_current(),
        }
    }

    /// The error for a token left over after a complete expression.
    fn trailing_token_error(&self) -> ParseError {
        let error = self.unexpected_current();
        match self.current.kind {
            TokenKind::RParen => error.with_hint("there is no `(` for it to close"),
            TokenKind::Comma => {
                error.with_hint("commas only separate the arguments of a function call")
            }
            _ => error.with_hint("an operator seems to be missing before it"),
        }
    }
}

/// The depth of a node whose deepest child has depth `child_depth`, if within the limit.
fn checked_depth(child_depth: u32, at: Span) -> Result<u32, ParseError> {
    let depth = child_depth.saturating_add(1);
    if depth > MAX_TREE_DEPTH {
        return Err(ParseError::new(
            at,
            format!(
                "formula is too long or too deep (more than {MAX_TREE_DEPTH} nested operations)"
            ),
        )
        .with_hint("split it into auxiliaries"));
    }
    Ok(depth)
}

/// `lhs op rhs`, with `op_span` blamed if the tree gets too deep.
fn binary_node(op: BinaryOp, lhs: Node, rhs: Node, op_span: Span) -> Result<Node, ParseError> {
    let depth = checked_depth(lhs.depth.max(rhs.depth), op_span)?;
    let span = lhs.expr.span.to(rhs.expr.span);
    let kind = ExprKind::Binary(op, Box::new(lhs.expr), Box::new(rhs.expr));
    Ok(Node {
        expr: Expr::new(kind, span),
        depth,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A tiny evaluator for checking what parsed formulas compute. Names: `a`=1, `b`=0, `c`=1,
    /// `x`=3, `t`=10; calls: `if(cond, then, else)`, `max(...)`, `date(s)` = 5.
    fn eval(expr: &Expr) -> f64 {
        let truth = |value: f64| if value != 0.0 { 1.0 } else { 0.0 };
        match &expr.kind {
            ExprKind::Number(value) => *value,
            ExprKind::Name(name) => match name.as_str() {
                "a" | "c" => 1.0,
                "b" => 0.0,
                "x" => 3.0,
                "t" => 10.0,
                other => panic!("unknown name {other}"),
            },
            ExprKind::Str(_) => f64::NAN,
            ExprKind::Unary(UnaryOp::Neg, operand) => -eval(operand),
            ExprKind::Unary(UnaryOp::Not, operand) => 1.0 - truth(eval(operand)),
            ExprKind::Binary(op, lhs, rhs) => {
                let (l, r) = (eval(lhs), eval(rhs));
                let flag = |condition: bool| if condition { 1.0 } else { 0.0 };
                match op {
                    BinaryOp::Add => l + r,
                    BinaryOp::Sub => l - r,
                    BinaryOp::Mul => l * r,
                    BinaryOp::Div => l / r,
                    BinaryOp::Rem => l % r,
                    BinaryOp::Pow => l.powf(r),
                    BinaryOp::Lt => flag(l < r),
                    BinaryOp::Le => flag(l <= r),
                    BinaryOp::Gt => flag(l > r),
                    BinaryOp::Ge => flag(l >= r),
                    BinaryOp::Eq => flag(l == r),
                    BinaryOp::Ne => flag(l != r),
                    BinaryOp::And => truth(l) * truth(r),
                    BinaryOp::Or => truth(truth(l) + truth(r)),
                }
            }
            ExprKind::Call { name, args, .. } => match (name.as_str(), args.as_slice()) {
                ("if", [cond, then, other]) => {
                    if eval(cond) != 0.0 {
                        eval(then)
                    } else {
                        eval(other)
                    }
                }
                ("max", _) => args.iter().map(eval).fold(f64::NEG_INFINITY, f64::max),
                ("date", [_]) => 5.0,
                _ => panic!("unknown call {name}"),
            },
        }
    }

    fn shown(src: &str) -> String {
        parse(src).unwrap().to_string()
    }

    fn error(src: &str) -> ParseError {
        match parse(src) {
            Ok(expr) => panic!("{src:?} parsed as {expr}"),
            Err(error) => error,
        }
    }

    /// Asserts the message, span and hint of the error for `src`.
    fn assert_error(src: &str, message: &str, span: (u32, u32), hint: Option<&str>) {
        let err = error(src);
        assert_eq!(err.message, message, "message for {src:?}");
        assert_eq!(err.span, Span::new(span.0, span.1), "span for {src:?}");
        assert_eq!(err.hint.as_deref(), hint, "hint for {src:?}");
    }

    #[test]
    fn precedence_and_associativity() {
        let table = [
            ("1+2*3", "(1 + (2 * 3))", 7.0),
            ("(1+2)*3", "((1 + 2) * 3)", 9.0),
            ("2^3^2", "(2 ^ (3 ^ 2))", 512.0),
            ("-2^2", "(-(2 ^ 2))", -4.0),
            ("-x^2", "(-(x ^ 2))", -9.0),
            ("2^-1", "(2 ^ (-1))", 0.5),
            ("2^-1^2", "(2 ^ (-(1 ^ 2)))", 0.5),
            ("(-2)^2", "((-2) ^ 2)", 4.0),
            ("10-4-3", "((10 - 4) - 3)", 3.0),
            ("8/4/2", "((8 / 4) / 2)", 1.0),
            ("7 % 4 * 2", "((7 % 4) * 2)", 6.0),
            ("2*-3", "(2 * (-3))", -6.0),
            ("--x", "(-(-x))", 3.0),
            ("+x", "x", 3.0),
            ("1 - -+-1", "(1 - (-(-1)))", 0.0),
            ("a or b and c", "(a or (b and c))", 1.0),
            ("b and c or a", "((b and c) or a)", 1.0),
            ("not a and b", "((not a) and b)", 0.0),
            ("not a < x", "((not a) < x)", 1.0),
            ("not (a < x)", "(not (a < x))", 0.0),
            ("!a || b && c", "((not a) or (b and c))", 0.0),
            (
                "1 + 2 < 3 * 4 and x >= 3",
                "(((1 + 2) < (3 * 4)) and (x >= 3))",
                1.0,
            ),
            ("x == 3 or x != 3", "((x == 3) or (x != 3))", 1.0),
            ("(a < x) < c", "((a < x) < c)", 0.0),
            ("true + false * 2", "(1 + (0 * 2))", 1.0),
            ("2 ^ 2 * 3", "((2 ^ 2) * 3)", 12.0),
            ("max(1, x, 2) * 2", "(max(1, x, 2) * 2)", 6.0),
            (
                "if(t >= date('2024-10'), x * 2, 0)",
                r#"if((t >= date("2024-10")), (x * 2), 0)"#,
                6.0,
            ),
        ];
        for (src, canonical, value) in table {
            let expr = parse(src).unwrap();
            assert_eq!(expr.to_string(), canonical, "{src}");
            assert_eq!(eval(&expr), value, "{src}");
        }
    }

    #[test]
    fn whitespace_and_newlines_are_insignificant() {
        assert_eq!(
            shown("  war\n\t*  shell_output\r\n* (1 - interdict) "),
            shown("war*shell_output*(1-interdict)")
        );
    }

    #[test]
    fn atoms() {
        assert_eq!(parse("1_000_000").unwrap().kind, ExprKind::Number(1e6));
        assert_eq!(parse("2.5E-3").unwrap().kind, ExprKind::Number(2.5e-3));
        assert_eq!(parse(".5").unwrap().kind, ExprKind::Number(0.5));
        assert_eq!(eval(&parse("1e3 + 1_0.5").unwrap()), 1010.5);
        assert_eq!(
            parse("ceasefire.at").unwrap().kind,
            ExprKind::Name("ceasefire.at".into())
        );
        assert_eq!(
            parse("\"it's\"").unwrap().kind,
            ExprKind::Str("it's".into())
        );
        assert_eq!(
            parse("'say \"hi\"'").unwrap().kind,
            ExprKind::Str("say \"hi\"".into())
        );
        assert_eq!(parse("true").unwrap().kind, ExprKind::Number(1.0));
        assert_eq!(parse("false").unwrap().kind, ExprKind::Number(0.0));
    }

    #[test]
    fn calls_with_zero_one_and_three_args() {
        let expr = parse("now()").unwrap();
        let ExprKind::Call {
            name,
            name_span,
            args,
        } = &expr.kind
        else {
            panic!("{expr:?}")
        };
        assert_eq!(
            (name.as_str(), *name_span, args.len()),
            ("now", Span::new(0, 3), 0)
        );
        assert_eq!(expr.span, Span::new(0, 5));
        assert_eq!(shown("f (x)"), "f(x)");
        let expr = parse("stats.g(1, 'a', b.c)").unwrap();
        let ExprKind::Call { name, args, .. } = &expr.kind else {
            panic!("{expr:?}")
        };
        assert_eq!(name, "stats.g");
        assert_eq!(args[0].kind, ExprKind::Number(1.0));
        assert_eq!(args[1].kind, ExprKind::Str("a".into()));
        assert_eq!(args[2].kind, ExprKind::Name("b.c".into()));
        assert_eq!(shown("g(1, 'a', b.c)"), r#"g(1, "a", b.c)"#);
        assert_eq!(shown("f(g(h()), (1))"), "f(g(h()), 1)");
    }

    #[test]
    fn spans_cover_the_full_text() {
        let src = "war * lognormal(1, 0.3)";
        let expr = parse(src).unwrap();
        assert_eq!(expr.span, Span::new(0, 23));
        let ExprKind::Binary(BinaryOp::Mul, lhs, rhs) = &expr.kind else {
            panic!("{expr:?}")
        };
        assert_eq!(lhs.span, Span::new(0, 3));
        assert_eq!(rhs.span, Span::new(6, 23));
        let ExprKind::Call {
            name_span, args, ..
        } = &rhs.kind
        else {
            panic!("{rhs:?}")
        };
        assert_eq!(*name_span, Span::new(6, 15));
        assert_eq!(args[0].span, Span::new(16, 17));
        assert_eq!(args[1].span, Span::new(19, 22));

        let expr = parse("( a + b ) * c").unwrap();
        assert_eq!(expr.span, Span::new(0, 13));
        let ExprKind::Binary(_, lhs, _) = &expr.kind else {
            panic!("{expr:?}")
        };
        assert_eq!(lhs.span, Span::new(0, 9));

        let expr = parse("-x^2").unwrap();
        assert_eq!(expr.span, Span::new(0, 4));
        let ExprKind::Unary(UnaryOp::Neg, power) = &expr.kind else {
            panic!("{expr:?}")
        };
        assert_eq!(power.span, Span::new(1, 4));

        assert_eq!(parse("+ x").unwrap().span, Span::new(0, 3));
        assert_eq!(parse(" not  b ").unwrap().span, Span::new(1, 7));

        let src = "'é' + x";
        let expr = parse(src).unwrap();
        let ExprKind::Binary(_, lhs, rhs) = &expr.kind else {
            panic!("{expr:?}")
        };
        assert_eq!(&src[lhs.span.range()], "'é'");
        assert_eq!(&src[rhs.span.range()], "x");
    }

    #[test]
    fn analyst_facing_errors() {
        assert_error(")", "unexpected `)`", (0, 1), None);
        assert_error(
            "1 + 2)",
            "unexpected `)`",
            (5, 6),
            Some("there is no `(` for it to close"),
        );
        assert_error(
            "(1 + 2",
            "expected `)` to close the `(` opened here",
            (0, 1),
            None,
        );
        assert_error(
            "f(1, (2",
            "expected `)` to close the `(` opened here",
            (5, 6),
            None,
        );
        assert_error(
            "f(1, 2",
            "expected `)` to close the `(` opened here",
            (1, 2),
            None,
        );
        assert_error(
            "(",
            "expected `)` to close the `(` opened here",
            (0, 1),
            None,
        );
        assert_error("2 *", "missing operand after `*`", (2, 3), None);
        assert_error("(2 * )", "missing operand after `*`", (3, 4), None);
        assert_error("a && ", "missing operand after `&&`", (2, 4), None);
        assert_error("x ^", "missing operand after `^`", (2, 3), None);
        assert_error("not", "missing operand after `not`", (0, 3), None);
        assert_error("* 2", "missing operand before `*`", (0, 1), None);
        assert_error(
            "a == b == c",
            "comparisons cannot be chained",
            (7, 9),
            Some("write `a < b and b < c`"),
        );
        assert_error(
            "a = b",
            "`=` is not an operator",
            (2, 3),
            Some("did you mean `==`?"),
        );
        assert_error("cost $", "unknown character `$`", (5, 6), None);
        assert_error("", "empty formula", (0, 0), None);
        assert_error(" \n\t ", "empty formula", (0, 4), None);
        assert_error(
            "x * 1e999",
            "number too large",
            (4, 9),
            Some("numbers must be below about 1.8e308"),
        );
        assert_error(
            "f(1,)",
            "trailing comma is not allowed",
            (3, 4),
            Some("remove the last `,`"),
        );
        assert_error("f(1,", "missing argument after `,`", (3, 4), None);
        assert_error(
            "f(,1)",
            "unexpected `,`",
            (2, 3),
            Some("an argument is missing before it"),
        );
        assert_error(
            "()",
            "empty parentheses",
            (0, 2),
            Some("put an expression inside them, or remove them"),
        );
        let operator_missing = Some("an operator seems to be missing before it");
        assert_error("a b", "unexpected name `b`", (2, 3), operator_missing);
        assert_error("2 (3)", "unexpected `(`", (2, 3), operator_missing);
        assert_error("x 'y'", "unexpected string `'y'`", (2, 5), operator_missing);
        assert_error("x not y", "unexpected `not`", (2, 5), operator_missing);
        assert_error(
            "1, 2",
            "unexpected `,`",
            (1, 2),
            Some("commas only separate the arguments of a function call"),
        );
        assert_error(
            "(a b)",
            "unexpected name `b`",
            (3, 4),
            Some("an operator or `)` seems to be missing before it"),
        );
        assert_error(
            "f(a 2)",
            "unexpected number `2`",
            (4, 5),
            Some("expected `,` or `)` after an argument of `f`"),
        );
    }

    #[test]
    fn chained_comparisons_explain_the_fix() {
        let err = error("a < b < c");
        assert_eq!(err.span, Span::new(6, 7));
        assert_eq!(
            err.to_string(),
            "comparisons cannot be chained; write `a < b and b < c`"
        );
        assert_eq!(error("1 < x + 1 >= 2").span, Span::new(10, 12));
        assert!(parse("a < b and b < c").is_ok());
    }

    #[test]
    fn errors_are_reported_left_to_right() {
        assert_eq!(error("(1 + $").message, "unknown character `$`");
        assert_eq!(error("1 ) $").message, "unexpected `)`");
    }

    #[test]
    fn nesting_limit_is_exact() {
        let nested = |levels: usize| format!("{}x{}", "(".repeat(levels), ")".repeat(levels));
        assert!(parse(&nested(64)).is_ok());
        let err = error(&nested(65));
        assert_eq!(
            err.message,
            "formula nests too deeply (more than 64 levels)"
        );
        assert_eq!(err.span, Span::new(64, 65));
        assert!(parse(&format!("{}x", "-".repeat(64))).is_ok());
        assert_eq!(
            error(&format!("{}x", "-".repeat(65))).span,
            Span::new(64, 65)
        );
        let powers = |count: usize| format!("x{}", "^x".repeat(count));
        assert!(parse(&powers(64)).is_ok());
        assert_eq!(error(&powers(65)).span, Span::new(129, 130));
        let calls = |levels: usize| format!("{}x{}", "f(".repeat(levels), ")".repeat(levels));
        assert!(parse(&calls(64)).is_ok());
        assert_eq!(error(&calls(65)).span, Span::new(129, 130));
    }

    #[test]
    fn tree_depth_limit_is_exact() {
        let chain = |ops: usize| format!("1{}", "+1".repeat(ops));
        let expr = parse(&chain(256)).unwrap();
        assert_eq!(eval(&expr), 257.0);
        let err = error(&chain(257));
        assert_eq!(
            err.to_string(),
            "formula is too long or too deep (more than 256 nested operations); \
             split it into auxiliaries"
        );
        assert_eq!(err.span, Span::new(513, 514));
        // Depth is the longest path, so many shallow arguments are fine.
        let wide = format!("max({})", vec!["x + 1"; 1000].join(", "));
        assert_eq!(eval(&parse(&wide).unwrap()), 4.0);
    }
}
