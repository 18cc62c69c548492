"""Compares `leversim discover` (PRIM) with the EMA Workbench's `prim` on the same runs.

    cargo build --release
    pip install ema_workbench
    python3 benches/peers/prim_compare.py [--leversim target/release/leversim]

Not part of CI (the workbench is a large install). Data: the runs of
scenarios/tests/discover.toml (x1, x2 and three noise inputs uniform on [0, 1]), written by
`leversim run`; the workbench reads the very same `runs.csv` (param.* columns as x), so both
see identical numbers. Two questions:

  hit == 1      the condition x1 > 0.7 and x2 < 0.3 (an axis-aligned box);
  score > 0.4   x1 - x2 > 0.4 (a diagonal boundary that no box fits, so peeling and pasting
                meet ties between candidates and real trade-offs).

Both use alpha 0.05 for peeling and pasting and a smallest mass of 0.05. For each question the
script compares the whole peeling-and-pasting trajectory point by point (coverage, density,
mass, restricted inputs), then the box chosen at `--threshold` density by leversim's rule (the
most coverage at that density, applied to the workbench's trajectory too): its restricted
inputs, their limits, and the quasi-p-values (the workbench computes one per restricted side;
leversim reports the larger). It prints the numbers and exits 1 on a disagreement beyond
`--tol` (limits) or 1e-6 relative (quasi-p, trajectory).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
from ema_workbench.analysis import prim  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCENARIO = os.path.join(ROOT, "scenarios", "tests", "discover.toml")

QUESTIONS = [("hit", "== 1", lambda v: v == 1), ("score", "> 0.4", lambda v: v > 0.4)]


def choose(traj, threshold):
    """leversim's rule: most coverage among boxes with density >= threshold (densest on ties)."""
    best = None
    for i, row in traj.iterrows():
        if row["density"] >= threshold:
            if best is None or (row["coverage"], row["density"]) > (
                traj.loc[best, "coverage"],
                traj.loc[best, "density"],
            ):
                best = i
    return best if best is not None else int(traj["density"].idxmax())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--leversim", default=os.path.join(ROOT, "target", "release", "leversim"))
    ap.add_argument("--runs", type=int, default=4000)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--tol", type=float, default=1e-9)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="prim-compare-")
    runs_dir = os.path.join(tmp, "runs")
    subprocess.run(
        [args.leversim, "run", SCENARIO, "--runs", str(args.runs), "--out", runs_dir, "--no-charts"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    runs = pd.read_csv(os.path.join(runs_dir, "runs.csv"))
    x = runs[[c for c in runs.columns if c.startswith("param.")]].copy()
    x.columns = [c[len("param.") :] for c in x.columns]
    failed = False
    for outcome, condition, holds in QUESTIONS:
        out = os.path.join(tmp, f"d-{outcome}")
        subprocess.run(
            [
                args.leversim, "discover", runs_dir, "--outcome", outcome, "--when", condition,
                "--threshold", str(args.threshold), "--boxes", "1", "--no-charts", "--out", out,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        ours = json.load(open(os.path.join(out, "discovery.json")))
        y = holds(runs[outcome].to_numpy()).astype(int)
        p = prim.Prim(x, y, threshold=args.threshold, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
        box = p.find_box()
        traj = box.peeling_trajectory.reset_index(drop=True)
        print(f"\n== {outcome} {condition}: {y.sum()} of {len(y)} runs; trajectory {len(traj)} (workbench) vs {len(ours['trajectory'])} (leversim) boxes")
        worst = 0.0
        for i in range(min(len(traj), len(ours["trajectory"]))):
            a, b = traj.loc[i], ours["trajectory"][i]
            for k, kb in [("coverage", "coverage"), ("density", "density"), ("mass", "mass"), ("res_dim", "n_restricted")]:
                worst = max(worst, abs(float(a[k]) - float(b[kb])))
        same_len = len(traj) == len(ours["trajectory"])
        print(f"   trajectory: largest difference in coverage/density/mass/restricted {worst:.3g}; same length: {same_len}")
        if worst > 1e-12 or not same_len:
            failed = True
        i = choose(traj, args.threshold)
        lims = box.box_lims[i]
        init = p.box_init
        restricted = [c for c in x.columns if not (lims[c] == init[c]).all()]
        qp = box.qp[i]
        ours_box = ours["boxes"][0]
        ours_lim = {l["input"]: l for l in ours_box["limits"]}
        print(f"   chosen box (step {i}): coverage {traj.loc[i, 'coverage']:.4f} vs {ours_box['coverage']:.4f}, density {traj.loc[i, 'density']:.4f} vs {ours_box['density']:.4f}")
        print(f"   restricted: workbench {sorted(restricted)}, leversim {sorted(ours_lim)}")
        if sorted(restricted) != sorted(ours_lim):
            failed = True
        for c in restricted:
            lo = None if lims.loc[0, c] == init.loc[0, c] else float(lims.loc[0, c])
            hi = None if lims.loc[1, c] == init.loc[1, c] else float(lims.loc[1, c])
            q = max(v for v in qp[c] if v >= 0)
            o = ours_lim.get(c, {})
            dl = abs((lo or 0) - (o.get("low") or 0)) if (lo is None) == (o.get("low") is None) else float("inf")
            dh = abs((hi or 0) - (o.get("high") or 0)) if (hi is None) == (o.get("high") is None) else float("inf")
            dq = abs(q - o.get("qp_value", float("nan"))) / max(q, 1e-300)
            print(f"   {c}: low {lo} vs {o.get('low')}, high {hi} vs {o.get('high')} (diff {max(dl, dh):.3g}); qp {q:.6g} vs {o.get('qp_value'):.6g} (rel diff {dq:.2g})")
            if max(dl, dh) > args.tol or not dq < 1e-6:
                failed = True
    print("\nagree" if not failed else "\nDISAGREE")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
