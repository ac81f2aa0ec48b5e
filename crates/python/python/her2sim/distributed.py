"""Big sweeps as Ray tasks: parameter scans, stochastic ensembles, sampled parameter sets and
HER2-laboratory cohorts, split into chunks of items; each chunk is one task that loads the
model once and runs its items in Rust (the GIL is released while Rust computes).

    from her2sim import distributed as hd
    hd.scan("model.xml", {"k": [0.1, 0.2, 0.5]}, 0, 10, 101, ["S"], final=True)
    hd.ensemble("model.xml", n=10_000, seed=42, end=50, points=51, selections=["time", "X"])
    hd.sample("model.xml", {"k": ("loguniform", 0.01, 1.0)}, n=1000, seed=7, final=True)
    hd.cohort([("BT-474", "trastuzumab"), {"cell_line": "SK-BR-3", "treatment": "lapatinib"}])

Results do not depend on where or how the items ran: the chunks are put back in item order,
and every random draw comes from the item's own stream, ``numpy.random.SeedSequence(seed,
spawn_key=(i,))`` (the i-th child of ``SeedSequence(seed).spawn(n)``). So ``local=True``
(the same chunks in this process), any ``chunk_size`` and any Ray cluster give the same table.

Ray: the Ray instance this process is connected to is always used. Otherwise
``ray_address=None`` calls ``ray.init()`` (a new local instance, or the cluster in
``RAY_ADDRESS``), ``"local"`` starts a local one, and ``"auto"`` or ``"ray://host:10001"`` /
``"host:6379"`` connects to a running cluster. A Ray instance
started here stays up for later calls (``ray.shutdown()`` ends it). Workers need her2sim
installed (``pip install her2sim``); the model travels as SBML text, so paths need to exist
only where this function is called.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from . import Her2simError, _names, _strings, _table, load, predict

__all__ = ["scan", "ensemble", "sample", "cohort", "item_seed", "draw"]

DISTRIBUTIONS = ("uniform", "loguniform", "normal", "lognormal")


# ---------------------------------------------------------------------------------------------
# Per-item random streams


def _stream(seed: int, index: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(index,))


def item_seed(seed: int, index: int) -> int:
    """The simulator seed of item ``index`` (a 64-bit integer): the first 64-bit word of
    ``numpy.random.SeedSequence(seed, spawn_key=(index,))``, i.e. of the index-th child of
    ``SeedSequence(seed).spawn(n)``. ``model.simulate(..., method="ssa", seed=item_seed(s, i))``
    repeats item i of ``ensemble(..., seed=s)``."""
    return int(_stream(_seed(seed), int(index)).generate_state(1, np.uint64)[0])


def _draw_one(distributions: list[tuple[str, str, float, float]], seed: int, index: int) -> list[float]:
    rng = np.random.default_rng(_stream(seed, index))
    out = []
    for _, kind, a, b in distributions:
        if kind == "uniform":
            out.append(float(rng.uniform(a, b)))
        elif kind == "loguniform":
            out.append(float(math.exp(rng.uniform(math.log(a), math.log(b)))))
        elif kind == "normal":
            out.append(float(rng.normal(a, b)))
        else:  # lognormal
            out.append(float(math.exp(rng.normal(a, b))))
    return out


def _distributions(distributions: Mapping[str, Sequence[Any]]) -> list[tuple[str, str, float, float]]:
    if not isinstance(distributions, Mapping) or not distributions:
        raise Her2simError("distributions: give a dict {id: (kind, a, b)} with at least one entry")
    out = []
    for name, spec in distributions.items():
        if not isinstance(name, str):
            raise TypeError(f"distributions: ids are strings, got {name!r}")
        if isinstance(spec, str) or len(spec) != 3:
            raise Her2simError(f"distributions[{name!r}]: give (kind, a, b), got {spec!r}")
        kind, a, b = spec[0], float(spec[1]), float(spec[2])
        if kind not in DISTRIBUTIONS:
            raise Her2simError(
                f"distributions[{name!r}]: unknown kind {kind!r} (one of {', '.join(DISTRIBUTIONS)})"
            )
        if not (math.isfinite(a) and math.isfinite(b)):
            raise Her2simError(f"distributions[{name!r}]: a and b must be finite, got {a}, {b}")
        if kind in ("uniform", "loguniform") and not a < b:
            raise Her2simError(f"distributions[{name!r}]: {kind} needs a < b, got {a}, {b}")
        if kind == "loguniform" and a <= 0:
            raise Her2simError(f"distributions[{name!r}]: loguniform needs 0 < a < b, got {a}, {b}")
        if kind in ("normal", "lognormal") and b < 0:
            raise Her2simError(f"distributions[{name!r}]: the standard deviation b must be >= 0")
        out.append((name, kind, a, b))
    return out


def draw(distributions: Mapping[str, Sequence[Any]], n: int, seed: int) -> Any:
    """The parameter sets ``sample`` simulates (columns item, then one per id), drawn in this
    process: item i draws its ids in the dict's order from ``default_rng(SeedSequence(seed,
    spawn_key=(i,)))``. Kinds: ("uniform", lo, hi), ("loguniform", lo, hi), ("normal", mean,
    sd), ("lognormal", mean of log, sd of log)."""
    dists = _distributions(distributions)
    s, n = _seed(seed), _count(n)
    rows = np.array([_draw_one(dists, s, i) for i in range(n)], dtype=np.float64).reshape(n, len(dists))
    return _table([("item", np.arange(n, dtype=np.int64))] + [(d[0], rows[:, j]) for j, d in enumerate(dists)])


# ---------------------------------------------------------------------------------------------
# Argument checks


def _seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise Her2simError(f"seed: give a non-negative integer, got {seed!r}")
    return int(seed)


def _count(n: Any, what: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise Her2simError(f"{what}: give a positive integer, got {n!r}")
    return int(n)


def _model_text(model: str | os.PathLike[str]) -> str:
    """The SBML text of a path or of text (checked here: it compiles)."""
    if isinstance(model, os.PathLike) or (isinstance(model, str) and not model.lstrip().startswith("<")):
        path = os.fspath(model)
        load(path)  # the error message of a bad path or model, raised here
        with open(path, encoding="utf-8") as f:
            return f.read()
    if isinstance(model, str):
        load(model)
        return model
    raise TypeError(
        f"model: give a file path or SBML text (a her2sim.Model cannot travel to other "
        f"processes), got {type(model).__name__}"
    )


def _sim_options(start: float, end: float, points: int, selections: Any, method: str,
                 atol: float | None, rtol: float | None, max_steps: int | None,
                 tau_leap: float | None) -> dict[str, Any]:
    return {
        "start": float(start),
        "end": float(end),
        "points": int(points),
        "selections": _names(selections, "selections"),
        "method": str(method),
        "atol": None if atol is None else float(atol),
        "rtol": None if rtol is None else float(rtol),
        "max_steps": None if max_steps is None else int(max_steps),
        "tau_leap": None if tau_leap is None else float(tau_leap),
    }


def _fixed(fixed: Mapping[str, float] | None) -> list[tuple[str, float]]:
    if fixed is None:
        return []
    return [(str(k), float(v)) for k, v in fixed.items()]


def _scan_items(values: Any) -> tuple[list[str], np.ndarray]:
    """(ids, one row of values per item): a dict of lists is the full grid (the first id
    varies slowest), a list of dicts the items as given (every dict with the same ids)."""
    if isinstance(values, Mapping):
        names = [str(k) for k in values]
        axes = []
        for k, v in values.items():
            axis = [float(x) for x in (v if isinstance(v, Iterable) and not isinstance(v, str) else [v])]
            if not axis:
                raise Her2simError(f"values[{k!r}]: give at least one value")
            axes.append(axis)
        if not names:
            raise Her2simError("values: give at least one id")
        rows = np.array(list(itertools.product(*axes)), dtype=np.float64).reshape(-1, len(names))
        return names, rows
    if isinstance(values, Sequence) and not isinstance(values, str):
        items = list(values)
        if not items:
            raise Her2simError("values: give at least one item")
        for it in items:
            if not isinstance(it, Mapping):
                raise TypeError(f"values: a list of dicts {{id: value}}, got an item {it!r}")
        names = [str(k) for k in items[0]]
        for i, it in enumerate(items):
            if [str(k) for k in it] != names:
                raise Her2simError(
                    f"values[{i}]: every item sets the same ids in the same order ({names}), got {list(it)}"
                )
        rows = np.array([[float(v) for v in it.values()] for it in items], dtype=np.float64)
        return names, rows.reshape(len(items), len(names))
    raise TypeError(f"values: a dict {{id: [values]}} or a list of dicts, got {type(values).__name__}")


def _conditions(conditions: Any) -> list[tuple[str, str, float, list[str]]]:
    """(cell line, treatment, days, modifiers) of each condition: dicts with keys cell_line,
    treatment, days (default 5), modifiers (default none), or tuples in that order."""
    if isinstance(conditions, (str, Mapping)) or not isinstance(conditions, Iterable):
        raise TypeError("conditions: give a list of dicts or tuples (cell_line, treatment, days, modifiers)")
    out = []
    for i, c in enumerate(conditions):
        if isinstance(c, Mapping):
            unknown = set(c) - {"cell_line", "treatment", "days", "modifiers"}
            if unknown or "cell_line" not in c or "treatment" not in c:
                raise Her2simError(
                    f"conditions[{i}]: keys cell_line, treatment (required), days, modifiers; got {sorted(c)}"
                )
            cell, treat = c["cell_line"], c["treatment"]
            days, mods = c.get("days", 5.0), c.get("modifiers", ())
        elif isinstance(c, Sequence) and not isinstance(c, str) and 2 <= len(c) <= 4:
            cell, treat = c[0], c[1]
            days = c[2] if len(c) > 2 else 5.0
            mods = c[3] if len(c) > 3 else ()
        else:
            raise Her2simError(f"conditions[{i}]: a dict or (cell_line, treatment[, days[, modifiers]]), got {c!r}")
        if not isinstance(cell, str) or not isinstance(treat, str):
            raise TypeError(f"conditions[{i}]: cell_line and treatment are strings")
        out.append((cell, treat, float(days), _strings(mods, "modifiers")))
    if not out:
        raise Her2simError("conditions: give at least one condition")
    return out


# ---------------------------------------------------------------------------------------------
# One chunk (runs in a Ray worker or here): items lo..hi-1 -> (column names, columns)


def _simulate(m: Any, o: Mapping[str, Any], seed: int | None) -> tuple[list[str], np.ndarray]:
    columns, data, rows = m._m.simulate(
        o["start"], o["end"], o["points"], o["selections"], o["method"], 1, seed,
        o["atol"], o["rtol"], o["max_steps"], o["tau_leap"],
    )
    return columns, np.frombuffer(data, dtype=np.float64).reshape(rows, len(columns))


def _collect(
    lo: int,
    inputs: list[tuple[str, np.ndarray]],
    courses: list[np.ndarray],
    columns: list[str],
    final: bool,
) -> tuple[list[str], list[Any]]:
    """Item number, the item's inputs and its outputs: one row per item (final) or per time."""
    n = len(courses)
    rows = np.array([len(c) for c in courses], dtype=np.int64)
    item = np.arange(lo, lo + n, dtype=np.int64)
    names = ["item"] + [f"{k}@start" if k in columns else k for k, _ in inputs]
    names += columns
    if final:
        out = np.array([c[-1] for c in courses], dtype=np.float64).reshape(n, len(columns))
        cols = [item] + [v for _, v in inputs] + [out[:, j] for j in range(len(columns))]
    else:
        out = np.concatenate(courses).reshape(-1, len(columns)) if n else np.empty((0, len(columns)))
        cols = [np.repeat(item, rows)] + [np.repeat(v, rows) for _, v in inputs]
        cols += [out[:, j].copy() for j in range(len(columns))]
    return names, cols


