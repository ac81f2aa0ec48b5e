"""The HER2 calibration fit as a benchmark: `her2sim fit` on models/her2/calibration with the
README's settings, timed on this machine, then the credibility report's numbers.

Appends one row to bench/results/calibration_fit.csv: date, starts, max iterations, wall
seconds, best log-likelihood, converged starts, training / validation RMSE, share of validation
points within 1 and 2 noise SDs, fitted sd_GR, cores, and which parameters were estimated (this
benchmark fits all of them: `all`; a row written by hand may record a conditional fit).

    cargo build --release -p her2sim-cli
    python3 bench/calibration_fit.py [--starts 4] [--max-iterations 100]
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "her2sim")
PROBLEM = os.path.join(ROOT, "models", "her2", "calibration", "her2_calibration.yaml")
OUT = os.path.join(ROOT, "bench", "results", "calibration_fit.csv")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--starts", type=int, default=4)
    ap.add_argument("--max-iterations", type=int, default=100)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fit_dir = os.path.join(tmp, "fit")
        t0 = time.time()
        fit = subprocess.run(
            [BIN, "fit", PROBLEM, "--starts", str(a.starts), "--max-iterations",
             str(a.max_iterations), "--from-nominal", "--json", "-o", fit_dir],
            check=True, capture_output=True, text=True)
        seconds = time.time() - t0
        f = json.loads(fit.stdout)
        rep = subprocess.run(
            [BIN, "calibration", "report", "--fit", fit_dir, "--json", "-o",
             os.path.join(tmp, "report")],
            check=True, capture_output=True, text=True)
        r = json.loads(rep.stdout)
    row = {
        "date": datetime.date.today().isoformat(),
        "starts": a.starts,
        "max_iterations": a.max_iterations,
        "wall_seconds": round(seconds, 1),
        "best_llh": round(f["best_llh"], 3),
        "converged": f["converged"],
        "training_rmse": round(r["training_rmse"], 4),
        "validation_rmse": round(r["validation_rmse"], 4),
        "validation_within_1sd": round(r["validation_within_1sd"], 4),
        "validation_within_2sd": round(r["validation_within_2sd"], 4),
        "sd_gr": round(r["sd_gr"], 4),
        "cores": os.cpu_count(),
        "estimated": "all",
    }
    new = not os.path.exists(OUT)
    with open(OUT, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(row))
        if new:
            w.writeheader()
        w.writerow(row)
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
