"""Times rebop (a fast Rust SSA, PyPI) on a mass-action network given as JSON, for ssa-bench.

Usage: rebop_times.py NETWORK.json REPLICATES TMAX
Prints: seconds,events  (the faster of rebop's dense and sparse modes; events counted on
separate full-trajectory runs, scaled)."""
import json
import sys
import time

import rebop

net = json.load(open(sys.argv[1]))
reps, tmax = int(sys.argv[2]), float(sys.argv[3])
s = rebop.Gillespie()
for r in net["reactions"]:
    s.add_reaction(r["rate"], r["reactants"], r["products"])
init = net["init"]
first = [next(iter(init))]
# rebop's own dense/sparse heuristic can pick the slow one: time both, keep the faster.
best = float("inf")
for sparse in (False, True):
    t0 = time.perf_counter()
    for i in range(reps):
        s.run(init, tmax, 100, rng=i, var_names=first, sparse=sparse)
    best = min(best, time.perf_counter() - t0)
secs = best
# Event count: every reaction returned when nb_steps = 0 (a few runs, scaled).
count_runs = min(reps, 20)
events = sum(
    len(s.run(init, tmax, 0, rng=10_000 + i, var_names=first, sparse=True).time) - 1
    for i in range(count_runs)
)
print(f"{secs:.6f},{events * reps / count_runs:.0f}")
