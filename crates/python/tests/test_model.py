"""her2sim.load / Model: time courses against the SBML Test Suite, selections, set values and
reset, steady states, stochastic reproducibility, errors, and the GIL released while running."""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import her2sim
from conftest import (
    BIRTH_DEATH,
    REVERSIBLE,
    suite_case,
    suite_selection,
    within,
)


@pytest.mark.parametrize("case", ["00001", "00026", "00029", "00374", "00462"])
@pytest.mark.parametrize("method", ["auto", "bdf", "rodas4"])
def test_suite_case_matches_its_results(case: str, method: str) -> None:
    path, settings, header, expected = suite_case(case)
    m = her2sim.load(path)
    start = float(settings["start"])
    steps = int(settings["steps"])
    end = start + float(settings["duration"])
    selections = suite_selection(settings)
    df = m.simulate(start, end, steps + 1, selections=selections, method=method)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == selections
    assert len(df) == len(expected) == steps + 1
    atol, rtol = float(settings["absolute"]), float(settings["relative"])
    for name in header[1:]:
        col = name if name in df.columns else f"[{name}]"
        j = header.index(name)
        for i, row in enumerate(expected):
            assert within(df[col].iloc[i], row[j], atol, rtol), (case, name, i, df[col].iloc[i], row[j])
    for i, row in enumerate(expected):
        assert abs(df["time"].iloc[i] - row[0]) <= 1e-12 * max(1.0, abs(row[0]))


def test_load_accepts_a_path_a_string_path_and_sbml_text() -> None:
    path, *_ = suite_case("00001")
    a = her2sim.load(path).simulate(0, 5, 11, ["time", "S1", "S2"])
    b = her2sim.load(str(path)).simulate(0, 5, 11, ["time", "S1", "S2"])
    c = her2sim.load(path.read_text()).simulate(0, 5, 11, ["time", "S1", "S2"])
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    assert her2sim.load(path).source == str(path)
    assert her2sim.load(path.read_text()).source is None


def test_amounts_and_concentrations_follow_the_compartment() -> None:
    m = her2sim.load(REVERSIBLE)
    df = m.simulate(0, 1, 5, selections="time,A,[A],B,[B],cell")
    assert list(df.columns) == ["time", "A", "[A]", "B", "[B]", "cell"]
    assert (df["cell"] == 2.0).all()
    for i in range(len(df)):
        assert df["A"].iloc[i] == pytest.approx(2.0 * df["[A]"].iloc[i], rel=1e-12)
        assert df["A"].iloc[i] + df["B"].iloc[i] == pytest.approx(1.0, rel=1e-7)
    # The analytic solution: [A](t) = 0.5 * (kr + kf * exp(-(kf + kr) t)) / (kf + kr).
    for t, a in zip(df["time"], df["[A]"]):
        assert a == pytest.approx(0.5 * (1 + 2 * math.exp(-3 * t)) / 3, rel=1e-6)


def test_default_selection_is_time_and_species_concentrations() -> None:
    df = her2sim.load(REVERSIBLE).simulate(0, 1, 3)
    assert list(df.columns) == ["time", "[A]", "[B]"]
    assert list(df["time"]) == [0.0, 0.5, 1.0]


def test_typed_info_lists() -> None:
    m = her2sim.load(REVERSIBLE)
    assert [s["id"] for s in m.species] == ["A", "B"]
    a = m.species[0]
    assert a == {
        "id": "A",
        "compartment": "cell",
        "amount_valued": False,
        "boundary": False,
        "determined_by": "reactions",
    }
    assert [(p["id"], p["local"], p["determined_by"]) for p in m.parameters] == [
        ("kf", False, "constant"),
        ("kr", False, "constant"),
    ]
    assert m.compartments == [{"id": "cell", "dimensions": 3.0, "determined_by": "constant"}]
    assert m.reactions == ["forward", "back"]
    assert "2 species" in repr(m)


def test_set_read_and_reset() -> None:
    m = her2sim.load(REVERSIBLE)
    assert m["kf"] == 2.0
    assert m["A"] == 1.0 and m["[A]"] == 0.5
    assert m["forward"] == pytest.approx(2.0 * 2.0 * 0.5)  # a reaction id reads its rate
    base = m.simulate(0, 2, 5, ["time", "[A]"])
    m["kf"] = 1.0
    m["[A]"] = 0.25  # a concentration: amount 0.5
    assert m["kf"] == 1.0 and m["A"] == 0.5
    assert m.values == {"kf": 1.0, "[A]": 0.25}
    changed = m.simulate(0, 2, 5, ["time", "[A]"])
    # With kf = kr = 1 and [A] + [B] = 0.25: [A](t) = 0.125 * (1 + exp(-2t)).
    for t, a in zip(changed["time"], changed["[A]"]):
        assert a == pytest.approx(0.125 * (1 + math.exp(-2 * t)), rel=1e-6)
    m["kf"] = 3.0  # setting again replaces
    assert m.values == {"[A]": 0.25, "kf": 3.0}
    m.reset()
    assert m.values == {}
    assert m["kf"] == 2.0
    pd.testing.assert_frame_equal(m.simulate(0, 2, 5, ["time", "[A]"]), base)


