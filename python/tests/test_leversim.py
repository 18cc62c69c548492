"""Tests of the Python package against the wheel built from this checkout (see .ci/run).

The numbers are checked against the files the same run wrote (bit for bit) and against known
answers of scenarios/tests/linear.toml (whose outcome ``additive`` is 2 x1 + x2 + x3 + e with
mean 6 and variance 10, see that file), with tolerances from the standard error.
"""

import csv
import math
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas
import pyarrow
import pytest

import leversim

ROOT = Path(__file__).resolve().parents[2]
LINEAR = ROOT / "scenarios" / "tests" / "linear.toml"

TWO_BUNDLES = """
[scenario]
name = "two"
start = "2024-01"
end = "2024-12"
runs = 200
seed = 5

[params]
rate = { dist = "lognormal", median = 10, error_factor = 2 }

[levers.cut]
default = 0
range = [0, 1]

[stocks.stock]
init = 0

[flows.inflow]
to = "stock"
rate = "rate * (1 - 0.5 * cut)"

[outcomes.level]
expr = "stock"
better = "lower"

[bundles.baseline]
[bundles.half]
levers = { cut = 1 }

[output]
paths = ["stock"]
path_runs = 5
"""


def test_validate_lists_what_the_scenario_holds():
    info = leversim.validate(LINEAR)
    assert info["name"] == "linear"
    assert info["params"] == ["x1", "x2", "x3"]
    assert info["outcomes"] == ["additive", "product"]
    assert info["runs"] == 1000 and info["seed"] == 7


def test_diagnostics_raise_with_the_text_line_and_column_of_the_command(tmp_path):
    bad = tmp_path / "bad.toml"
    text = LINEAR.read_text().replace('title = "Linear', 'titel = "Linear')
    bad.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("titel"))
    with pytest.raises(leversim.ScenarioError) as caught:
        leversim.validate(bad)
    err = caught.value
    assert (err.line, err.column, err.code) == (line, 1, "unknown-key")
    assert err.file == str(bad)
    assert "did you mean `title`?" in str(err)
    # The same text as the command prints.
    cli = subprocess.run(
        [shutil.which("leversim") or "leversim", "validate", str(bad)],
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 1
    assert str(err).strip() in cli.stderr
    with pytest.raises(leversim.ScenarioError):
        leversim.run(bad, out=tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_run_gives_the_numbers_of_its_files_and_the_known_answer(tmp_path):
    res = leversim.run(LINEAR, runs=4000, seed=3, out=tmp_path / "out", charts=False)
    runs = res.runs
    assert list(runs.columns) == ["bundle", "run", "additive", "product"]
    assert len(runs) == 4000 and runs["run"].tolist() == list(range(4000))
    # Bit for bit what runs.csv holds.
    # (Python's float() reads the shortest round-trip text back exactly.)
    with open(tmp_path / "out" / "runs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [float(r["additive"]) for r in rows] == runs["additive"].tolist()
    # The known answer: mean 6, variance 10.
    mean = runs["additive"].mean()
    assert abs(mean - 6.0) < 4 * math.sqrt(10 / 4000), mean
    inputs = res.inputs
    assert list(inputs.columns) == ["bundle", "run", "param.x1", "param.x2", "param.x3"]
    assert [float(r["param.x1"]) for r in rows] == inputs["param.x1"].tolist()
    assert abs(inputs["param.x2"].mean() - 3.0) < 4 * math.sqrt(3 / 4000)
    assert res.summary["manifest"]["seed"] == 3
    assert isinstance(res.arrow("runs"), pyarrow.Table)
    series = res.series
    assert set(series.columns) >= {"bundle", "variable", "month", "mean", "p05", "p95"}
    # Loading the folder again reads the same numbers.
    again = leversim.load(tmp_path / "out")
    pandas.testing.assert_frame_equal(again.runs, runs)


def test_bundles_set_and_threads_reach_the_command(tmp_path):
    scenario = tmp_path / "two.toml"
    scenario.write_text(TWO_BUNDLES)
    one = leversim.run(scenario, bundles=["half"], out=tmp_path / "a", charts=False, threads=1)
    assert set(one.runs["bundle"]) == {"half"}
    fixed = leversim.run(scenario, set={"rate": 7.5}, out=tmp_path / "b", charts=False, threads=2)
    assert set(fixed.inputs["param.rate"]) == {7.5}
    # 12 months of 7.5, halved in "half".
    levels = fixed.runs.groupby("bundle")["level"].unique()
    assert list(levels["baseline"]) == [90.0] and list(levels["half"]) == [45.0]
    paths = fixed.paths
    assert list(paths.columns) == ["bundle", "run", "month", "stock"]
    assert len(paths) == 2 * 5 * 12
    with pytest.raises(leversim.LeversimError) as caught:
        leversim.run(scenario, bundles=["quarter"], out=tmp_path / "c")
    assert caught.value.exit_code == 2
    assert "quarter" in str(caught.value)


def test_compare_pairs_the_bundles(tmp_path):
    scenario = tmp_path / "two.toml"
    scenario.write_text(TWO_BUNDLES)
    res = leversim.run(scenario, runs=300, out=tmp_path / "r", charts=False)
    table = res.compare("baseline")
    row = table[(table["bundle"] == "half") & (table["outcome"] == "level")].iloc[0]
    # Paired on the same draws, "half" is exactly half of baseline in every run.
    diffs = res.runs.pivot(index="run", columns="bundle", values="level")
    expected = (diffs["half"] - diffs["baseline"]).mean()
    assert row["mean_diff"] == pytest.approx(expected, rel=1e-12)
    assert "comparison" in table.attrs


def test_runs_release_the_gil(tmp_path):
    done = threading.Event()
    errors = []

    def work():
        try:
            leversim.run(LINEAR, runs=400_000, out=tmp_path / "gil", charts=False, threads=1)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            done.set()

    ticks = 0
    thread = threading.Thread(target=work)
    start = time.perf_counter()
    thread.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    thread.join()
    assert not errors, errors
    # While the run held no GIL, this thread kept ticking (about once per millisecond);
    # holding it would have frozen the loop for the whole run.
    assert elapsed > 0.2, f"run too short to tell ({elapsed:.3f} s)"
    assert ticks > elapsed * 1000 / 10, (ticks, elapsed)


def test_the_leversim_command_is_installed():
    exe = shutil.which("leversim")
    assert exe, "the wheel installs a `leversim` command"
    out = subprocess.run([exe, "validate", str(LINEAR)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "linear" in out.stdout
    usage = subprocess.run([exe, "run"], capture_output=True, text=True)
    assert usage.returncode == 2
    assert leversim.__version__ and sys.version_info >= (3, 9)