def _run_chunk(kind: str, job: Mapping[str, Any], lo: int, hi: int, payload: Any) -> tuple[list[str], list[Any]]:
    if kind == "cohort":
        results = [predict(cell, treat, days, mods) for cell, treat, days, mods in payload]
        first = ["cell_line", "treatment", "modifiers", "days"]
        # Numbers (relative read-outs, GR value) as they are; the nested absolute values
        # flattened into `<readout>_treated` / `<readout>_untreated` columns.
        readouts = [k for k in results[0] if k not in first and k != "absolute"]
        absolute = list(results[0].get("absolute", {}))
        cols: list[Any] = [
            np.arange(lo, hi, dtype=np.int64),
            [r["cell_line"] for r in results],
            [r["treatment"] for r in results],
            [",".join(r["modifiers"]) for r in results],
            np.array([r["days"] for r in results], dtype=np.float64),
        ]
        number = lambda v: np.nan if v is None else v  # noqa: E731
        for k in readouts:
            cols.append(np.array([number(r.get(k)) for r in results], dtype=np.float64))
        names = ["item"] + first + readouts
        for k in absolute:
            for side in ("treated", "untreated"):
                cols.append(np.array([number(r["absolute"][k][side]) for r in results], dtype=np.float64))
                names.append(f"{k}_{side}")
        return names, cols

    m = load(job["model"])
    o = job["options"]
    fixed = job["fixed"]
    courses: list[np.ndarray] = []
    columns: list[str] = []
    if kind == "ensemble":
        seeds = np.array([item_seed(job["seed"], i) for i in range(lo, hi)], dtype=np.uint64)
        for s in seeds:
            columns, course = _simulate(m, o, int(s))
            courses.append(course)
        return _collect(lo, [("seed", seeds)], courses, columns, job["final"])

    if kind == "scan":
        names, rows = payload
    else:  # sample
        dists = job["distributions"]
        names = [d[0] for d in dists]
        rows = np.array([_draw_one(dists, job["seed"], i) for i in range(lo, hi)], dtype=np.float64)
        rows = rows.reshape(hi - lo, len(names))
    for row in rows:
        m.reset()
        for k, v in fixed:
            m[k] = v
        for k, v in zip(names, row):
            m[k] = float(v)
        columns, course = _simulate(m, o, None)
        courses.append(course)
    return _collect(lo, [(k, rows[:, j].copy()) for j, k in enumerate(names)], courses, columns, job["final"])