def test_steady_state_is_the_analytic_one() -> None:
    m = her2sim.load(REVERSIBLE)
    ss = m.steady_state()
    assert set(ss) == {"[A]", "[B]"}
    assert ss["[A]"] == pytest.approx(0.5 / 3, rel=1e-7)
    assert ss["[B]"] == pytest.approx(1.0 / 3, rel=1e-7)
    m["kf"] = 1.0
    ss = m.steady_state(["A", "B"])
    assert ss["A"] == pytest.approx(0.5, rel=1e-7) and ss["B"] == pytest.approx(0.5, rel=1e-7)
    # Assigning the steady state back gives a flat time course.
    for k, v in ss.items():
        m[k] = v
    df = m.simulate(0, 100, 3, ["time", "A"])
    assert df["A"].to_numpy() == pytest.approx([0.5] * 3, rel=1e-7)


def test_ssa_same_seed_same_frame() -> None:
    m = her2sim.load(BIRTH_DEATH)
    a = m.simulate(0, 10, 21, ["time", "X"], method="ssa", seed=7)
    b = m.simulate(0, 10, 21, ["time", "X"], method="ssa", seed=7)
    c = m.simulate(0, 10, 21, ["time", "X"], method="ssa", seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert (a["X"] == a["X"].round()).all(), "molecule counts are whole numbers"
    ens = m.simulate(0, 10, 11, ["time", "X-mean", "X-sd"], method="ssa", replicates=400, seed=1)
    assert list(ens.columns) == ["time", "X-mean", "X-sd"]
    # Mean kb/kd = 20 at t = 10 (Poisson: sd sqrt(20)); 400 replicates: mean within ~5 sd/20.
    assert ens["X-mean"].iloc[-1] == pytest.approx(20.0, abs=1.5)
    assert ens["X-sd"].iloc[-1] == pytest.approx(math.sqrt(20.0), rel=0.2)
    # Without selections, as the CLI: time and every species amount (mean and sd with
    # several replicates).
    assert list(m.simulate(0, 1, 2, method="ssa", replicates=3, seed=1).columns) == [
        "time",
        "X-mean",
        "X-sd",
    ]
    assert list(m.simulate(0, 1, 2, method="ssa", seed=1).columns) == ["time", "X"]


def test_ssa_non_integer_start_amounts() -> None:
    """A start amount of 2.6 molecules is refused naming the species, unless rounded (3) or
    floored (2) on request; the first row holds the rounded count."""
    assert 'initialAmount="10"' in BIRTH_DEATH
    m = her2sim.load(BIRTH_DEATH.replace('initialAmount="10"', 'initialAmount="2.6"'))
    with pytest.raises(her2sim.Her2simError, match="X"):
        m.simulate(0, 1, 2, ["time", "X"], method="ssa", seed=1)
    assert m.simulate(0, 1, 2, ["time", "X"], method="ssa", seed=1, ssa_initial="round")["X"][0] == 3
    assert m.simulate(0, 1, 2, ["time", "X"], method="ssa", seed=1, ssa_initial="floor")["X"][0] == 2
    with pytest.raises(her2sim.Her2simError, match="ssa_initial"):
        m.simulate(0, 1, 2, method="ssa", ssa_initial="nearest")


def test_errors_raise_her2simerror_naming_the_problem(tmp_path: Path) -> None:
    assert issubclass(her2sim.Her2simError, ValueError)
    missing = tmp_path / "missing.xml"
    with pytest.raises(her2sim.Her2simError, match="missing.xml"):
        her2sim.load(missing)
    bad = tmp_path / "bad.xml"
    bad.write_text("<sbml><model>")
    with pytest.raises(her2sim.Her2simError, match="bad.xml: line 1"):
        her2sim.load(bad)
    m = her2sim.load(REVERSIBLE)
    with pytest.raises(her2sim.Her2simError, match="unknown selection 'nope'"):
        m["nope"]
    with pytest.raises(her2sim.Her2simError, match="unknown selection 'nope'"):
        m["nope"] = 1.0
    with pytest.raises(her2sim.Her2simError, match="unknown selection 'Q'"):
        m.simulate(selections=["time", "Q"])
    with pytest.raises(her2sim.Her2simError, match="cannot be set to NaN"):
        m["kf"] = float("nan")
    with pytest.raises(her2sim.Her2simError, match="unknown selection 'time'"):
        m["time"] = 1.0
    with pytest.raises(her2sim.Her2simError, match="computed by a rule or kinetic law"):
        m["forward"] = 1.0
    with pytest.raises(her2sim.Her2simError, match="method must be"):
        m.simulate(method="euler")
    with pytest.raises(her2sim.Her2simError, match="points must be at least 2"):
        m.simulate(points=1)
    with pytest.raises(her2sim.Her2simError, match="tolerances must be positive"):
        m.simulate(atol=-1.0)
    with pytest.raises(her2sim.Her2simError, match="computed for one run"):
        m.simulate(replicates=3, sensitivities=["kf"])
    m["kf"] = 1.0
    with pytest.raises(her2sim.Her2simError, match="not supported with method='ssa'"):
        m.simulate(method="ssa")
    with pytest.raises(TypeError):
        her2sim.load(42)  # type: ignore[arg-type]


def test_the_gil_is_released_while_simulating() -> None:
    m = her2sim.load(BIRTH_DEATH)

    def timed_run(replicates: int) -> tuple[int, float]:
        """Counts the main thread's ticks while a simulation runs on another thread."""
        done = threading.Event()

        def run() -> None:
            m.simulate(0, 200, 201, ["time", "X-mean"], method="ssa", replicates=replicates, seed=1)
            done.set()

        t = threading.Thread(target=run)
        started = time.perf_counter()
        t.start()
        ticks = 0
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)
        t.join()
        return ticks, time.perf_counter() - started

    # The workload grows until the run is long enough to tell, whatever the machine's speed.
    replicates = 1000
    ticks, elapsed = timed_run(replicates)
    while elapsed < 0.2 and replicates < 256_000:
        replicates *= 4
        ticks, elapsed = timed_run(replicates)
    assert elapsed > 0.1, f"the simulation was too short to tell ({elapsed:.3f} s)"
    # Held GIL: this loop could not run while the simulation did.
    assert ticks > 0.2 * elapsed / 0.001 * 0.1, (ticks, elapsed)


