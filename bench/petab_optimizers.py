"""Multi-start fitting, her2sim's optimisers beside pyPESTO + fides on the same objective.

AMICI (pyPESTO's usual simulator) builds C++ from source and is not available here, so fides
runs on her2sim's objective (negative log-posterior, sensitivity gradient, Gauss-Newton /
FIM Hessian via ``her2sim.PetabProblem``) from the very Latin-hypercube starts ``her2sim.fit``
uses: the comparison is of optimisers, with simulation cost equal. Both run the starts on the
same machine; her2sim's fit runs them in parallel on every core (rayon), pyPESTO serially, so
the table also gives CPU-normalised converged starts per minute.

Writes bench/results/petab_fit.csv: problem, optimizer, starts, best_llh, reference_llh,
reached (best_llh >= reference - 1), starts within 1 of the reference, wall seconds,
threads, reaching starts per CPU-minute.

    python3 bench/petab_optimizers.py [--starts 50] [--problems Boehm_JProteomeRes2014,...]
        [--optimizers trust-region,lm,fides] [--cli target/release/her2sim]

Rows of problems and optimisers not run this time are kept from the existing table.
"""

from __future__ import annotations

import argparse
import csv
import logging
import math
import os
import re
import time
from pathlib import Path

import her2sim

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "petab-benchmark"
DEFAULT = "Boehm_JProteomeRes2014,Fiedler_BMCSystBiol2016"


def references() -> dict[str, float]:
    """Reference llh per problem from the benchmark README's table."""
    refs = {}
    for line in (SHARED / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 8 and re.fullmatch(r"-?\d+\.\d+", cells[6]):
            refs[cells[0]] = float(cells[6])
    return refs


CLI: str | None = None


def run_her2sim(yaml: Path, starts: int, optimizer: str) -> tuple[list[float], float]:
    """(llh of every start, wall seconds) of her2sim.fit (or of `her2sim fit` with --cli)."""
    out = Path("/tmp") / f"her2sim-bench-{yaml.stem}-{optimizer}"
    t0 = time.perf_counter()
    if CLI:
        import shutil
        import subprocess

        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(
            [CLI, "fit", str(yaml), "--starts", str(starts), "--seed", "1",
             "--optimizer", optimizer, "--quiet", "--json", "-o", str(out)],
            check=True, stdout=subprocess.DEVNULL,
        )
    else:
        her2sim.fit(yaml, starts=starts, seed=1, optimizer=optimizer, out=out)
    seconds = time.perf_counter() - t0
    with open(out / "starts.csv") as f:
        llhs = [float(r["llh"]) for r in csv.DictReader(f) if r["llh"]]
    llhs = [v for v in llhs if math.isfinite(v)]
    return llhs, seconds


def run_fides(yaml: Path, starts: int) -> tuple[list[float], float]:
    """(llh of every start, wall seconds) of pyPESTO + fides on her2sim's objective."""
    import numpy as np
    import pypesto
    import pypesto.optimize as optimize

    p = her2sim.PetabProblem(yaml)
    # llh = -(negative log-posterior) when the problem has no priors (true of these).
    obj = pypesto.Objective(fun=p.objective, grad=True, hess=True)
    lb, ub = (np.array(b) for b in zip(*p.bounds))
    x0 = p.start_points(starts, 1)
    problem = pypesto.Problem(obj, lb=lb, ub=ub, x_guesses=x0, x_names=p.parameter_ids)
    optimizer = optimize.FidesOptimizer(hessian_update=None, verbose=logging.ERROR)
    t0 = time.perf_counter()
    result = optimize.minimize(
        problem, optimizer=optimizer, n_starts=starts, progress_bar=False
    )
    seconds = time.perf_counter() - t0
    llhs = [-r.fval for r in result.optimize_result.list if np.isfinite(r.fval)]
    return llhs, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=50)
    ap.add_argument("--problems", default=DEFAULT)
    ap.add_argument("--optimizers", default="trust-region,lm,fides")
    ap.add_argument("--cli", help="run her2sim's fits with this her2sim binary instead of the Python module")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "petab_fit.csv"))
    args = ap.parse_args()
    chosen = set(args.optimizers.split(","))
    global CLI
    CLI = args.cli
    refs = references()
    threads = os.cpu_count() or 1
    rows = []
    for pid in args.problems.split(","):
        yaml = SHARED / pid / f"{pid}.yaml"
        ref = refs[pid]
        runs = [
            ("trust-region", "her2sim trust-region", lambda: run_her2sim(yaml, args.starts, "trust-region"), threads),
            ("lm", "her2sim lm", lambda: run_her2sim(yaml, args.starts, "lm"), threads),
            ("fides", "pyPESTO fides (her2sim objective)", lambda: run_fides(yaml, args.starts), 1),
        ]
        for key, name, run, used in runs:
            if key not in chosen:
                continue
            llhs, seconds = run()
            best = max(llhs) if llhs else float("nan")
            reaching = sum(1 for v in llhs if v >= ref - 1.0)
            row = {
                "problem": pid,
                "optimizer": name,
                "starts": args.starts,
                "best_llh": f"{best:.4f}",
                "reference_llh": f"{ref:.4f}",
                "reached": best >= ref - 1.0,
                "starts_reaching": reaching,
                "seconds": f"{seconds:.1f}",
                "threads": used,
                "reaching_per_cpu_minute": f"{reaching / (seconds * used / 60.0):.2f}",
            }
            print(row, flush=True)
            rows.append(row)
    if not rows:
        return
    out = Path(args.out)
    done = {(r["problem"], r["optimizer"]) for r in rows}
    kept = []
    if out.exists():
        with open(out) as f:
            kept = [r for r in csv.DictReader(f) if (r["problem"], r["optimizer"]) not in done]
    tmp = out.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(kept + rows)
    tmp.replace(out)


if __name__ == "__main__":
    main()
