"""leversim from Python: check a scenario, run it, and read its results as data frames.

The simulation is leversim's own Rust code (the module ``leversim._native``), the same that the
``leversim`` command runs, so a scenario and seed give the same numbers here as on the command
line. Runs release the GIL.

    >>> import leversim
    >>> res = leversim.run("scenarios/korea-russia.toml", runs=2000, seed=1)  # doctest: +SKIP
    >>> res.runs.groupby("bundle").mean(numeric_only=True)                    # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Union

from . import _native

__all__ = ["Results", "ScenarioError", "LeversimError", "validate", "run", "load", "__version__"]

__version__: str = _native.version()

PathLike = Union[str, "os.PathLike[str]"]

#: Column-name prefixes of the per-run inputs in ``runs`` (see the scenario format docs).
PARAM_PREFIX = "param."
LEVER_PREFIX = "lever."


class LeversimError(Exception):
    """A leversim command failed: the message is what the command line prints.

    ``exit_code`` is the command's exit code (1: a problem in the scenario or its data, 2: a
    usage error such as an unknown bundle, 130: interrupted).
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ScenarioError(LeversimError):
    """A scenario has errors. ``str(err)`` is every diagnostic as ``leversim validate`` prints it;
    ``file``, ``line`` and ``column`` (1-based) locate the first error and ``code`` names it
    (e.g. ``"unknown-key"``)."""

    def __init__(self, text: str, file: str, line: int, column: int, code: str) -> None:
        super().__init__(text, 1)
        self.file = file
        self.line = line
        self.column = column
        self.code = code


def _check(path: PathLike) -> str:
    path = os.fspath(path)
    if not Path(path).is_file():
        raise FileNotFoundError(f"no scenario file at {path!r}")
    found = _native.diagnose(path)
    if found is not None:
        raise ScenarioError(*found)
    return path


def validate(path: PathLike) -> Dict[str, Any]:
    """Checks the scenario at ``path``; returns what it contains (name, time axis, default runs
    and seed, and the names of its params, levers, stocks, outcomes and bundles).

    Raises :class:`ScenarioError` with the diagnostics when it has errors.
    """
    path = _check(path)
    described = _native.describe(path)
    if described is None:  # the check above found no error, so this cannot happen
        raise LeversimError(f"could not read {path!r}")
    return json.loads(described)


def _sim_args(
    runs: Optional[int],
    seed: Optional[int],
    set: Optional[Mapping[str, float]],
    threads: Optional[int],
    posterior: Optional[PathLike],
) -> list:
    args: list = []
    if runs is not None:
        args += ["--runs", str(int(runs))]
    if seed is not None:
        args += ["--seed", str(int(seed))]
    for name, value in (set or {}).items():
        args += ["--set", f"{name}={float(value)!r}"]
    if threads is not None:
        args += ["--threads", str(int(threads))]
    if posterior is not None:
        args += ["--posterior", os.fspath(posterior)]
    return args


def _execute(args: Sequence[str]) -> None:
    failed = _native.execute(["leversim", *args])
    if failed is not None:
        code, message = failed
        raise LeversimError(message or f"leversim {args[0]} failed (exit {code})", code)


def run(
    path: PathLike,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    bundles: Optional[Iterable[str]] = None,
    set: Optional[Mapping[str, float]] = None,
    threads: Optional[int] = None,
    posterior: Optional[PathLike] = None,
    *,
    out: Optional[PathLike] = None,
    charts: bool = True,
) -> "Results":
    """Runs the scenario at ``path`` as ``leversim run`` does and returns its results.

    ``runs`` and ``seed`` default to the scenario's; ``bundles`` selects bundles (default: all);
    ``set`` maps param or lever names to values (``--set``); ``threads`` (default: all cores)
    does not change the numbers; ``posterior`` is a calibration folder to draw the params from.
    Results are written to ``out`` (default ``output/<scenario name>``, as on the command line),
    with Parquet files beside the CSV files, and charts unless ``charts=False``.

    Raises :class:`ScenarioError` when the scenario has errors, :class:`LeversimError` when the
    run fails (an unknown bundle, a numeric fault, a folder that cannot be written).
    """
    path = _check(path)
    if out is None:
        out = Path("output") / validate(path)["name"]
    args = ["run", path, *_sim_args(runs, seed, set, threads, posterior)]
    for bundle in bundles or []:
        args += ["--bundle", str(bundle)]
    args += ["--out", os.fspath(out), "--format", "parquet"]
    if not charts:
        args.append("--no-charts")
    _execute(args)
    return load(out)


