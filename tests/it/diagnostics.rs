//! Every class of diagnostic: code, `file:line:column`, the offending snippet, and the hint.

use crate::util::errors;

const HEAD: &str = "[scenario]\nname = \"bad\"\nstart = \"2024-01\"\nend = \"2024-12\"\n";

/// Checks that the rendered diagnostics contain every expected fragment.
fn expect(text: &str, fragments: &[&str]) {
    let rendered = errors(text);
    for f in fragments {
        assert!(rendered.contains(f), "missing `{f}` in:\n{rendered}");
    }
}

#[test]
fn toml_syntax_error_has_position() {
    expect(
        &format!("{HEAD}[params\nx = 1\n"),
        &["error[toml-syntax]", "bad.toml:5:"],
    );
}

#[test]
fn unknown_key_suggests_the_closest() {
    expect(
        &format!(
            "{HEAD}[stocks]\ns = {{ init = 0, unti = \"shells\" }}\n[outcomes.s]\nexpr = \"s\"\n"
        ),
        &[
            "error[unknown-key]",
            "unknown key `unti`",
            "bad.toml:6:17",
            "did you mean `unit`?",
        ],
    );
    expect(
        "[scenaro]\nname = \"x\"\n",
        &["unknown key `scenaro`", "did you mean `scenario`?"],
    );
}

#[test]
fn misspelt_name_in_formula_points_inside_the_string() {
    let text = format!(
        "{HEAD}[params]\nshell_output = 5\n[aux]\nx = \"2 * shell_outptu\"\n[outcomes.x]\nexpr = \"x\"\n"
    );
    // `shell_outptu` starts at column 10 of line 8: x = "2 * shell_outptu"
    expect(
        &text,
        &[
            "error[unknown-name]",
            "unknown name `shell_outptu`",
            "bad.toml:8:10",
            "^^^^^^^^^^^^",
            "did you mean `shell_output`?",
        ],
    );
}

#[test]
fn cycle_names_its_members() {
    let text = format!(
        "{HEAD}[aux]\na = \"b + 1\"\nb = \"c * 2\"\nc = \"a\"\nd = \"1\"\n[outcomes.a]\nexpr = \"a\"\n"
    );
    expect(
        &text,
        &[
            "error[formula-cycle]",
            "a -> b -> c -> a",
            "`a` reads `b`",
            "`c` reads `a`",
        ],
    );
}

#[test]
fn impossible_distributions_are_caught() {
    expect(
        &format!("{HEAD}[params]\nx = {{ dist = \"normal\", mean = 1, sd = -2 }}\n"),
        &["error[bad-distribution]", "bad.toml:6:"],
    );
    expect(
        &format!("{HEAD}[params]\nx = {{ dist = \"lognormal\", p05 = 450_000, p95 = 150_000 }}\n"),
        &[
            "error[bad-distribution]",
            "p05 (450000) must be below p95 (150000)",
        ],
    );
    expect(
        &format!("{HEAD}[params]\nx = {{ dist = \"uniform\", min = 3, max = 1 }}\n"),
        &["error[bad-distribution]"],
    );
    expect(
        &format!("{HEAD}[params]\nx = {{ dist = \"lognormall\", median = 1, sigma = 1 }}\n"),
        &["error[bad-distribution]", "lognormal"],
    );
    expect(
        &format!("{HEAD}[params]\nx = {{ dist = \"bernoulli\", p = 1.5 }}\n"),
        &["error[bad-distribution]", "1.5"],
    );
}

#[test]
fn probability_literals_above_one_are_caught() {
    expect(
        &format!("{HEAD}[events.e]\nhazard = 1.5\n"),
        &["error[bad-probability]", "bad.toml:6:10", "between 0 and 1"],
    );
}

#[test]
fn bad_months_and_time_axis() {
    expect(
        "[scenario]\nname = \"x\"\nstart = \"2024-13\"\nend = \"2025-01\"\n",
        &["error[bad-date]", "bad.toml:3:9", "month 13"],
    );
    expect(
        "[scenario]\nname = \"x\"\nstart = \"2025-01\"\nend = \"2024-01\"\n",
        &[
            "error[bad-date]",
            "ends (2024-01) before it starts (2025-01)",
        ],
    );
    expect(
        &format!("{HEAD}[aux]\nx = \"date('2024-1')\"\n"),
        &["error[bad-date]", "bad.toml:6:11"],
    );
    expect(
        &format!(
            "{HEAD}[[observations]]\nvar = \"s\"\nat = \"2031-01\"\nvalue = 1\n[stocks]\ns = {{ init = 0 }}\n"
        ),
        &["error[bad-date]", "outside the scenario"],
    );
}