def test_tables_without_pandas_or_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    m = her2sim.load(REVERSIBLE)
    frame = m.simulate(0, 1, 3, ["time", "[A]"])
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)  # import pandas fails
    arr = m.simulate(0, 1, 3, ["time", "[A]"])
    assert arr.dtype.names == ("time", "[A]")
    assert list(arr["[A]"]) == list(frame["[A]"])
    monkeypatch.setitem(__import__("sys").modules, "numpy", None)
    plain = m.simulate(0, 1, 3, ["time", "[A]"])
    assert plain == {"time": [0.0, 0.5, 1.0], "[A]": list(frame["[A]"])}


def test_forward_sensitivities_are_the_analytic_ones() -> None:
    # Suite case 00001: S1 -> S2 at rate k1*S1 (k1 = 1, compartment of size 1, S1(0) = 1.5e-4):
    # S1 = S1(0) e^(-k1 t), so dS1/dk1 = -t S1 and dS1/dS1(0) = e^(-t).
    path, _, _, _ = suite_case("00001")
    m = her2sim.load(path)
    df = m.simulate(0, 4, 5, ["time", "S1"], sensitivities=["k1", "S1"])
    assert list(df.columns) == ["time", "S1", "dS1/dk1", "dS1/dS1"]
    for t, s1, ds_dk, ds_ds0 in df.itertuples(index=False):
        assert s1 == pytest.approx(1.5e-4 * math.exp(-t), rel=1e-7)
        assert ds_dk == pytest.approx(-t * s1, rel=1e-6, abs=1e-15)
        assert ds_ds0 == pytest.approx(math.exp(-t), rel=1e-6)
    with pytest.raises(her2sim.Her2simError, match="method='bdf'"):
        m.simulate(0, 1, 2, ["time", "S1"], method="rodas4", sensitivities="k1")


DISTRIB = """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"
 xmlns:distrib="http://www.sbml.org/sbml/level3/version1/distrib/version1" distrib:required="true">
<model id="m">
<listOfParameters><parameter id="k" value="1" constant="true"/></listOfParameters>
<listOfInitialAssignments><initialAssignment symbol="k"><math xmlns="http://www.w3.org/1998/Math/MathML">
<apply><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/distrib/normal">normal</csymbol>
<cn>2</cn><cn>0.5</cn></apply></math></initialAssignment></listOfInitialAssignments>
</model></sbml>"""


def test_deterministic_replicates_sample_distrib_draws() -> None:
    m = her2sim.load(DISTRIB)
    df = m.simulate(0, 1, 2, selections=["time", "k-mean", "k-sd"], replicates=4000, seed=3)
    # k ~ normal(2, 0.5): the mean within 4 standard errors, the sd within 5 %.
    assert abs(float(df["k-mean"][0]) - 2.0) < 4 * 0.5 / 4000**0.5
    assert abs(float(df["k-sd"][0]) - 0.5) < 0.025
    again = m.simulate(0, 1, 2, selections=["time", "k-mean", "k-sd"], replicates=4000, seed=3)
    assert (df.to_numpy() == again.to_numpy()).all()

