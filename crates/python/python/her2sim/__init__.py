"""her2sim from Python: an exact SBML simulator and the HER2 in-silico laboratory.

    import her2sim
    m = her2sim.load("model.xml")              # a file path, or the SBML text itself
    df = m.simulate(0, 10, 101, selections=["time", "S1", "[S2]"])
    m["k1"] = 2.0                               # a start value for later runs
    ss = m.steady_state()                       # {"[S1]": ..., ...}
    m.reset()                                   # the model's own start values again

    her2sim.predict("BT-474", "trastuzumab+pertuzumab", days=5)   # = her2sim predict --json
    her2sim.dose_response("BT-474", "lapatinib", "1nM..10uM:9")   # DataFrame (+ .attrs["fit"])
    her2sim.combo("BT-474", ["trastuzumab", "paclitaxel"], ["0.1ug/mL..10ug/mL:5", "1nM..100nM:5"])
    her2sim.study("examples/study.toml")      # or a dict with the study file's keys, or nothing

Tables are pandas DataFrames; without pandas, numpy structured arrays (field names = columns);
without numpy, dicts of lists. Every failure raises ``Her2simError`` (a ``ValueError``) with the
message the command line prints. The GIL is released while Rust computes.
"""

from __future__ import annotations

import array
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import _her2sim as _native
from ._her2sim import Her2simError

__all__ = [
    "Her2simError",
    "Model",
    "load",
    "predict",
    "dose_response",
    "combo",
    "study",
    "fit",
    "PetabProblem",
    "trial",
]

def _time_course(columns: list[str], data: bytes, rows: int) -> Any:
    """A time course (f64 values row by row) as a DataFrame, structured array or dict."""
    try:
        import numpy as np
    except ImportError:
        values = array.array("d")
        values.frombytes(data)
        n = len(columns)
        return {c: list(values[j::n]) for j, c in enumerate(columns)}
    matrix = np.frombuffer(data, dtype=np.float64).reshape(rows, len(columns)).copy()
    try:
        import pandas as pd
    except ImportError:
        return matrix.view([(c, np.float64) for c in columns]).reshape(rows)
    return pd.DataFrame(matrix, columns=columns)


def _table(columns: Sequence[tuple[str, list[Any]]]) -> Any:
    """Named columns as a DataFrame, structured array or dict (in column order)."""
    try:
        import pandas as pd
    except ImportError:
        pass
    else:
        return pd.DataFrame({name: values for name, values in columns})
    try:
        import numpy as np
    except ImportError:
        return {name: values for name, values in columns}
    return np.rec.fromarrays(
        [np.asarray(values) for _, values in columns], names=[name for name, _ in columns]
    )


def _names(value: str | Iterable[str] | None, what: str) -> list[str] | None:
    """A list of names from a list, or a comma-separated string."""
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    names = list(value)
    for n in names:
        if not isinstance(n, str):
            raise TypeError(f"{what}: expected names (str), got {type(n).__name__}")
    return names


def _strings(value: str | Iterable[str], what: str) -> list[str]:
    """One string or several, as a list."""
    if isinstance(value, str):
        return [value]
    return _names(value, what) or []


def _series(doses: str | Iterable[str], what: str) -> str:
    """A dose series: "1nM..10uM:12", "1nM,10nM", or a list of doses ["1nM", "10 nM"]."""
    if isinstance(doses, str):
        return doses
    items = list(doses)
    for d in items:
        if not isinstance(d, str):
            raise TypeError(f"{what}: give doses with units as strings, e.g. '10nM', got {d!r}")
    return ",".join(items)


