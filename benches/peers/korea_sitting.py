#!/usr/bin/env python3
"""Interleaved pairs: runs/s of two or more leversim binaries on the same scenario, 1 thread.

    python3 benches/peers/korea_sitting.py SCENARIO PAIRS BINARY [BINARY ...]

For each pair in turn, every binary runs `run SCENARIO --runs 20000 --threads 1 --bundle
status_quo --no-charts` into a fresh temporary folder; `runs_per_s` is read from its
summary.json. Prints each pair (with the load average), then per binary the median and its
ratio to the first binary's median, and the sorted pair ratios. Build the older engine in a
worktree of its commit (`git worktree add --detach DIR COMMIT`, `cargo build --release`).
"""
import json, os, statistics, subprocess, sys, tempfile
scenario = sys.argv[1]; pairs = int(sys.argv[2]); bins = sys.argv[3:]
rates = {b: [] for b in bins}
for k in range(pairs):
    for b in bins:
        out = tempfile.mkdtemp(prefix="ks-")
        subprocess.run([b, "run", scenario, "--runs", "20000", "--threads", "1", "--bundle",
                        "status_quo", "--no-charts", "--out", out], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        s = json.load(open(os.path.join(out, "summary.json")))
        rates[b].append(s["manifest"]["runs_per_s"])
    print(k, os.getloadavg()[0], *[round(rates[b][-1]) for b in bins], flush=True)
base = bins[0]
for b in bins:
    med = statistics.median(rates[b])
    ratios = sorted(r / q for r, q in zip(rates[b], rates[base]))
    print(f"{b}: median {med:.0f} runs/s, ratio to first {med / statistics.median(rates[base]):.3f}, pair ratios {[round(x, 2) for x in ratios]}")
