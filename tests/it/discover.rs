//! Scenario discovery (issue 13): each run's inputs beside its outcomes in `runs.csv`, and
//! `leversim discover` on them.

use crate::util::{leversim, runs_column, temp_dir};

/// Two params and a lever; outcomes that are the params themselves, so that `runs.csv`'s input
/// columns can be checked against what the engine drew.
const ECHO: &str = r#"
[scenario]
name = "echo"
start = "2024-01"
end = "2024-12"
runs = 200
seed = 3

[params]
x = { dist = "uniform", min = 0, max = 1 }
y = { dist = "normal", mean = 5, sd = 2, unit = "things" }

[levers.push]
default = 0
range = [0, 2]
from = "2024-07"

[stocks]
s = { init = 0 }

[flows.f]
to = "s"
rate = "x + push * normal(0, 1)"

[outcomes.x_seen]
expr = "x"
[outcomes.y_seen]
expr = "y"
[outcomes.s]
expr = "s"

[bundles.none]
[bundles.pushed]
levers = { push = 2 }
"#;

fn write(dir: &std::path::Path, text: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("world.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn runs_csv_holds_the_params_each_run_drew_and_the_levers() {
    let dir = temp_dir("discover", "inputs");
    let scenario = write(&dir, ECHO);
    let out = dir.join("out").display().to_string();
    let result = leversim(&["run", &scenario, "--out", &out, "--no-charts"]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let runs = dir.join("out/runs.csv");
    let header = std::fs::read_to_string(&runs).unwrap();
    assert_eq!(
        header.lines().next(),
        Some("bundle,run,x_seen,y_seen,s,param.x,param.y,lever.push")
    );
    for bundle in ["none", "pushed"] {
        // The params the engine drew (an outcome reads them back) are the values written.
        assert_eq!(
            runs_column(&runs, bundle, "x_seen"),
            runs_column(&runs, bundle, "param.x")
        );
        assert_eq!(
            runs_column(&runs, bundle, "y_seen"),
            runs_column(&runs, bundle, "param.y")
        );
    }
    // The lever: 0 for six months, then 2, stated as its mean over the twelve.
    assert!(
        runs_column(&runs, "pushed", "lever.push")
            .iter()
            .all(|&v| v == 1.0)
    );
    assert!(
        runs_column(&runs, "none", "lever.push")
            .iter()
            .all(|&v| v == 0.0)
    );

    // `--run K` shows run K's params: the same values as row K.
    let k = 17;
    let shown = leversim(&["run", &scenario, "--run", "17"]);
    assert!(shown.status.success());
    let text = String::from_utf8_lossy(&shown.stdout);
    let value_of = |name: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no line for {name} in\n{text}"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    for name in ["x", "y"] {
        let row = runs_column(&runs, "none", &format!("param.{name}"))[k];
        // `--run` prints six significant digits.
        assert!(
            (value_of(name) - row).abs() <= 1e-5 * row.abs(),
            "{name}: {} vs {row}",
            value_of(name)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
