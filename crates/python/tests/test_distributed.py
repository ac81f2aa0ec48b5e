"""her2sim.distributed: scans, stochastic ensembles, sampled parameter sets and lab cohorts as
Ray tasks on a local 2-CPU cluster equal the same chunks run in-process (exactly, for the same
seed), do not depend on the chunk size, and match analytic solutions. Ray is required: a
missing ray fails here (the import below), it is never skipped."""

from __future__ import annotations

import ast
import inspect
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import ray

import her2sim
from her2sim import distributed as hd
from conftest import BIRTH_DEATH, mass_action, param, sbml, species_amount, times

# S' = -k S (S an amount): S(t) = S0 exp(-k t).
DECAY = sbml(
    species_amount("S", 10.0, only_substance=True),
    param("k", 1.0),
    mass_action("decay", ["S"], [], times("k", "S")),
)
KS = [0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0]
S0 = [1.0, 10.0, 100.0]


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True, log_to_driver=False)
    yield
    ray.shutdown()


def test_scan_through_ray_equals_local_and_the_analytic_decay(cluster, tmp_path: Path) -> None:
    path = tmp_path / "decay.xml"
    path.write_text(DECAY)
    grid = {"k": KS, "S": S0}
    args = dict(start=0, end=4, points=9, selections=["time", "S"], final=True)
    local = hd.scan(DECAY, grid, **args, chunk_size=5, local=True)
    remote = hd.scan(path, grid, **args, chunk_size=5)
    pd.testing.assert_frame_equal(remote, local)
    assert list(local.columns) == ["item", "k", "S@start", "time", "S"]
    assert list(local["item"]) == list(range(len(KS) * len(S0)))
    # The grid: the first id varies slowest.
    assert list(local["k"]) == [k for k in KS for _ in S0]
    assert list(local["S@start"]) == S0 * len(KS)
    for k, s0, t, s in zip(local["k"], local["S@start"], local["time"], local["S"]):
        assert t == 4.0
        assert s == pytest.approx(s0 * math.exp(-k * t), rel=1e-6, abs=1e-9)
    # Each item is the run Model.simulate makes with the same values set.
    m = her2sim.load(DECAY)
    m["k"], m["S"] = KS[3], S0[2]
    one = m.simulate(0, 4, 9, ["time", "S"])
    assert local["S"].iloc[3 * len(S0) + 2] == one["S"].iloc[-1]


def test_scan_long_format_and_list_of_items(cluster) -> None:
    items = [{"k": k} for k in KS]
    args = dict(start=0, end=2, points=5, selections=["time", "S"])
    local = hd.scan(DECAY, items, **args, chunk_size=3, local=True)
    remote = hd.scan(DECAY, items, **args, chunk_size=2)
    pd.testing.assert_frame_equal(remote, local)
    assert list(local.columns) == ["item", "k", "time", "S"]
    assert len(local) == 5 * len(KS)
    for k, t, s in zip(local["k"], local["time"], local["S"]):
        assert s == pytest.approx(10.0 * math.exp(-k * t), rel=1e-6, abs=1e-9)
    # fixed values apply to every item before the item's own.
    fixed = hd.scan(DECAY, items, **args, fixed={"S": 2.0}, local=True)
    assert np.allclose(fixed["S"], local["S"] / 5.0, rtol=1e-6, atol=1e-12)


def test_chunk_size_does_not_change_results(cluster) -> None:
    grid = {"k": np.linspace(0.1, 2.0, 23).tolist()}
    args = dict(start=0, end=3, points=4, selections=["S"], final=True)
    ref = hd.scan(DECAY, grid, **args, chunk_size=1000, local=True)
    for size in (1, 4, 7):
        pd.testing.assert_frame_equal(hd.scan(DECAY, grid, **args, chunk_size=size, local=True), ref)
    pd.testing.assert_frame_equal(hd.scan(DECAY, grid, **args, chunk_size=3), ref)
    e_args = dict(start=0, end=2, points=3, selections=["time", "X"])
    e_ref = hd.ensemble(BIRTH_DEATH, 37, 5, **e_args, chunk_size=1000, local=True)
    for size in (1, 10):
        pd.testing.assert_frame_equal(
            hd.ensemble(BIRTH_DEATH, 37, 5, **e_args, chunk_size=size, local=True), e_ref
        )
    pd.testing.assert_frame_equal(hd.ensemble(BIRTH_DEATH, 37, 5, **e_args, chunk_size=6), e_ref)
    dists = {"k": ("uniform", 0.1, 1.0)}
    s_ref = hd.sample(DECAY, dists, 19, 3, end=1, points=2, final=True, chunk_size=1000, local=True)
    for size in (1, 5):
        pd.testing.assert_frame_equal(
            hd.sample(DECAY, dists, 19, 3, end=1, points=2, final=True, chunk_size=size, local=True), s_ref
        )


