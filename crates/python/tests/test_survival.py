"""her2sim.survival against lifelines, an independent implementation (issue 12: "KM and
hazard ratio against an independent implementation"): Kaplan-Meier survival, log(-log)
intervals, median and its interval, survival at fixed times, the log-rank test and Cox hazard
ratios with Wald intervals, on random censored two-arm data sets with tied times."""

from __future__ import annotations

import ast
import inspect
import math
from pathlib import Path

import numpy as np
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from lifelines.utils import median_survival_times

import her2sim
from her2sim import survival

SEEDS = range(8)
# lifelines stops Newton-Raphson at a step norm of 1e-7 by default, which leaves p-values off
# by ~1e-5 relative; tightened, it agrees with ours to ~1e-12 on most seeds. Where it still
# stops short (seed 5: coefficients 6.29e-5 vs 6.62e-5, its gradient 2e-4, ours 5e-7), ours
# has the higher partial likelihood, which the tests check too.
PRECISE = {"precision": 1e-12}


def trial(seed: int) -> dict[str, np.ndarray]:
    """Two arms (sizes and hazards vary with the seed), exponential event times, uniform
    censoring, times rounded up to whole weeks so events tie with events and censorings."""
    rng = np.random.default_rng(seed)
    n0, n1 = rng.integers(20, 200, size=2)
    hr = rng.uniform(0.4, 1.2)
    t0 = rng.exponential(20.0, n0)
    t1 = rng.exponential(20.0 / hr, n1)
    c0 = rng.uniform(5.0, 80.0, n0)
    c1 = rng.uniform(5.0, 80.0, n1)
    times0, times1 = np.ceil(np.minimum(t0, c0)), np.ceil(np.minimum(t1, c1))
    return {
        "t0": times0,
        "e0": t0 <= c0,
        "t1": times1,
        "e1": t1 <= c1,
    }