# ---------------------------------------------------------------------------------------------
# Running the chunks here or as Ray tasks


_REMOTE: dict[str, Any] = {}


def _ray(ray_address: str | None) -> Any:
    try:
        import ray
    except ImportError as e:
        raise ImportError(
            "her2sim.distributed needs Ray to run on a cluster: pip install 'ray[default]' "
            "(or pip install her2sim[ray]); pass local=True to run the same chunks in this process"
        ) from e
    if not ray.is_initialized():
        if ray_address is None:
            ray.init()
        else:
            ray.init(address=ray_address)
    return ray


def _run(kind: str, job: dict[str, Any], chunks: list[tuple[int, int, Any]],
         ray_address: str | None, local: bool) -> Any:
    if local:
        parts = [_run_chunk(kind, job, lo, hi, payload) for lo, hi, payload in chunks]
    else:
        ray = _ray(ray_address)
        remote = _REMOTE.get("chunk")
        if remote is None:
            remote = _REMOTE["chunk"] = ray.remote(num_cpus=1, max_retries=3)(_run_chunk)
        job_ref = ray.put(job)
        parts = ray.get([remote.remote(kind, job_ref, lo, hi, payload) for lo, hi, payload in chunks])
    names = parts[0][0]
    for p in parts[1:]:
        if p[0] != names:
            raise Her2simError(f"chunks returned different columns: {names} and {p[0]}")
    columns = []
    for j, name in enumerate(names):
        pieces = [p[1][j] for p in parts]
        if isinstance(pieces[0], np.ndarray):
            columns.append((name, np.concatenate(pieces)))
        else:
            columns.append((name, [x for piece in pieces for x in piece]))
    return _table(columns)


