"""The shallow-lake problem, vectorised with numpy: the peer leversim is timed against.

Carpenter, Ludwig & Brock (1999), as in the EMA Workbench's lake example
(`lake_problem`): pollution X_{t+1} = X_t + a_t + X_t^q / (1 + X_t^q) - b X_t + e_t, with
lognormal natural inflows e_t given by their mean and standard deviation, 100 steps, the
critical threshold the root of x^q / (1 + x^q) = b x in [0.01, 1.5].

Each path has its own draw of the uncertain b, q, mean, stdev and delta (like one leversim
run), and all paths advance together, one numpy operation over every path per step: the way
a researcher who knows numpy writes it. Outcomes per path match scenarios/examples/lake.toml:
max pollution, reliability (share of steps below the threshold), utility (discounted release
benefit) and inertia (share of steps where the release changes by more than 0.02).
"""

import numpy as np

STEPS = 100
ALPHA = 0.4  # utility per unit of release, as in the EMA Workbench


def critical_threshold(b, q, iterations=60):
    """The root of x^q/(1+x^q) - b x in [0.01, 1.5], by bisection over all paths at once."""
    lo = np.full_like(b, 0.01)
    hi = np.full_like(b, 1.5)
    f_lo = lo**q / (1 + lo**q) - b * lo
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        xq = mid**q
        f_mid = xq / (1 + xq) - b * mid
        same = np.sign(f_mid) == np.sign(f_lo)
        lo = np.where(same, mid, lo)
        f_lo = np.where(same, f_mid, f_lo)
        hi = np.where(same, hi, mid)
    return 0.5 * (lo + hi)


def simulate(n, release, seed):
    """n paths of the lake under a constant release; returns a dict of per-path outcomes."""
    rng = np.random.default_rng(seed)
    b = rng.uniform(0.1, 0.45, n)
    q = rng.uniform(2.0, 4.5, n)
    mean = rng.uniform(0.01, 0.05, n)
    stdev = rng.uniform(0.001, 0.005, n)
    delta = rng.uniform(0.93, 0.99, n)
    pcrit = critical_threshold(b, q)
    # Lognormal with the given mean and sd: parameters of the underlying normal.
    var = np.log1p((stdev / mean) ** 2)
    mu = np.log(mean) - 0.5 * var
    sigma = np.sqrt(var)
    x = np.zeros(n)
    max_x = np.zeros(n)
    below = np.zeros(n)
    keep = 1.0 - b
    for _ in range(STEPS):
        inflow = np.exp(mu + sigma * rng.standard_normal(n))
        xq = x**q
        x = keep * x + xq / (1.0 + xq) + release + inflow
        np.maximum(max_x, x, out=max_x)
        below += x < pcrit
    utility = ALPHA * release * (1 - delta**STEPS) / (1 - delta)
    return {
        "max_pollution": max_x,
        "reliability": below / STEPS,
        "utility": utility,
        "inertia": np.zeros(n),
    }


if __name__ == "__main__":
    import sys
    import time

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    t0 = time.perf_counter()
    out = simulate(n, 0.02, 1)
    dt = time.perf_counter() - t0
    print(f"{n} paths x {STEPS} steps in {dt:.3f} s: {n * STEPS / dt / 1e6:.1f}M path-steps/s")
    for k, v in out.items():
        print(k, v.mean())
