//! The formula language: turning an analyst's formula string into a syntax tree.
//!
//! Scenario files hold formulas such as
//! `"war * shell_output * lognormal(1, 0.3) * (1 - interdict)"` or
//! `"if(t >= date('2024-10'), war * poisson(1200), 0)"`. This module owns only the *syntax*: the
//! lexer (`lexer.rs`) splits the string into tokens and the Pratt parser (`parser.rs`) builds an
//! [`Expr`] tree whose nodes carry byte [`Span`]s relative to the formula string. Whether a name
//! exists, whether a function is known and how many arguments it takes are checked later, when
//! the tree is compiled, so the parser accepts any identifier and any function name.
//!
//! # Grammar, loosest binding first
//!
//! | level | operators | associativity |
//! |---|---|---|
//! | 1 | `or`, `\|\|` | left |
//! | 2 | `and`, `&&` | left |
//! | 3 | `<` `<=` `>` `>=` `==` `!=` | none: `a < b < c` is an error |
//! | 4 | `+` `-` | left |
//! | 5 | `*` `/` `%` | left |
//! | 6 | prefix `-`, `+` (a no-op), `not`, `!` | prefix |
//! | 7 | `^` | right; `-x^2` is `-(x^2)`, `2^-1` is allowed |
//! | 8 | calls `f(a, b)`, `f()`, parentheses, numbers, names, strings | |
//!
//! As in C, `not`/`!` sits at the prefix level, so `not a < b` means `(not a) < b`; analysts are
//! told to write `not (a < b)`.
//!
//! Atoms: numbers (`12`, `1.5`, `.5`, `1e6`, `2.5E-3`, `1_000_000`; see `lexer.rs` for the exact
//! rules), names (`[A-Za-z_][A-Za-z0-9_]*`, optionally dotted without spaces: `ceasefire.at`),
//! strings in `"..."` or `'...'` (no escapes), and `true`/`false` (numbers 1 and 0). Spaces, tabs
//! and newlines are insignificant; `#` does not start a comment.
//!
//! # Limits
//!
//! Parsing never panics and never overflows the stack, whatever the input: parentheses, call
//! arguments, prefix operators and `^` may nest at most [`MAX_NESTING`] levels, and the finished
//! tree may be at most [`MAX_TREE_DEPTH`] operations deep (this also bounds long left-associative
//! chains: `1 + 1 + ...` with more than 257 terms is rejected with "formula is too long or too
//! deep"), so later stages, and the compiler-generated `Drop`, may recurse over the tree freely.
//! Realistic formulas are far below both limits; the messages tell analysts to split a formula
//! into auxiliaries.

mod ast;
mod lexer;
mod parser;

use std::fmt;

pub use ast::{BinaryOp, Expr, ExprKind, Span, UnaryOp};
pub use parser::parse;

/// The most levels that parentheses, call arguments, prefix operators and `^` may nest inside each
/// other. Bounds the parser's own recursion.
pub const MAX_NESTING: u32 = 64;

/// The most operations (unary, binary or call nodes) on any path from the root of a parsed tree
/// to a leaf. Bounds the recursion of every later pass over the tree, including `Drop`.
pub const MAX_TREE_DEPTH: u32 = 256;

/// Why a formula could not be parsed, with the place to point at.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    /// The offending text, as byte offsets into the formula string (always on char boundaries).
    pub span: Span,
    /// What is wrong, naming the offending token (e.g. "unexpected `)`").
    pub message: String,
    /// How to fix it, when there is an obvious fix (e.g. "did you mean `==`?").
    pub hint: Option<String>,
}

impl ParseError {
    /// An error at `span` without a hint.
    pub fn new(span: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            span,
            message: message.into(),
            hint: None,
        }
    }

    /// The same error with `hint` attached.
    pub fn with_hint(mut self, hint: impl Into<String>) -> ParseError {
        self.hint = Some(hint.into());
        self
    }
}

