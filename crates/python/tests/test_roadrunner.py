"""her2sim against libRoadRunner (2.10.0), each through its own Python API, on curated
BioModels and SBML Test Suite models: the same time courses within the corpus pass rule
(|x - ref| <= 1e-6 + 1e-4 |ref|), also after changing a parameter and a start value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import roadrunner

import her2sim
from conftest import BIOMODELS, REPO, shared, suite_case, suite_selection

ATOL, RTOL = 1e-6, 1e-4


def settings(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def roadrunner_course(
    model: Path, start: float, end: float, points: int, select: list[str],
    atol: float, rtol: float, changes: dict[str, float],
) -> np.ndarray:
    rr = roadrunner.RoadRunner(str(model))
    rr.integrator.absolute_tolerance = atol
    rr.integrator.relative_tolerance = rtol
    for k, v in changes.items():
        rr[k] = v
    rr.timeCourseSelections = select
    return np.array(rr.simulate(start, end, points))


def her2sim_course(
    model: Path, start: float, end: float, points: int, select: list[str],
    atol: float, rtol: float, changes: dict[str, float],
) -> np.ndarray:
    m = her2sim.load(model)
    for k, v in changes.items():
        m[k] = v
    return m.simulate(start, end, points, selections=select, atol=atol, rtol=rtol).to_numpy()


def assert_agree(ours: np.ndarray, ref: np.ndarray, what: str) -> None:
    assert ours.shape == ref.shape, (what, ours.shape, ref.shape)
    bad = np.abs(ours - ref) > ATOL + RTOL * np.abs(ref)
    assert not bad.any(), (what, np.argwhere(bad)[:5], ours[bad][:5], ref[bad][:5])


def first_constant_parameter(model: Path) -> str | None:
    """A global constant parameter (None where the model has only kinetic-law locals)."""
    m = her2sim.load(model)
    ids = [p["id"] for p in m.parameters if not p["local"] and p["determined_by"] == "constant"]
    return ids[0] if ids else None


@pytest.mark.parametrize(
    "model_id", ["BIOMD0000000010", "BIOMD0000000048", "BIOMD0000000008", "her2_network"]
)
def test_time_courses_agree_with_libroadrunner(model_id: str) -> None:
    if model_id == "her2_network":
        model = shared(REPO / "models" / "her2" / "her2_network.xml")
        m = her2sim.load(model)
        select = ["time"] + [f"[{s['id']}]" for s in m.species][:30]
        start, end, points, atol, rtol = 0.0, 600.0, 61, 1e-12, 1e-10
    else:
        d = shared(BIOMODELS / model_id)
        model = d / "model.xml"
        s = settings(d / "settings.txt")
        select = s["select"].split(",")
        start = float(s["start"])
        end = start + float(s["duration"])
        points = int(s["steps"]) + 1
        atol, rtol = float(s["atol"]), float(s["rtol"])
    args = (model, start, end, points, select, atol, rtol)
    assert_agree(her2sim_course(*args, {}), roadrunner_course(*args, {}), model_id)
    # The same change made through each API: the first species' start concentration halved,
    # a global parameter 30 % up.
    m = her2sim.load(model)
    species = select[1]
    changes = {species: 0.5 * m[species]}
    k = first_constant_parameter(model)
    if k is not None:
        changes[k] = 1.3 * m[k]
    assert_agree(
        her2sim_course(*args, changes), roadrunner_course(*args, changes), f"{model_id} {changes}"
    )


@pytest.mark.parametrize("case", ["00001", "00026", "00374"])
def test_suite_models_agree_with_libroadrunner(case: str) -> None:
    path, s, _, _ = suite_case(case)
    select = suite_selection(s)
    start = float(s["start"])
    args = (path, start, start + float(s["duration"]), int(s["steps"]) + 1, select, 1e-12, 1e-10)
    assert_agree(her2sim_course(*args, {}), roadrunner_course(*args, {}), case)


@pytest.mark.parametrize("model_id", ["BIOMD0000000041", "BIOMD0000000262"])
def test_steady_state_agrees_with_libroadrunner(model_id: str) -> None:
    model = shared(BIOMODELS / model_id / "model.xml")
    rr = roadrunner.RoadRunner(str(model))
    rr.conservedMoietyAnalysis = True
    names = [f"[{s}]" for s in rr.model.getFloatingSpeciesIds()]
    rr.steadyStateSelections = names
    rr.steadyState()
    theirs = dict(zip(names, rr.getSteadyStateValues()))
    ours = her2sim.load(model).steady_state(names)
    assert list(ours) == names
    for n in names:
        assert abs(ours[n] - theirs[n]) <= ATOL + RTOL * abs(theirs[n]), (n, ours[n], theirs[n])