def test_ensemble_through_ray_equals_local_and_the_birth_death_mean(cluster) -> None:
    n, seed = 600, 2024
    args = dict(start=0, end=6, points=7, selections=["time", "X"])
    local = hd.ensemble(BIRTH_DEATH, n, seed, **args, chunk_size=150, local=True)
    remote = hd.ensemble(BIRTH_DEATH, n, seed, **args, chunk_size=100)
    pd.testing.assert_frame_equal(remote, local)
    assert list(local.columns) == ["item", "seed", "time", "X"]
    assert len(local) == n * 7
    # Per-item seeds: the documented stream, distinct for every item.
    seeds = local.groupby("item")["seed"].first()
    assert list(seeds) == [hd.item_seed(seed, i) for i in range(n)]
    assert seeds.nunique() == n
    child = np.random.SeedSequence(seed).spawn(3)[2]
    assert hd.item_seed(seed, 2) == int(child.generate_state(1, np.uint64)[0])
    # Item 7 is Model.simulate with its seed.
    one = her2sim.load(BIRTH_DEATH).simulate(0, 6, 7, ["time", "X"], method="ssa", seed=hd.item_seed(seed, 7))
    assert list(local[local["item"] == 7]["X"]) == list(one["X"])
    # 0 -> X at kb = 10, X -> 0 at kd * X (kd = 0.5), X(0) = 10: X(t) is Binomial(10, p) +
    # Poisson(20 (1 - p)) with p = exp(-kd t); mean 20 - 10 p.
    for t, group in local.groupby("time"):
        p = math.exp(-0.5 * t)
        mean = 20.0 - 10.0 * p
        var = 10.0 * p * (1 - p) + 20.0 * (1 - p)
        se = math.sqrt(var / n) if var > 0 else 1e-12
        assert abs(group["X"].mean() - mean) <= 5 * se + 1e-9, (t, group["X"].mean(), mean)
        if t >= 4:
            assert group["X"].var() == pytest.approx(var, rel=0.25)
    # Another seed, other trajectories; final=True keeps the last row of each.
    other = hd.ensemble(BIRTH_DEATH, n, seed + 1, **args, local=True)
    assert not other["X"].equals(local["X"])
    last = hd.ensemble(BIRTH_DEATH, n, seed, **args, final=True, chunk_size=250)
    assert list(last["X"]) == list(local[local["time"] == 6.0]["X"])


def test_sample_through_ray_equals_local_and_the_drawn_sets(cluster) -> None:
    dists = {"k": ("loguniform", 0.01, 1.0), "S": ("normal", 50.0, 5.0)}
    args = dict(start=0, end=2, points=3, selections=["time", "S"], final=True)
    local = hd.sample(DECAY, dists, 120, 99, **args, chunk_size=50, local=True)
    remote = hd.sample(DECAY, dists, 120, 99, **args, chunk_size=17)
    pd.testing.assert_frame_equal(remote, local)
    assert list(local.columns) == ["item", "k", "S@start", "time", "S"]
    drawn = hd.draw(dists, 120, 99)
    assert list(drawn["k"]) == list(local["k"]) and list(drawn["S"]) == list(local["S@start"])
    rng = np.random.default_rng(np.random.SeedSequence(99).spawn(5)[4])
    k4 = math.exp(rng.uniform(math.log(0.01), math.log(1.0)))
    assert local["k"].iloc[4] == k4 and local["S@start"].iloc[4] == rng.normal(50.0, 5.0)
    assert local["k"].between(0.01, 1.0).all()
    assert abs(np.log(local["k"]).mean() - math.log(0.1)) < 0.4
    assert abs(local["S@start"].mean() - 50.0) < 2.0
    for k, s0, s in zip(local["k"], local["S@start"], local["S"]):
        assert s == pytest.approx(s0 * math.exp(-2 * k), rel=1e-6)
    other = hd.draw({"x": ("uniform", 0, 1), "y": ("lognormal", 0, 1)}, 50, 1)
    assert other["x"].between(0, 1).all() and (other["y"] > 0).all()