/// Prints the message and, if any, the hint after a `; ` (no position: the caller maps the span
/// onto the scenario file).
impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::{Duration, Instant};

    #[test]
    fn display_joins_message_and_hint() {
        let plain = ParseError::new(Span::new(0, 1), "unexpected `)`");
        assert_eq!(plain.to_string(), "unexpected `)`");
        let hinted = plain.with_hint("there is no `(` for it to close");
        assert_eq!(
            hinted.to_string(),
            "unexpected `)`; there is no `(` for it to close"
        );
    }

    /// Runs `f` on a thread with the default 2 MiB stack, so that deep recursion would crash.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap()
    }

    /// Parses `src` on a small stack and returns the error message and the time taken.
    fn parse_error_on_small_stack(src: String) -> (String, Duration) {
        on_small_stack(move || {
            let start = Instant::now();
            let message = parse(&src).unwrap_err().message;
            (message, start.elapsed())
        })
    }

    const HUGE: usize = 100_000;
    const TOO_DEEP: &str = "formula nests too deeply (more than 64 levels)";

    #[test]
    fn huge_nesting_is_rejected_without_overflow() {
        let inputs = [
            "(".repeat(HUGE),
            format!("{}x{}", "(".repeat(HUGE), ")".repeat(HUGE)),
            format!("{}x", "-".repeat(HUGE)),
            format!("{}x", "+".repeat(HUGE)),
            format!("{}x", "not ".repeat(HUGE)),
            format!("{}x", "!".repeat(HUGE)),
            vec!["a"; HUGE].join("^"),
            format!("{}x{}", "f(".repeat(HUGE), ")".repeat(HUGE)),
            format!("{}1", "1+(".repeat(HUGE)),
        ];
        for src in inputs {
            let head: String = src.chars().take(12).collect();
            let (message, elapsed) = parse_error_on_small_stack(src);
            assert_eq!(message, TOO_DEEP, "{head}...");
            assert!(
                elapsed < Duration::from_secs(5),
                "{head}... took {elapsed:?}"
            );
        }
    }

    #[test]
    fn huge_flat_chains_are_rejected_quickly_without_overflow() {
        for op in ["+", "*", " and ", "-", "||"] {
            let src = vec!["1"; HUGE].join(op);
            let (message, elapsed) = parse_error_on_small_stack(src);
            assert!(
                message.starts_with("formula is too long or too deep"),
                "{op}: {message}"
            );
            assert!(elapsed < Duration::from_secs(5), "{op} took {elapsed:?}");
        }
    }

    #[test]
    fn deepest_accepted_trees_are_safe_to_walk_print_and_drop() {
        // 256 operations deep: the most `parse` accepts; recursion over it (tree drop, the test's
        // own clone) must be fine on a small stack.
        let chain = format!("1{}", "+1".repeat(MAX_TREE_DEPTH as usize));
        let nested = format!("{}{}{}", "(1+".repeat(60), "1".repeat(3), ")".repeat(60));
        let wide = format!("max({})", vec!["x * 2"; HUGE].join(", "));
        for src in [chain, nested, wide] {
            let nodes = on_small_stack(move || {
                let expr = parse(&src).unwrap();
                let copy = expr.clone();
                assert_eq!(copy, expr);
                assert!(!expr.to_string().is_empty());
                let mut nodes = 0;
                expr.walk(&mut |_| nodes += 1);
                nodes
            });
            assert!(nodes > 120, "{nodes}");
        }
    }

    #[test]
    fn walk_and_display_do_not_recurse_on_hand_built_deep_trees() {
        let (nodes, text) = on_small_stack(|| {
            let leaf = |value| Expr::new(ExprKind::Number(value), Span::new(0, 1));
            let mut expr = leaf(1.0);
            for _ in 0..HUGE {
                let kind = ExprKind::Binary(BinaryOp::Add, Box::new(expr), Box::new(leaf(2.0)));
                expr = Expr::new(kind, Span::new(0, 1));
            }
            let mut nodes = 0;
            expr.walk(&mut |_| nodes += 1);
            let text = expr.to_string();
            // Take the spine apart by hand before asserting (a failed assertion would unwind
            // through the compiler-generated drop, which recurses).
            while let ExprKind::Binary(_, lhs, _) = expr.kind {
                expr = *lhs;
            }
            (nodes, text)
        });
        assert_eq!(nodes, 2 * HUGE + 1);
        assert_eq!(text.len(), HUGE * "( + 2)".len() + 1);
        assert!(text.starts_with(&format!("{}1 + 2) + 2)", "(".repeat(HUGE))));
        assert!(text.ends_with(") + 2)"));
    }

    /// `expr` with every span zeroed, for comparing trees "modulo spans".
    fn unspanned(expr: &Expr) -> Expr {
        let zero = Span::new(0, 0);
        let kind = match &expr.kind {
            ExprKind::Unary(op, operand) => ExprKind::Unary(*op, Box::new(unspanned(operand))),
            ExprKind::Binary(op, lhs, rhs) => {
                ExprKind::Binary(*op, Box::new(unspanned(lhs)), Box::new(unspanned(rhs)))
            }
            ExprKind::Call { name, args, .. } => ExprKind::Call {
                name: name.clone(),
                name_span: zero,
                args: args.iter().map(unspanned).collect(),
            },
            leaf => leaf.clone(),
        };
        Expr::new(kind, zero)
    }

    /// Operations on the longest root-to-leaf path.
    fn depth(expr: &Expr) -> usize {
        match &expr.kind {
            ExprKind::Unary(_, operand) => 1 + depth(operand),
            ExprKind::Binary(_, lhs, rhs) => 1 + depth(lhs).max(depth(rhs)),
            ExprKind::Call { args, .. } => 1 + args.iter().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    fn on_boundaries(src: &str, span: Span) -> bool {
        span.start <= span.end
            && src.is_char_boundary(span.start as usize)
            && src.is_char_boundary(span.end as usize)
    }

    /// Every span lies in `src` on char boundaries, and inside its parent's span.
    fn check_spans(src: &str, expr: &Expr) {
        assert!(on_boundaries(src, expr.span), "{expr:?} in {src:?}");
        let inside = |child: Span| expr.span.start <= child.start && child.end <= expr.span.end;
        let children: Vec<&Expr> = match &expr.kind {
            ExprKind::Unary(_, operand) => vec![operand],
            ExprKind::Binary(_, lhs, rhs) => vec![lhs, rhs],
            ExprKind::Call {
                name_span, args, ..
            } => {
                assert!(inside(*name_span) && on_boundaries(src, *name_span));
                args.iter().collect()
            }
            _ => vec![],
        };
        for child in children {
            assert!(inside(child.span), "{child:?} outside {expr:?} in {src:?}");
            check_spans(src, child);
        }
    }

    /// Whatever `src` is: no panic, spans valid, and accepted formulas re-parse from their
    /// canonical form to the same tree (for trees whose canonical form stays within the nesting
    /// limit: every level there costs a parenthesis and possibly a prefix operator or `^`).
    fn check_any_input(src: &str) {
        match parse(src) {
            Ok(expr) => {
                check_spans(src, &expr);
                if depth(&expr) <= (MAX_NESTING / 2) as usize {
                    let again = parse(&expr.to_string()).unwrap();
                    assert_eq!(unspanned(&again), unspanned(&expr), "{src:?}");
                }
            }
            Err(error) => {
                assert!(on_boundaries(src, error.span), "{error:?} in {src:?}");
                assert!(error.span.end as usize <= src.len());
                assert!(!error.message.is_empty());
            }
        }
    }

    /// Strings of formula-like fragments, which reach far more of the grammar than random text.
    fn token_soup() -> impl Strategy<Value = String> {
        let fragments = vec![
            "a", "b.c", "x_1", "1", "2.5", "1e3", ".5", "1_0", "(", ")", ",", "+", "-", "*", "/",
            "%", "^", "<", "<=", ">", ">=", "==", "!=", "and", "or", "not", "!", "&&", "||", "f(",
            "g()", "'s'", "\"t\"", "true", "false", " ", "\n", "é", "$", "=", ".", "1.",
        ];
        prop::collection::vec(prop::sample::select(fragments), 0..40).prop_map(|v| v.concat())
    }

    /// Valid formulas written the way analysts might: mixed spellings (`&&`/`and`, `!`/`not`),
    /// unary `+`, redundant parentheses, both quotes, underscores and exponents, odd spacing.
    /// Comparisons are parenthesised so that none end up chained.
    fn source() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            prop::sample::select(vec![
                "1_000", ".5", "2.5E-3", "1e3", "0", "7", "true", "false"
            ])
            .prop_map(String::from),
            name(),
            "[a-z0-9 -]{0,6}".prop_map(|text| format!("'{text}'")),
            "[a-z0-9 '-]{0,6}".prop_map(|text| format!("\"{text}\"")),
        ];
        let space = || prop::sample::select(vec!["", " ", "  ", "\n\t"]);
        leaf.prop_recursive(8, 64, 4, move |inner| {
            let operators = vec![
                "+", "-", "*", "/", "%", "^", "<", "<=", ">", ">=", "==", "!=", "and", "&&", "or",
                "||",
            ];
            let binary = (
                inner.clone(),
                space(),
                prop::sample::select(operators),
                space(),
                inner.clone(),
            )
                .prop_map(|(lhs, before, op, after, rhs)| {
                    let words = op.starts_with(char::is_alphabetic);
                    let (before, after) = if words { (" ", " ") } else { (before, after) };
                    let text = format!("{lhs}{before}{op}{after}{rhs}");
                    let comparison = matches!(op, "<" | "<=" | ">" | ">=" | "==" | "!=");
                    if comparison {
                        format!("({text})")
                    } else {
                        text
                    }
                });
            let unary = (
                prop::sample::select(vec!["-", "+", "!", "not "]),
                space(),
                inner.clone(),
            )
                .prop_map(|(op, gap, operand)| format!("{op}{gap}{operand}"));
            let call = (name(), space(), prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(name, gap, args)| format!("{name}{gap}({})", args.join(",\n ")));
            let group = (space(), inner).prop_map(|(gap, e)| format!("({gap}{e}{gap})"));
            prop_oneof![binary, unary, call, group]
        })
    }

    fn name() -> impl Strategy<Value = String> {
        "[a-z_][a-z0-9_]{0,5}(\\.[a-z_][a-z0-9_]{0,3}){0,2}".prop_filter("no keyword parts", |n| {
            n.split('.')
                .all(|part| !["and", "or", "not", "true", "false"].contains(&part))
        })
    }

    fn leaf_kind() -> impl Strategy<Value = ExprKind> {
        let float = prop::num::f64::POSITIVE
            | prop::num::f64::NORMAL
            | prop::num::f64::SUBNORMAL
            | prop::num::f64::ZERO;
        prop_oneof![
            (0u32..100_000).prop_map(|n| ExprKind::Number(f64::from(n))),
            float.prop_map(ExprKind::Number),
            name().prop_map(ExprKind::Name),
            "[a-z0-9 '-]{0,8}".prop_map(ExprKind::Str),
            "[a-z\"é]{0,5}".prop_map(ExprKind::Str),
        ]
    }

    fn unary_op() -> impl Strategy<Value = UnaryOp> {
        prop::sample::select(vec![UnaryOp::Neg, UnaryOp::Not])
    }

    fn binary_op() -> impl Strategy<Value = BinaryOp> {
        use BinaryOp::*;
        let ops = vec![
            Add, Sub, Mul, Div, Rem, Pow, Lt, Le, Gt, Ge, Eq, Ne, And, Or,
        ];
        prop::sample::select(ops)
    }

    fn expr() -> impl Strategy<Value = Expr> {
        let zero = Span::new(0, 0);
        let leaf = leaf_kind().prop_map(move |kind| Expr::new(kind, zero));
        leaf.prop_recursive(8, 64, 4, move |inner| {
            let node = move |kind| Expr::new(kind, zero);
            prop_oneof![
                (unary_op(), inner.clone())
                    .prop_map(move |(op, e)| node(ExprKind::Unary(op, Box::new(e)))),
                (binary_op(), inner.clone(), inner.clone()).prop_map(move |(op, l, r)| {
                    node(ExprKind::Binary(op, Box::new(l), Box::new(r)))
                }),
                (name(), prop::collection::vec(inner, 0..4)).prop_map(move |(name, args)| {
                    node(ExprKind::Call {
                        name,
                        name_span: zero,
                        args,
                    })
                }),
            ]
        })
    }

    proptest! {
        // A fixed seed keeps CI deterministic.
        #![proptest_config(ProptestConfig { cases: 512, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_strings_never_panic(src in any::<String>()) {
            check_any_input(&src);
        }

        #[test]
        fn formula_like_strings_never_panic(src in token_soup()) {
            check_any_input(&src);
        }

        #[test]
        fn analyst_style_formulas_parse_and_round_trip(src in source()) {
            let expr = parse(&src).unwrap();
            // The root covers everything but the surrounding whitespace.
            let start = src.len() - src.trim_start().len();
            prop_assert_eq!(expr.span.range(), start..src.trim_end().len());
            check_any_input(&src);
        }

        #[test]
        fn damaged_formulas_never_panic(
            src in source(),
            at in any::<prop::sample::Index>(),
            cut in 0usize..4,
            insert in prop::sample::select(vec!["", "(", ")", ",", "*", "<", "^", "'", "é", "1."]),
        ) {
            let mut chars: Vec<char> = src.chars().collect();
            let start = if chars.is_empty() { 0 } else { at.index(chars.len()) };
            let end = (start + cut).min(chars.len());
            chars.splice(start..end, insert.chars());
            check_any_input(&chars.into_iter().collect::<String>());
        }

        #[test]
        fn printed_trees_parse_back_to_themselves(tree in expr()) {
            let printed = tree.to_string();
            let parsed = parse(&printed).unwrap();
            check_spans(&printed, &parsed);
            prop_assert_eq!(unspanned(&parsed), tree, "{}", printed);
        }
    }
}
