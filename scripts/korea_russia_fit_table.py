#!/usr/bin/env python3
"""Prints the fit table of scenarios/korea-russia.md from a calibration's observations.csv.

    python3 scripts/korea_russia_fit_table.py scenarios/korea-russia-calibration/observations.csv

One row per observation: the reported figure (a point, a lower bound `>`, an upper bound `<`, or
a range), the posterior predictive 5th, 50th and 95th percentiles of the simulated quantity, and
whether a point lies inside that 90% band (a bound or range: whether the median meets it).
Then the targets of issue 12 over the fitted figures. Nothing is typed by hand: the page's
table is this script's output.
"""
import csv
import statistics
import sys


def num(x):
    """A figure as the page writes it: 3 significant digits, k and M for thousands and millions."""
    x = float(x)
    a = abs(x)
    if a >= 1e6:
        return f"{x / 1e6:.3g}M"
    if a >= 1e4:
        return f"{x / 1e3:.3g}k"
    if a >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def main(path):
    rows = list(csv.DictReader(open(path, newline="")))
    print("| id | role | quantity | month | reported | p05 | p50 | p95 | fits |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        fig = r["figure"]
        if fig == "point":
            reported = num(r["value"])
            ok = r["posterior_inside"] == "true"
            fits = "inside" if ok else "**outside**"
        else:
            if fig == "min":
                reported = "> " + num(r["low"])
            elif fig == "max":
                reported = "< " + num(r["high"])
            else:
                reported = num(r["low"]) + " to " + num(r["high"])
            ok = r["posterior_met"] == "true"
            fits = "met" if ok else "**not met**"
        target = r["target"].replace("|", "\\|")
        print(
            f"| {r['id']} | {r['role']} | `{target}` | {r['month']} | {reported} | "
            f"{num(r['posterior_p05'])} | {num(r['posterior_p50'])} | {num(r['posterior_p95'])} | {fits} |"
        )
    fitted = [r for r in rows if r["role"] == "fit"]
    points = [r for r in fitted if r["figure"] == "point"]
    bounds = [r for r in fitted if r["figure"] != "point"]
    inside = sum(r["posterior_inside"] == "true" for r in points) / len(points)
    met = sum(r["posterior_met"] == "true" for r in bounds) / len(bounds)
    rel = statistics.median(float(r["posterior_rel_error"]) for r in points)
    width = statistics.median(float(r["posterior_width"]) for r in points)
    print()
    print(
        f"Fitted figures: {len(points)} points, {100 * inside:.1f}% inside their 90% band "
        f"(target at least 90%); median relative error {100 * rel:.1f}% (target under 20%); "
        f"median band width {width:.2f} (target at most 1.2); {len(bounds)} bounds and ranges, "
        f"{100 * met:.1f}% met by the median (target at least 90%)."
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "scenarios/korea-russia-calibration/observations.csv")