def test_cohort_through_ray_equals_local_and_predict(cluster) -> None:
    conditions = [
        ("BT-474", "trastuzumab", 2),
        {"cell_line": "SK-BR-3", "treatment": "lapatinib", "days": 3, "modifiers": ["pten-loss"]},
        ("BT-474", "trastuzumab+pertuzumab"),
        ("NCI-N87", "lapatinib", 1.5),
        ("BT-474", "untreated", 2),
    ]
    local = hd.cohort(conditions, chunk_size=2, local=True)
    remote = hd.cohort(conditions, chunk_size=1)
    pd.testing.assert_frame_equal(remote, local)
    assert "chunk" in hd._REMOTE  # the runs went through Ray tasks
    assert list(local.columns[:5]) == ["item", "cell_line", "treatment", "modifiers", "days"]
    expected = [
        her2sim.predict("BT-474", "trastuzumab", 2),
        her2sim.predict("SK-BR-3", "lapatinib", 3, ["pten-loss"]),
        her2sim.predict("BT-474", "trastuzumab+pertuzumab"),
        her2sim.predict("NCI-N87", "lapatinib", 1.5),
        her2sim.predict("BT-474", "untreated", 2),
    ]
    for i, p in enumerate(expected):
        row = local.iloc[i]
        assert row["cell_line"] == p["cell_line"] and row["treatment"] == p["treatment"]
        assert row["modifiers"] == ",".join(p["modifiers"]) and row["days"] == p["days"]
        for key, value in p.items():
            if key in ("cell_line", "treatment", "modifiers", "days"):
                continue
            if key == "absolute":
                for readout, values in value.items():
                    for side in ("treated", "untreated"):
                        assert row[f"{readout}_{side}"] == values[side], (i, readout, side)
                continue
            if value is None:
                assert math.isnan(row[key])
            else:
                assert row[key] == value, (i, key)
    assert local["viable_cells"].iloc[0] < 1.0


def test_without_ray_a_clear_error_unless_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match="pip install"):
        hd.scan(DECAY, {"k": [1.0]}, 0, 1, 2, ["S"])
    with pytest.raises(ImportError, match="local=True"):
        hd.cohort([("BT-474", "trastuzumab")])
    df = hd.scan(DECAY, {"k": [1.0]}, 0, 1, 2, ["S"], final=True, local=True)
    assert df["S"].iloc[0] == pytest.approx(10 * math.exp(-1), rel=1e-6)


def test_bad_arguments_raise_before_any_task() -> None:
    with pytest.raises(her2sim.Her2simError):
        hd.scan("/no/such/model.xml", {"k": [1.0]}, local=True)
    with pytest.raises(TypeError, match="her2sim.Model"):
        hd.scan(her2sim.load(DECAY), {"k": [1.0]}, local=True)  # type: ignore[arg-type]
    with pytest.raises(her2sim.Her2simError, match="same ids"):
        hd.scan(DECAY, [{"k": 1.0}, {"S": 2.0}], local=True)
    with pytest.raises(her2sim.Her2simError, match="unknown kind"):
        hd.sample(DECAY, {"k": ("gamma", 1, 2)}, 3, 1, local=True)
    with pytest.raises(her2sim.Her2simError, match="a < b"):
        hd.draw({"k": ("uniform", 2, 1)}, 3, 1)
    with pytest.raises(her2sim.Her2simError, match="seed"):
        hd.ensemble(BIRTH_DEATH, 3, -1, local=True)
    with pytest.raises(her2sim.Her2simError, match="chunk_size"):
        hd.ensemble(BIRTH_DEATH, 3, 1, chunk_size=0, local=True)
    with pytest.raises(her2sim.Her2simError, match="unknown id|k2|not"):
        hd.scan(DECAY, {"k2": [1.0]}, local=True)
    with pytest.raises(her2sim.Her2simError, match="conditions"):
        hd.cohort([("BT-474",)], local=True)


def test_stubs_match_the_code() -> None:
    path = Path(hd.__file__).with_suffix(".pyi")
    assert path.exists(), f"{path} is not installed"
    tree = ast.parse(path.read_text())
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert set(hd.__all__) <= set(functions)
    for name in hd.__all__:
        a = functions[name].args
        positional = a.posonlyargs + a.args
        defaults = [None] * (len(positional) - len(a.defaults)) + [ast.unparse(d) for d in a.defaults]
        stub = [(p.arg, d) for p, d in zip(positional, defaults)]
        stub += [(p.arg, None if d is None else ast.unparse(d)) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
        runtime = [
            (p.name, None if p.default is inspect.Parameter.empty else repr(p.default))
            for p in inspect.signature(getattr(hd, name)).parameters.values()
        ]
        assert stub == runtime, name