class Model:
    """A compiled SBML model (see ``load``).

    Every run starts from the model's start values with the values set by ``model[id] = x``
    applied; ``reset()`` forgets them. Ids follow libRoadRunner: ``S1`` is a species amount,
    ``[S1]`` its concentration; parameters, compartments and reactions (their rate) by id.
    """

    __slots__ = ("_m",)

    def __init__(self, native: _native.Model) -> None:
        self._m = native

    def __repr__(self) -> str:
        where = self._m.source or "<SBML text>"
        return (
            f"<her2sim.Model {where}: {len(self.species)} species, "
            f"{len(self.reactions)} reactions, {len(self._m.set_values())} values set>"
        )

    @property
    def source(self) -> str | None:
        """The file the model was read from (None for SBML text)."""
        return self._m.source

    @property
    def species(self) -> list[dict[str, Any]]:
        """Species: id, compartment, amount_valued, boundary, determined_by."""
        return json.loads(self._m.species_json())

    @property
    def parameters(self) -> list[dict[str, Any]]:
        """Parameters (global, then kinetic-law local ones as ``reaction.id``): id, local,
        determined_by."""
        return json.loads(self._m.parameters_json())

    @property
    def compartments(self) -> list[dict[str, Any]]:
        """Compartments: id, dimensions, determined_by."""
        return json.loads(self._m.compartments_json())

    @property
    def reactions(self) -> list[str]:
        """Reaction ids."""
        return self._m.reactions()

    @property
    def values(self) -> dict[str, float]:
        """The start values set with ``model[id] = x`` (in the order they were set)."""
        return dict(self._m.set_values())

    def __getitem__(self, name: str) -> float:
        """The value at time 0 with the set values applied (``k1``, ``S1``, ``[S1]``, ...)."""
        if not isinstance(name, str):
            raise TypeError(f"model ids are strings, got {type(name).__name__}")
        return self._m.get(name, 0.0)

    def __setitem__(self, name: str, value: float) -> None:
        """Sets a start value for later runs; what depends on it is recomputed."""
        if not isinstance(name, str):
            raise TypeError(f"model ids are strings, got {type(name).__name__}")
        self._m.set(name, float(value))

    def reset(self) -> None:
        """Forgets every value set with ``model[id] = x``."""
        self._m.reset()

    def simulate(
        self,
        start: float = 0.0,
        end: float = 10.0,
        points: int = 101,
        selections: str | Iterable[str] | None = None,
        method: str = "auto",
        replicates: int = 1,
        seed: int | None = None,
        atol: float | None = None,
        rtol: float | None = None,
        *,
        max_steps: int | None = None,
        tau_leap: float | None = None,
        sensitivities: str | Iterable[str] | None = None,
        ssa_initial: str = "error",
    ) -> Any:
        """A time course: ``points`` rows evenly spaced from ``start`` to ``end``.

        selections: column names (default: time and every species concentration; with
            ``method="ssa"``, time and every species amount, as ``NAME-mean`` and
            ``NAME-sd`` with several replicates, as ``her2sim simulate --method ssa``).
        method: "auto" (default: explicit DOP853 while the model is not stiff, BDF once it
            is), "bdf", "rodas4", or "ssa" (Gillespie's direct method; species as molecule
            counts).
        replicates: independent runs reported as ``NAME-mean`` / ``NAME-sd``: SSA
            trajectories, or (bdf, rodas4) deterministic runs that differ in their SBML
            ``distrib`` draws (e.g. a rate constant drawn from ``normal(1, 0.1)``).
        seed: random seed (SSA and replicate streams, distrib draws, ties among simultaneous
            events). For SSA, None draws a fresh one; for the deterministic methods it
            defaults to 1.
        atol, rtol: integrator tolerances (default 1e-12 and 1e-8).
        max_steps: step budget (solver steps between discontinuities, or SSA steps).
        tau_leap: with SSA, adaptive tau-leaping with this epsilon (e.g. 0.03).
        ssa_initial: with SSA, start amounts that are not whole molecule counts are refused
            ("error", naming the species), or rounded ("round", as libRoadRunner's gillespie)
            or rounded down ("floor").
        sensitivities: parameters, compartment sizes or start values (``k1``, ``[S1]``) to
            differentiate by: after the selected columns, one column ``dX/dp`` per selected X
            and p (forward sensitivities integrated with BDF).
        """
        columns, data, rows = self._m.simulate(
            float(start),
            float(end),
            int(points),
            _names(selections, "selections"),
            method,
            int(replicates),
            None if seed is None else int(seed),
            None if atol is None else float(atol),
            None if rtol is None else float(rtol),
            None if max_steps is None else int(max_steps),
            None if tau_leap is None else float(tau_leap),
            _names(sensitivities, "sensitivities"),
            str(ssa_initial),
        )
        return _time_course(columns, data, rows)

    def steady_state(
        self,
        selections: str | Iterable[str] | None = None,
        *,
        start: float = 0.0,
        max_time: float = 1e9,
        atol: float | None = None,
        rtol: float | None = None,
    ) -> dict[str, float]:
        """Runs from ``start`` until every rate is below ``atol + rtol * |x|`` (the integrator
        tolerances, default 1e-12 and 1e-8), at most ``max_time`` time units; returns the
        selected values there (default: every species concentration, ``[S]``).

        The model is not changed; to start later runs from the steady state, assign the
        values back: ``for k, v in ss.items(): model[k] = v``.
        """
        names, values, _ = self._m.steady_state(
            _names(selections, "selections"),
            float(start),
            float(max_time),
            None if atol is None else float(atol),
            None if rtol is None else float(rtol),
        )
        return dict(zip(names, values))