def load(results_dir: PathLike) -> "Results":
    """Reads a results folder written by ``leversim run`` (or :func:`run`)."""
    directory = Path(results_dir)
    if not (directory / "summary.json").is_file():
        raise FileNotFoundError(f"{str(directory)!r} is not a results folder (no summary.json)")
    return Results(directory)


class Results:
    """A results folder as data.

    ``runs``: one row per (bundle, run), the outcomes as columns (and ``fault`` when faults
    were counted). ``inputs``: the same rows with what each run was made of, the params it drew
    (``param.NAME``) and the bundle's levers (``lever.NAME``). ``series``: per (bundle,
    variable, month) the mean and percentiles. ``paths``: the month-by-month paths of
    ``[output] paths``, or ``None``. All are pandas DataFrames, read from the Parquet files when
    the folder has them, else from the CSV files; :meth:`arrow` gives pyarrow tables.
    ``summary`` is ``summary.json`` as a dict.
    """

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        with open(directory / "summary.json", encoding="utf-8") as f:
            self.summary: Dict[str, Any] = json.load(f)
        self._tables: Dict[str, Any] = {}

    def __repr__(self) -> str:
        m = self.summary.get("manifest", {})
        return (
            f"<leversim.Results {str(self.dir)!r}: {', '.join(m.get('bundles', []))}, "
            f"{m.get('runs')} runs each, seed {m.get('seed')}>"
        )

    def _read(self, name: str):
        """The pyarrow table of ``name.parquet``, or of ``name.csv``, or ``None``."""
        if name not in self._tables:
            import pyarrow.csv
            import pyarrow.parquet

            parquet = self.dir / f"{name}.parquet"
            csv = self.dir / f"{name}.csv"
            if parquet.is_file():
                table = pyarrow.parquet.read_table(parquet)
            elif csv.is_file():
                # Text columns stay text (a bundle named "1" is not a number).
                text = {c: pyarrow.string() for c in ("bundle", "variable", "month", "fault")}
                table = pyarrow.csv.read_csv(
                    csv, convert_options=pyarrow.csv.ConvertOptions(column_types=text)
                )
            else:
                table = None
            self._tables[name] = table
        return self._tables[name]

    def arrow(self, name: str):
        """The pyarrow table ``runs``, ``inputs``, ``series`` or ``paths`` (``None`` when the
        folder has no paths)."""
        if name == "inputs":
            table = self._read("runs")
            keep = [c for c in table.column_names if c in ("bundle", "run") or _is_input(c)]
            return table.select(keep)
        if name == "runs":
            table = self._read("runs")
            return table.select([c for c in table.column_names if not _is_input(c)])
        if name in ("series", "paths"):
            return self._read(name)
        raise ValueError(f"no table {name!r}: use runs, inputs, series or paths")

    @property
    def runs(self):
        """Outcomes per (bundle, run), a pandas DataFrame."""
        return self.arrow("runs").to_pandas()

    @property
    def inputs(self):
        """Params drawn and lever values per (bundle, run), a pandas DataFrame."""
        return self.arrow("inputs").to_pandas()

    @property
    def series(self):
        """Mean and percentiles per (bundle, variable, month), a pandas DataFrame."""
        return self.arrow("series").to_pandas()

    @property
    def paths(self):
        """Month-by-month paths of sampled runs, a pandas DataFrame, or ``None``."""
        table = self.arrow("paths")
        return None if table is None else table.to_pandas()

    def compare(self, reference: str, *, out: Optional[PathLike] = None):
        """Paired comparison of these results' bundles with ``reference``, on the same scenario,
        seed, runs, overrides and bundles (``leversim compare``). Returns a pandas DataFrame of
        ``comparison.csv``; its ``attrs["comparison"]`` holds ``comparison.json``.
        """
        import pandas

        m = self.summary["manifest"]
        scenario = _check(m["scenario"])
        sets = {o["name"]: o["value"] for o in m.get("overrides", [])}
        out = Path(out) if out is not None else self.dir.with_name(f"{self.dir.name}-compare")
        args = ["compare", scenario, "--reference", reference]
        args += _sim_args(m.get("runs"), m.get("seed"), sets, m.get("threads"), None)
        for bundle in m.get("bundles", []):
            args += ["--bundle", bundle]
        args += ["--out", os.fspath(out), "--no-charts"]
        _execute(args)
        table = pandas.read_csv(out / "comparison.csv")
        with open(out / "comparison.json", encoding="utf-8") as f:
            table.attrs["comparison"] = json.load(f)
        return table


def _is_input(column: str) -> bool:
    return column.startswith(PARAM_PREFIX) or column.startswith(LEVER_PREFIX)


def _command() -> None:
    """The ``leversim`` command installed with the package."""
    sys.exit(_native.main(["leversim", *sys.argv[1:]]))