#[test]
fn ranges_and_bounds() {
    expect(
        &format!("{HEAD}[levers.x]\ndefault = 2\nrange = [0, 1]\n"),
        &["error[bad-range]", "outside its range"],
    );
    expect(
        &format!("{HEAD}[stocks]\ns = {{ min = 5, max = 1 }}\n"),
        &["error[bad-range]", "min 5 is above max 1"],
    );
    expect(
        &format!(
            "{HEAD}[levers.x]\ndefault = 0\n[bundles.b]\nlevers = {{ x = 3 }}\n[aux]\ny = \"x\"\n"
        ),
        &["error[bad-range]", "outside the range [0, 1]"],
    );
}

#[test]
fn wrong_types_and_missing_keys() {
    expect(
        &format!("{HEAD}[levers.x]\ndefault = \"high\"\n"),
        &["error[wrong-type]", "must be a number"],
    );
    expect(
        "[scenario]\nname = \"x\"\nstart = \"2024-01\"\n",
        &["error[missing-key]", "needs `end`"],
    );
    expect(
        &format!("{HEAD}[flows.f]\nto = \"s\"\n[stocks]\ns = {{}}\n"),
        &["error[missing-key]", "needs `rate`"],
    );
}

#[test]
fn duplicates_functions_and_references() {
    expect(
        &format!("{HEAD}[params]\nx = 1\n[aux]\nx = \"2\"\n"),
        &[
            "error[duplicate-name]",
            "declared twice",
            "first declared here",
        ],
    );
    expect(
        &format!("{HEAD}[aux]\nx = \"sqr(4)\"\n"),
        &[
            "error[unknown-function]",
            "unknown function `sqr`",
            "did you mean `sqrt`?",
        ],
    );
    expect(
        &format!("{HEAD}[aux]\nx = \"clamp(1, 2)\"\n"),
        &["error[wrong-arity]", "takes 3 arguments, not 2"],
    );
    expect(
        &format!("{HEAD}[stocks]\ns = {{ init = \"x\" }}\n[aux]\nx = \"1\"\n"),
        &["error[bad-reference]", "initial value cannot use `x`"],
    );
    expect(
        &format!("{HEAD}[outcomes.o]\nexpr = \"1\"\n[aux]\nx = \"o + 1\"\n"),
        &["error[bad-reference]", "`o` is an outcome"],
    );
    expect(
        &format!("{HEAD}[aux]\nt = \"1\"\n"),
        &["error[reserved-name]"],
    );
}

#[test]
fn formula_syntax_errors_point_at_the_token() {
    expect(
        &format!("{HEAD}[aux]\nx = \"1 + * 2\"\n"),
        &["error[formula-syntax]", "bad.toml:6:"],
    );
    expect(
        &format!("{HEAD}[aux]\nx = \"a = 1\"\n"),
        &["error[formula-syntax]", "`==`"],
    );
}

#[test]
fn many_problems_are_reported_at_once() {
    let rendered = errors(&format!(
        "{HEAD}[params]\nx = {{ dist = \"normal\", mean = 1 }}\n[aux]\ny = \"zz\"\nw = \"sqr(1)\"\n[stocks]\ns = {{ nit = 0 }}\n"
    ));
    for code in [
        "bad-distribution",
        "unknown-name",
        "unknown-function",
        "unknown-key",
    ] {
        assert!(rendered.contains(code), "missing {code} in\n{rendered}");
    }
    assert!(rendered.contains("4 errors"), "{rendered}");
}

#[test]
fn non_utf8_input_is_located() {
    let dir = std::env::temp_dir().join(format!("leversim-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("latin1.toml");
    std::fs::write(&path, b"[scenario]\nname = \"caf\xe9\"\n").unwrap();
    let loaded = leversim::scenario::load(&path);
    let rendered = leversim::diag::render_all(&loaded.diags, &loaded.sources, false);
    assert!(
        rendered.contains("error[not-utf8]") && rendered.contains("latin1.toml:2:12"),
        "{rendered}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn misspelt_chart_names_get_suggestions() {
    let body = "[stocks]\ns = { init = 0 }\n[outcomes.total]\nexpr = \"s\"\n\
                [bundles.status_quo]\n[bundles.crackdown]\n";
    expect(
        &format!("{HEAD}{body}[charts]\nbundles = [\"status_quo\", \"crackdwon\"]\n"),
        &[
            "error[unknown-name]",
            "charted bundle `crackdwon` is not a bundle",
            "bad.toml:12:26",
            "did you mean `crackdown`?",
        ],
    );
    expect(
        &format!("{HEAD}{body}[charts]\ndashboard = [\"totl\"]\n"),
        &[
            "charted outcome `totl` is not an outcome",
            "did you mean `total`?",
        ],
    );
}