def load(model: str | os.PathLike[str]) -> Model:
    """Reads and compiles an SBML model (Level 2 or 3) from a file path or from SBML text
    (a string that starts with ``<``)."""
    if isinstance(model, os.PathLike):
        return Model(_native.load_file(os.fspath(model)))
    if isinstance(model, str):
        if model.lstrip().startswith("<"):
            return Model(_native.load_text(model))
        return Model(_native.load_file(model))
    raise TypeError(f"load() takes a file path or SBML text, got {type(model).__name__}")


def predict(
    cell_line: str,
    treatment: str,
    days: float = 5.0,
    modifiers: str | Iterable[str] = (),
) -> dict[str, Any]:
    """One cell line (with resistance modifiers) under one treatment: every read-out relative
    to the same condition untreated at the same time (1.0 = no effect). The dict is the JSON
    object of ``her2sim predict --json`` (keys: cell_line, modifiers, treatment, days, then
    each read-out; None where a ratio is undefined)."""
    return json.loads(
        _native.predict(cell_line, treatment, float(days), _strings(modifiers, "modifiers"))
    )


def dose_response(
    cell_line: str,
    treatment: str,
    doses: str | Iterable[str],
    *,
    readout: str = "viable_cells",
    days: float = 5.0,
    modifiers: str | Iterable[str] = (),
) -> Any:
    """A dose series of one strategy simulated in the HER2 laboratory, with a four-parameter
    Hill fit. ``doses``: "1nM..10uM:12" (log-spaced), "1nM,10nM" or ["1nM", "10nM"].

    Columns (as the report's dose_response.csv): condition, strategy, dose, dose_nM, readout,
    response, ic50_nM, hill, emax, e0. With pandas, ``.attrs["fit"]`` holds the fit with 95 %
    confidence intervals and R² (as ``her2sim dose-response --json``), or ``{"error": ...}``.
    """
    columns, fit = _native.dose_response(
        cell_line,
        treatment,
        _series(doses, "doses"),
        readout,
        float(days),
        _strings(modifiers, "modifiers"),
    )
    table = _table(columns)
    if hasattr(table, "attrs"):
        table.attrs["fit"] = json.loads(fit)
    return table


def combo(
    cell_line: str,
    treatments: Sequence[str],
    doses: Sequence[str | Iterable[str]],
    *,
    readout: str = "viable_cells",
    days: float = 5.0,
    modifiers: str | Iterable[str] = (),
) -> Any:
    """A dose matrix of two strategies (each series plus the untreated edge) simulated in the
    HER2 laboratory and scored for synergy (HSA, Bliss, Loewe, ZIP; SynergyFinder's sign and
    scale: positive = synergy, % points).

    Columns (as the report's synergy.csv): condition, drug1, drug2, dose1_nM, dose2_nM,
    response, hsa, bliss, loewe, zip (per-cell scores; NaN on the single-agent edges). With
    pandas, ``.attrs["scores"]`` holds each model's summary score (or ``{"error": ...}``).
    """
    if isinstance(treatments, str):
        raise TypeError("treatments: give a list of two strategies")
    if isinstance(doses, str):
        raise TypeError("doses: give a list of two dose series")
    columns, scores = _native.combo(
        cell_line,
        _names(treatments, "treatments") or [],
        [_series(d, "doses") for d in doses],
        readout,
        float(days),
        _strings(modifiers, "modifiers"),
    )
    table = _table(columns)
    if hasattr(table, "attrs"):
        table.attrs["scores"] = json.loads(scores)
    return table


