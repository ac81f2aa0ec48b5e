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


def test_profiles_agree_with_pypesto_on_boehm(tmp_path: Path) -> None:
    """`her2sim profile`'s 95 % intervals on Boehm 2014 agree with pyPESTO's profiles
    (its own stepping, its fides re-fits, its interval interpolation) of the same objective
    around the same optimum, to 0.02 log10 units; one-sided profiles are one-sided in both."""
    import logging

    import numpy as np
    import pypesto
    import pypesto.optimize as optimize
    import pypesto.profile as profile

    fit_dir = tmp_path / "fit"
    subprocess.run(
        [str(cli_binary()), "fit", str(BOEHM), "--starts", "50", "--quiet", "-o", str(fit_dir)],
        check=True, capture_output=True, text=True,
    )
    ids = ["Epo_degradation_BaF3", "k_exp_hetero", "k_phos", "sd_pSTAT5A_rel"]
    out = subprocess.run(
        [str(cli_binary()), "profile", str(BOEHM), "--fit", str(fit_dir), "--parameters",
         ",".join(ids), "--json", "-o", str(tmp_path / "profiles")],
        check=True, capture_output=True, text=True,
    )
    ours = {p["parameter"]: p for p in json.loads(out.stdout)["profiles"]}

    p = her2sim.PetabProblem(BOEHM)
    with open(fit_dir / "parameters.tsv") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    col = {name: k for k, name in enumerate(rows[0])}
    fitted = {r[col["parameterId"]]: float(r[col["nominalValue"]]) for r in rows[1:]}
    x0 = np.log10([fitted[i] for i in p.parameter_ids])  # Boehm: every parameter log10
    obj = pypesto.Objective(fun=p.objective, grad=True, hess=True)
    lb, ub = (np.array(b) for b in zip(*p.bounds))
    problem = pypesto.Problem(obj, lb=lb, ub=ub, x_guesses=[x0], x_names=p.parameter_ids)
    opt = optimize.FidesOptimizer(hessian_update=None, verbose=logging.ERROR)
    result = optimize.minimize(problem, optimizer=opt, n_starts=1, progress_bar=False)
    index = [p.parameter_ids.index(i) for i in ids]
    result = profile.parameter_profile(
        problem, result, opt, profile_index=index, progress_bar=False
    )
    for k, name in zip(index, ids):
        path = result.profile_result.list[0][k]
        lo, hi = profile.calculate_approximate_ci(
            path.x_path[k], path.ratio_path, np.exp(-1.920729410347062)
        )
        mine = ours[name]
        for side, theirs, bound in (("lower", lo, lb[k]), ("upper", hi, ub[k])):
            if mine[side] is None:
                # Ours is open on this side: pyPESTO's profile reaches the bound too.
                assert abs(theirs - bound) < 1e-6, (name, side, theirs)
            else:
                assert abs(np.log10(mine[side]) - theirs) < 0.02, (name, side, mine, theirs)
