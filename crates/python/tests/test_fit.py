"""her2sim.fit: the PEtab fit from Python is the CLI's `her2sim fit --json` (same seed, same
starts, same optimum) and reaches the published optimum of Boehm 2014."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import her2sim
from conftest import REPO, cli_binary

BOEHM = (
    REPO.parent
    / "shared"
    / "petab-benchmark"
    / "Boehm_JProteomeRes2014"
    / "Boehm_JProteomeRes2014.yaml"
)


def test_fit_matches_the_cli_and_writes_the_report(tmp_path: Path) -> None:
    r = her2sim.fit(BOEHM, starts=4, seed=3, out=tmp_path / "fit")
    assert set(r) == {"best_llh", "best_log_posterior", "parameters", "starts", "converged", "seconds"}
    assert r["starts"] == 4 and 0 <= r["converged"] <= 4
    assert len(r["parameters"]) == 9
    for name in ("parameters.tsv", "starts.csv", "index.html"):
        assert (tmp_path / "fit" / name).is_file()
    out = subprocess.run(
        [str(cli_binary()), "fit", str(BOEHM), "--starts", "4", "--seed", "3", "--json",
         "-o", str(tmp_path / "cli")],
        check=True, capture_output=True, text=True,
    )
    cli = json.loads(out.stdout)
    assert cli["best_llh"] == pytest.approx(r["best_llh"], rel=1e-9)
    for k, v in cli["parameters"].items():
        assert r["parameters"][k] == pytest.approx(v, rel=1e-6)


def test_fit_errors_are_her2simerrors(tmp_path: Path) -> None:
    with pytest.raises(her2sim.Her2simError, match="starts must be"):
        her2sim.fit(BOEHM, starts=0)
    with pytest.raises(her2sim.Her2simError, match="nope.yaml"):
        her2sim.fit(tmp_path / "nope.yaml")


def test_petab_problem_objective_for_external_optimisers() -> None:
    """The objective handed to external optimisers: at the nominal parameters it is minus
    the reference llh of the benchmark README (Boehm has no priors), and its gradient agrees
    with central differences of the value."""
    import numpy as np

    p = her2sim.PetabProblem(BOEHM)
    assert len(p.parameter_ids) == 9 and len(p.bounds) == 9
    value, gradient, hessian = p.objective(p.nominal)
    assert value == pytest.approx(138.221997, abs=1e-3)
    assert gradient.shape == (9,) and hessian.shape == (9, 9)
    np.testing.assert_allclose(hessian, hessian.T)
    x = np.array([lo + 0.35 * (hi - lo) for lo, hi in p.bounds])
    value, gradient, _ = p.objective(x)
    h = 1e-3
    for k in range(9):
        e = np.zeros(9)
        e[k] = h
        fd = (p.objective(x + e)[0] - p.objective(x - e)[0]) / (2 * h)
        assert gradient[k] == pytest.approx(fd, rel=1e-3, abs=1e-2), p.parameter_ids[k]
    starts = p.start_points(5, 1)
    assert starts.shape == (5, 9)
    for row in starts:
        assert all(lo <= v <= hi for v, (lo, hi) in zip(row, p.bounds))
    with pytest.raises(her2sim.Her2simError, match="estimated parameters"):
        p.objective(x[:3])
    with pytest.raises(her2sim.Her2simError, match="starts must be"):
        p.start_points(0)


def test_fides_through_pypesto_reaches_the_boehm_optimum() -> None:
    """pyPESTO's fides (an independent trust-region implementation) minimising her2sim's
    objective from her2sim's own starts reaches the published optimum, as her2sim's fit does
    from the same starts: the objective, gradient and FIM are fit for other tools."""
    import numpy as np
    import pypesto
    import pypesto.optimize as optimize
    import logging

    p = her2sim.PetabProblem(BOEHM)
    obj = pypesto.Objective(fun=p.objective, grad=True, hess=True)
    lb, ub = (np.array(b) for b in zip(*p.bounds))
    starts = p.start_points(50, 1)
    problem = pypesto.Problem(obj, lb=lb, ub=ub, x_guesses=starts)
    result = optimize.minimize(
        problem,
        optimizer=optimize.FidesOptimizer(hessian_update=None, verbose=logging.ERROR),
        n_starts=50,
        progress_bar=False,
    )
    fides_best = min(r.fval for r in result.optimize_result.list)
    ours = her2sim.fit(BOEHM, starts=50, seed=1)
    assert fides_best == pytest.approx(138.222, abs=0.5)
    assert -ours["best_llh"] == pytest.approx(138.222, abs=0.5)
    # The starts really were ours.
    used = np.array([r.x0 for r in result.optimize_result.list])
    assert sorted(map(tuple, used.round(12))) == sorted(map(tuple, starts.round(12)))