def study(
    source: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    out: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Runs a study: a study file (TOML, see examples/), a dict with the study file's keys
    (cell_lines, treatments, modifiers, days, samples_per_day, dose_response, combination,
    name, description), or the default study (no argument).

    Returns a dict: study, description, days, report (path of index.html or None), ranking
    (rows of ``her2sim study --json``), and the report's tables predictions, time_courses,
    dose_response and synergy. With ``out``, also writes the report directory there.
    """
    path = json_text = None
    if source is None:
        pass
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
    elif isinstance(source, Mapping):
        try:
            json_text = json.dumps(dict(source), allow_nan=False)
        except (TypeError, ValueError) as e:
            raise Her2simError(f"study: the dict must hold only strings, numbers and lists: {e}") from e
    else:
        raise TypeError(
            f"study() takes a study file path, a dict or nothing, got {type(source).__name__}"
        )
    summary, tables = _native.study(path, json_text, None if out is None else os.fspath(out))
    result: dict[str, Any] = json.loads(summary)
    for name, columns in tables:
        result[name] = _table(columns)
    return result


def fit(
    problem: str | os.PathLike[str],
    *,
    starts: int = 20,
    seed: int = 1,
    max_iterations: int = 200,
    out: str | os.PathLike[str] | None = None,
    optimizer: str = "trust-region",
) -> dict[str, Any]:
    """Fits a PEtab problem (its YAML file), as ``her2sim fit`` does: Latin-hypercube starts
    within the bounds, a bounded optimiser on the parameter scales (``"trust-region"``:
    trust-region reflective with the Gauss-Newton Hessian, as fides; ``"lm"``: projected
    Levenberg-Marquardt) with Jacobians from forward sensitivities where they apply.

    Returns the ``her2sim fit --json`` object: best_llh, best_log_posterior, parameters
    (estimated ids on the linear scale), starts, converged, seconds. With ``out``, also
    writes the report directory (parameters.tsv, starts.csv, index.html).
    """
    summary = _native.fit(
        os.fspath(problem),
        int(starts),
        int(seed),
        int(max_iterations),
        None if out is None else os.fspath(out),
        str(optimizer),
    )
    result: dict[str, Any] = json.loads(summary)
    return result


class PetabProblem:
    """A PEtab problem read once, for external optimisers (pyPESTO, scipy).

    ``objective(x)`` takes the estimated parameters on their scales (order:
    ``parameter_ids``) and returns the negative log-posterior, its gradient (from forward
    sensitivities where they apply) and the Gauss-Newton / Fisher-information Hessian, as
    lists (or numpy arrays when numpy is present). ``start_points(n, seed)`` gives the
    Latin-hypercube starts ``fit(starts=n, seed=seed)`` uses, so that another optimiser can
    be compared from the same points. With pyPESTO::

        p = her2sim.PetabProblem("problem.yaml")
        obj = pypesto.Objective(fun=p.objective, grad=True, hess=True)
        lb, ub = zip(*p.bounds)
        problem = pypesto.Problem(obj, lb=list(lb), ub=list(ub), x_names=p.parameter_ids)
    """

    __slots__ = ("_p", "_path")

    def __init__(self, problem: str | os.PathLike[str]) -> None:
        self._path = os.fspath(problem)
        self._p = _native.petab_problem(self._path)

    # Read-only once read: copies share it (pyPESTO deep-copies objectives); pickles
    # (multiprocessing, Ray) carry the path and read the problem again.
    def __copy__(self) -> PetabProblem:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> PetabProblem:
        return self

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (PetabProblem, (self._path,))

    @property
    def parameter_ids(self) -> list[str]:
        return list(self._p.parameter_ids)

    @property
    def bounds(self) -> list[tuple[float, float]]:
        return list(self._p.bounds)

    @property
    def nominal(self) -> list[float]:
        return list(self._p.nominal)

    def objective(self, x: Sequence[float]) -> tuple[float, Any, Any]:
        value, gradient, hessian = self._p.objective([float(v) for v in x])
        try:
            import numpy as np
        except ImportError:
            return value, gradient, hessian
        return value, np.asarray(gradient), np.asarray(hessian)

    def start_points(self, n: int, seed: int = 1) -> Any:
        points = self._p.start_points(int(n), int(seed))
        try:
            import numpy as np
        except ImportError:
            return points
        return np.asarray(points)


def trial(
    path: str | os.PathLike[str],
    *,
    patients: int | None = None,
    seed: int | None = None,
    out: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Runs a virtual trial file (``TRIAL.toml``; see docs/trials.md) as ``her2sim trial``
    does: every arm on the same seeded virtual patients. ``patients`` (per arm) and ``seed``
    replace the file's. Returns the ``her2sim trial --json`` object (per arm ORR, CBR,
    median PFS with CI, PFS at 12 months, hazard ratio against the first arm, pCR, and the
    published values given in the file). With ``out``, also writes the report directory
    (arms.csv, patients.csv, index.html).
    """
    summary = _native.trial(
        os.fspath(path),
        None if patients is None else int(patients),
        None if seed is None else int(seed),
        None if out is None else os.fspath(out),
    )
    result: dict[str, Any] = json.loads(summary)
    return result