def pooled(d: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.concatenate([d["t0"], d["t1"]])
    e = np.concatenate([d["e0"], d["e1"]])
    arm = np.concatenate([np.zeros(len(d["t0"])), np.ones(len(d["t1"]))])
    return t, e, arm


@pytest.mark.parametrize("seed", SEEDS)
def test_kaplan_meier_matches_lifelines(seed: int) -> None:
    d = trial(seed)
    assert len(np.unique(d["t0"])) < len(d["t0"]), "the data should have ties"
    at = [0.0, 6.0, 12.0, 24.5, 60.0, 1000.0]
    ours = survival.kaplan_meier(d["t0"], d["e0"], at=at)
    kmf = KaplanMeierFitter().fit(d["t0"], d["e0"])
    table = ours["table"]
    ref_s = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    lower, upper = ci.iloc[:, 0], ci.iloc[:, 1]
    assert list(table["time"]) == [t for t in ref_s.index if t in set(d["t0"])]
    np.testing.assert_allclose(table["survival"], ref_s.loc[table["time"]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["lower"], lower.loc[table["time"]], rtol=0, atol=1e-10)
    np.testing.assert_allclose(table["upper"], upper.loc[table["time"]], rtol=0, atol=1e-10)
    events = kmf.event_table.loc[table["time"]]
    np.testing.assert_array_equal(table["at_risk"], events["at_risk"])
    np.testing.assert_array_equal(table["events"], events["observed"])
    np.testing.assert_array_equal(table["censored"], events["censored"])

    assert ours["median"] == kmf.median_survival_time_
    m = median_survival_times(ci)
    assert ours["median_lower"] == m.iloc[0, 0]
    assert ours["median_upper"] == m.iloc[0, 1]

    # Survival at fixed times (e.g. PFS at 12 months) and its interval: the step function.
    np.testing.assert_allclose(
        ours["at"]["survival"], kmf.survival_function_at_times(at), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(ours["at"]["lower"], lower.asof(at), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours["at"]["upper"], upper.asof(at), rtol=0, atol=1e-10)
    assert list(ours["at"]["at_risk"]) == [int((d["t0"] >= t).sum()) for t in at]


@pytest.mark.parametrize("seed", SEEDS)
def test_logrank_matches_lifelines(seed: int) -> None:
    d = trial(seed)
    ours = survival.logrank(d["t0"], d["e0"], d["t1"], d["e1"])
    ref = logrank_test(d["t0"], d["t1"], event_observed_A=d["e0"], event_observed_B=d["e1"])
    assert ours["statistic"] == pytest.approx(ref.test_statistic, rel=1e-10)
    assert ours["p_value"] == pytest.approx(ref.p_value, rel=1e-8)
    assert ours["observed_a"] + ours["observed_b"] == d["e0"].sum() + d["e1"].sum()


@pytest.mark.parametrize("seed", SEEDS)
def test_cox_hazard_ratio_matches_lifelines(seed: int) -> None:
    import pandas as pd

    d = trial(seed)
    t, e, arm = pooled(d)
    df = pd.DataFrame({"T": t, "E": e, "arm": arm})
    fit = survival.cox(t, e, {"arm": arm})
    ours = fit["summary"]
    cph = CoxPHFitter().fit(df, "T", "E", fit_options=PRECISE)
    ref = cph.summary.loc["arm"]
    assert fit["log_likelihood"] >= cph.log_likelihood_ - 1e-9
    assert ours["coef"][0] == pytest.approx(ref["coef"], abs=1e-5)
    assert ours["se"][0] == pytest.approx(ref["se(coef)"], abs=1e-7)
    assert ours["hazard_ratio"][0] == pytest.approx(ref["exp(coef)"], rel=1e-5)
    assert ours["hr_lower"][0] == pytest.approx(ref["exp(coef) lower 95%"], rel=1e-5)
    assert ours["hr_upper"][0] == pytest.approx(ref["exp(coef) upper 95%"], rel=1e-5)
    assert ours["p"][0] == pytest.approx(ref["p"], rel=1e-5, abs=1e-4)
    # With lifelines' default precision the hazard ratio still agrees to 1e-5.
    default = CoxPHFitter().fit(df, "T", "E").summary.loc["arm"]
    assert ours["hazard_ratio"][0] == pytest.approx(default["exp(coef)"], rel=1e-5)


@pytest.mark.parametrize("seed", SEEDS[:4])
def test_cox_with_two_covariates_matches_lifelines(seed: int) -> None:
    import pandas as pd

    d = trial(seed)
    t, e, arm = pooled(d)
    age = np.random.default_rng(100 + seed).normal(55.0, 10.0, len(t))
    fit = survival.cox(t, e, {"arm": arm, "age": age})
    df = pd.DataFrame({"T": t, "E": e, "arm": arm, "age": age})
    cph = CoxPHFitter().fit(df, "T", "E", fit_options=PRECISE)
    for i, name in enumerate(["arm", "age"]):
        ref = cph.summary.loc[name]
        assert fit["summary"]["coef"][i] == pytest.approx(ref["coef"], abs=1e-5)
        assert fit["summary"]["se"][i] == pytest.approx(ref["se(coef)"], abs=1e-7)
    assert fit["log_likelihood"] == pytest.approx(cph.log_likelihood_, rel=1e-9)
    assert fit["log_likelihood"] >= cph.log_likelihood_ - 1e-9
    lr = cph.log_likelihood_ratio_test()
    assert fit["lr_statistic"] == pytest.approx(lr.test_statistic, rel=1e-6)
    assert fit["lr_p_value"] == pytest.approx(lr.p_value, rel=1e-5)


def test_bad_input_names_the_problem() -> None:
    with pytest.raises(her2sim.Her2simError, match="2 times but 1 event flags"):
        survival.kaplan_meier([1.0, 2.0], [True])
    with pytest.raises(her2sim.Her2simError, match="time 1 is NaN"):
        survival.logrank([1.0, math.nan], [1, 1], [2.0], [1])
    with pytest.raises(her2sim.Her2simError, match="no finite maximum"):
        survival.cox([1, 2, 3, 4], [1, 1, 0, 0], [1, 1, 0, 0])


def test_stub_signatures_match_the_code() -> None:
    path = Path(survival.__file__).with_suffix(".pyi")
    tree = ast.parse(path.read_text())
    stubs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert set(survival.__all__) == set(stubs)
    for name in survival.__all__:
        a = stubs[name].args
        defaults = [None] * (len(a.args) - len(a.defaults)) + [ast.unparse(x) for x in a.defaults]
        want = [(p.arg, dft) for p, dft in zip(a.args, defaults)]
        sig = inspect.signature(getattr(survival, name))
        got = [
            (p.name, None if p.default is inspect.Parameter.empty else repr(p.default))
            for p in sig.parameters.values()
        ]
        assert want == got, name
