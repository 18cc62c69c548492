"""Times leversim against the vectorised numpy lake model on equal work, in one sitting.

    cargo build --release
    pip install numpy
    python3 benches/peers/lake_compare.py [--paths 100000] [--repeats 3]

Equal work: the same number of paths (one leversim run is one path, with its own draw of b, q,
mean, stdev and delta) of 100 steps, the same outcomes per path, one thread / one core. Both
sides are timed around the simulation only: numpy's `simulate` call, and leversim's own
`elapsed_s` from summary.json (the runs, not loading the scenario or writing results; the
whole command's wall time is printed too). The two alternate, each `--repeats` times, and the
median of each is compared, so that a change in machine load hits both alike.

The check of equal outcomes: for each outcome, the difference of the two means over its
standard error (Welch), which must be below 4 in absolute value (a correct pair fails this
with probability about 6e-5 per outcome); the two use different random numbers, so they agree
in distribution, not path by path.
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import lake_numpy  # noqa: E402

OUTCOMES = ["max_pollution", "reliability", "utility", "inertia"]


def time_numpy(paths, seed):
    t0 = time.perf_counter()
    out = lake_numpy.simulate(paths, 0.02, seed)
    return time.perf_counter() - t0, out


def time_leversim(binary, paths, out_dir):
    cmd = [
        binary, "run", os.path.join(HERE, "lake-outcomes.toml"),
        "--runs", str(paths), "--threads", "1", "--bundle", "steady",
        "--no-charts", "--out", out_dir,
    ]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    with open(os.path.join(out_dir, "summary.json")) as f:
        elapsed = json.load(f)["manifest"]["elapsed_s"]
    return elapsed, wall


def leversim_outcomes(out_dir):
    with open(os.path.join(out_dir, "runs.csv")) as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) for r in rows]) for k in OUTCOMES}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "leversim"))
    args = parser.parse_args()
    steps = lake_numpy.STEPS * args.paths
    numpy_times, lever_times, lever_walls = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = os.path.join(tmp, "lake")
        for r in range(args.repeats):
            t, np_out = time_numpy(args.paths, 1 + r)
            numpy_times.append(t)
            elapsed, wall = time_leversim(args.binary, args.paths, out_dir)
            lever_times.append(elapsed)
            lever_walls.append(wall)
        lv_out = leversim_outcomes(out_dir)
    np_med = statistics.median(numpy_times)
    lv_med = statistics.median(lever_times)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"lake: {args.paths} paths x {lake_numpy.STEPS} steps, one thread, "
          f"median of {args.repeats} (load average {load:.1f} on {os.cpu_count()} cores)")
    print(f"  numpy {np.__version__:>8}: {np_med:7.3f} s  {steps / np_med / 1e6:7.2f}M path-steps/s"
          f"  (runs: {', '.join(f'{t:.3f}' for t in numpy_times)})")
    print(f"  leversim       : {lv_med:7.3f} s  {steps / lv_med / 1e6:7.2f}M path-steps/s"
          f"  (runs: {', '.join(f'{t:.3f}' for t in lever_times)}; whole command "
          f"{statistics.median(lever_walls):.3f} s)")
    print(f"  leversim / numpy: {np_med / lv_med:.2f}x")
    print("outcome means (numpy vs leversim, difference in standard errors; |z| < 4 passes):")
    ok = True
    for k in OUTCOMES:
        a, b = np_out[k], lv_out[k]
        se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        z = 0.0 if se == 0 and a.mean() == b.mean() else (a.mean() - b.mean()) / se
        passed = abs(z) < 4
        ok &= passed
        print(f"  {k:14} {a.mean():10.5f} {b.mean():10.5f}  z = {z:6.2f}  {'ok' if passed else 'DIFFERENT'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