def _chunks(n: int, chunk_size: int, payload: Any = None) -> list[tuple[int, int, Any]]:
    size = _count(chunk_size, "chunk_size")
    out = []
    for lo in range(0, n, size):
        hi = min(n, lo + size)
        out.append((lo, hi, None if payload is None else payload(lo, hi)))
    return out


# ---------------------------------------------------------------------------------------------
# The sweeps


def scan(
    model: str | os.PathLike[str],
    values: Mapping[str, Iterable[float]] | Sequence[Mapping[str, float]],
    start: float = 0.0,
    end: float = 10.0,
    points: int = 101,
    selections: str | Iterable[str] | None = None,
    method: str = "auto",
    final: bool = False,
    chunk_size: int = 1000,
    ray_address: str | None = None,
    local: bool = False,
    *,
    fixed: Mapping[str, float] | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    max_steps: int | None = None,
) -> Any:
    """Simulates the model once per item of ``values``: a dict ``{id: [values]}`` is the full
    grid (the first id varies slowest), a list of dicts the items as given. Each run starts
    from the model's start values with ``fixed`` and then the item's values set (as
    ``model[id] = x``) and is the same run as ``Model.simulate(start, end, points,
    selections, method)`` here.

    Returns columns item, the item's values (``id@start`` where an id is also selected),
    then the selections: one row per item at ``end`` with ``final=True``, else every time
    point of every item (long format)."""
    text = _model_text(model)
    names, rows = _scan_items(values)
    job = {
        "model": text,
        "options": _sim_options(start, end, points, selections, method, atol, rtol, max_steps, None),
        "fixed": _fixed(fixed),
        "final": bool(final),
    }
    chunks = _chunks(len(rows), chunk_size, lambda lo, hi: (names, rows[lo:hi]))
    return _run("scan", job, chunks, ray_address, local)


