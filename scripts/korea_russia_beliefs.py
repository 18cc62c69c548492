#!/usr/bin/env python3
"""What you must believe for each bundle to win: the sweep of scenarios/korea-russia.md.

    cargo build --release
    python3 scripts/korea_russia_beliefs.py [--runs 4000] [--out output/korea-russia-beliefs]

Sets one block of assumptions at a time (or three together) to a sceptical and a generous value
with `--set`, under three states of the war: its end uncertain (the posterior's ceasefire), the
war going on to 2030 (`ceasefire_hazard=0`) and the war ended in 2025-07, before the levers
start (`ceasefire_hazard=1`). For each setting it runs the leading bundles on common random
numbers and prints, for each pair, the mean per-run difference of four outcomes with 1.96
standard errors (run k of every bundle saw the same draws). Nothing is typed by hand: the
page's tables are this script's output. The leversim binary is `target/release/leversim`, or
the one named by the environment variable LEVERSIM.
"""
import argparse
import csv
import math
import os
import subprocess
import sys

SCENARIO = "scenarios/korea-russia.toml"
BUNDLES = ["status_quo", "deter", "disrupt_intel", "diplomacy_first", "full_package"]
OUTCOMES = ["shells_2026_2030", "foreign_earnings_2026_2030", "p_reactor", "p_crisis"]
PAIRS = [
    ("diplomacy_first", "disrupt_intel"),
    ("full_package", "disrupt_intel"),
    ("full_package", "diplomacy_first"),
    ("full_package", "deter"),
]

# Blocks of assumptions: (label, {param: value}). Generous values are mostly the middle of the
# priors before issue 19.
CONCESSIONS_GEN = {"diplomacy_caution": 0.3, "clause_success": 0.4}
CONCESSIONS_SCEP = {"diplomacy_caution": 0.0, "clause_success": 0.02}
CHINA_GEN = {"china_rifts": 0.25, "rift_clash": 0.0, "china_alliance": 0.0, "rift_caution": 0.2}
CHINA_SCEP = {"china_rifts": 0.0, "rift_clash": 1.0, "china_alliance": 0.15, "rift_caution": 0.0}
ENF_GEN = {"maritime_bite": 0.5, "tanker_bite": 0.5, "intel_gain": 0.9, "evasion_share": 0.3,
           "substitution": 0.2}
ENF_SCEP = {"maritime_bite": 0.02, "tanker_bite": 0.05, "intel_gain": 0.0, "evasion_share": 0.9,
            "substitution": 0.8}
SETTINGS = [
    ("priors", {}),
    ("no linkage delay", {"linkage_delay": 0.0}),
    ("linkage delay 0.3", {"linkage_delay": 0.3}),
    ("concessions generous", CONCESSIONS_GEN),
    ("concessions sceptical", CONCESSIONS_SCEP),
    ("China generous", CHINA_GEN),
    ("China sceptical", CHINA_SCEP),
    ("enforcement generous", ENF_GEN),
    ("enforcement sceptical", ENF_SCEP),
    ("deterrence generous", {"deterrence_effect": 0.6, "russia_reply": 0.0, "arms_race": 0.0}),
    ("deterrence sceptical", {"deterrence_effect": 0.2, "russia_reply": 0.3, "arms_race": 0.3}),
    ("diplomacy world", {**CONCESSIONS_GEN, "linkage_delay": 0.0, **CHINA_GEN, **ENF_SCEP}),
    ("enforcement world", {**CONCESSIONS_SCEP, "linkage_delay": 0.3, **CHINA_SCEP, **ENF_GEN}),
]
WARS = [("uncertain", {}), ("going on", {"ceasefire_hazard": 0}), ("ended", {"ceasefire_hazard": 1})]


def run(binary, runs, sets, out):
    """Runs the leading bundles with these overrides into `out`; returns runs.csv's path."""
    cmd = [binary, "run", SCENARIO, "--runs", str(runs), "--no-charts", "--out", out]
    for b in BUNDLES:
        cmd += ["--bundle", b]
    for k, v in sets.items():
        cmd += ["--set", f"{k}={v}"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(out, "runs.csv")


def load(path):
    """Outcomes by bundle and run."""
    d = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            d.setdefault(r["bundle"], {})[r["run"]] = {o: float(r[o]) for o in OUTCOMES}
    return d


def paired(d, a, b, o):
    """Mean of A − B over the runs both have, and 1.96 standard errors."""
    xs = [d[a][k][o] - d[b][k][o] for k in d[a] if k in d[b]]
    n = len(xs)
    m = sum(xs) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    return m, 1.96 * sd / math.sqrt(n)


def fmt(o, m, h):
    if o.startswith("p_"):
        return f"{100 * m:+.1f} ± {100 * h:.1f} pp"
    if o.startswith("shells"):
        return f"{m / 1e3:+.0f}k ± {h / 1e3:.0f}k"
    return f"{m:+.2f} ± {h:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=4000)
    ap.add_argument("--out", default="output/korea-russia-beliefs")
    args = ap.parse_args()
    binary = os.environ.get("LEVERSIM", "target/release/leversim")
    results = {}
    for i, (label, sets) in enumerate(SETTINGS):
        for j, (war, wsets) in enumerate(WARS):
            out = os.path.join(args.out, f"s{i:02d}-w{j}")
            results[(label, war)] = load(run(binary, args.runs, {**sets, **wsets}, out))
            print(f"ran {label}, war {war}", file=sys.stderr)
    for a, b in PAIRS:
        print(f"\n{a} − {b} (negative favours {a}; {args.runs} runs a bundle)\n")
        print("| setting | war | " + " | ".join(OUTCOMES) + " |")
        print("|---|---|" + "---|" * len(OUTCOMES))
        for label, _ in SETTINGS:
            for war, _ in WARS:
                d = results[(label, war)]
                cells = " | ".join(fmt(o, *paired(d, a, b, o)) for o in OUTCOMES)
                print(f"| {label} | {war} | {cells} |")


if __name__ == "__main__":
    main()