def ensemble(
    model: str | os.PathLike[str],
    n: int,
    seed: int,
    start: float = 0.0,
    end: float = 10.0,
    points: int = 101,
    selections: str | Iterable[str] | None = None,
    method: str = "ssa",
    final: bool = False,
    chunk_size: int = 1000,
    ray_address: str | None = None,
    local: bool = False,
    *,
    tau_leap: float | None = None,
    max_steps: int | None = None,
) -> Any:
    """``n`` stochastic replicates (Gillespie's direct method by default; species as molecule
    counts). Replicate i runs with the seed ``item_seed(seed, i)``, so its trajectory does not
    depend on the chunking or on where it ran.

    Returns columns item, seed, then the selections: one row per replicate at ``end`` with
    ``final=True``, else every time point of every replicate (long format; the mean
    trajectory is ``df.groupby("time").mean()``)."""
    text = _model_text(model)
    job = {
        "model": text,
        "options": _sim_options(start, end, points, selections, method, None, None, max_steps, tau_leap),
        "fixed": [],
        "final": bool(final),
        "seed": _seed(seed),
    }
    return _run("ensemble", job, _chunks(_count(n), chunk_size), ray_address, local)


def sample(
    model: str | os.PathLike[str],
    distributions: Mapping[str, Sequence[Any]],
    n: int,
    seed: int,
    start: float = 0.0,
    end: float = 10.0,
    points: int = 101,
    selections: str | Iterable[str] | None = None,
    method: str = "auto",
    final: bool = False,
    chunk_size: int = 1000,
    ray_address: str | None = None,
    local: bool = False,
    *,
    fixed: Mapping[str, float] | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    max_steps: int | None = None,
) -> Any:
    """``n`` parameter sets drawn from ``distributions`` ``{id: (kind, a, b)}`` (see ``draw``;
    item i draws from its own stream, inside the task that runs it), each simulated as in
    ``scan``. Columns: item, the drawn values, then the selections (as ``scan``)."""
    text = _model_text(model)
    job = {
        "model": text,
        "options": _sim_options(start, end, points, selections, method, atol, rtol, max_steps, None),
        "fixed": _fixed(fixed),
        "final": bool(final),
        "seed": _seed(seed),
        "distributions": _distributions(distributions),
    }
    return _run("sample", job, _chunks(_count(n), chunk_size), ray_address, local)


def cohort(
    conditions: Iterable[Mapping[str, Any] | Sequence[Any]],
    chunk_size: int = 4,
    ray_address: str | None = None,
    local: bool = False,
) -> Any:
    """``her2sim.predict`` for each condition of the HER2 laboratory: a dict with keys
    cell_line, treatment, days (default 5), modifiers (default none), or a tuple
    (cell_line, treatment[, days[, modifiers]]).

    Returns columns item, cell_line, treatment, modifiers (comma-separated), days (as the
    predict dict resolves them), then each read-out relative to untreated (NaN where
    undefined or not measurable), gr_value, and each read-out's absolute values as
    ``<readout>_treated`` and ``<readout>_untreated``."""
    conds = _conditions(conditions)
    chunks = _chunks(len(conds), chunk_size, lambda lo, hi: conds[lo:hi])
    return _run("cohort", {}, chunks, ray_address, local)
