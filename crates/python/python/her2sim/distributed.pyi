"""Type stubs of her2sim.distributed (sweeps as Ray tasks over chunks of items)."""

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

__all__ = ["scan", "ensemble", "sample", "cohort", "item_seed", "draw"]

# A table: a pandas DataFrame; without pandas a numpy structured array.
Table = Any
Distribution = tuple[Literal["uniform", "loguniform", "normal", "lognormal"] | str, float, float]
Condition = Mapping[str, Any] | Sequence[Any]

DISTRIBUTIONS: tuple[str, ...]

def item_seed(seed: int, index: int) -> int: ...
def draw(distributions: Mapping[str, Distribution], n: int, seed: int) -> Table: ...
def scan(
    model: str | os.PathLike[str],
    values: Mapping[str, Iterable[float]] | Sequence[Mapping[str, float]],
    start: float = 0.0,
    end: float = 10.0,
    points: int = 101,
    selections: str | Iterable[str] | None = None,
    method: Literal["auto", "bdf", "rodas4"] | str = "auto",
    final: bool = False,
    chunk_size: int = 1000,
    ray_address: Literal["local", "auto"] | str | None = None,
    local: bool = False,
    *,
    fixed: Mapping[str, float] | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    max_steps: int | None = None,
) -> Table: ...
def ensemble(
    model: str | os.PathLike[str],
    n: int,
    seed: int,
    start: float = 0.0,
    end: float = 10.0,
    points: int = 101,
    selections: str | Iterable[str] | None = None,
    method: Literal["ssa", "bdf", "rodas4"] | str = "ssa",
    final: bool = False,
    chunk_size: int = 1000,
    ray_address: Literal["local", "auto"] | str | None = None,
    local: bool = False,
    *,
    tau_leap: float | None = None,
    max_steps: int | None = None,
) -> Table: ...
def sample(
    model: str | os.PathLike[str],
    distributions: Mapping[str, Distribution],
    n: int,
    seed: int,
    start: float = 0.0,
    end: float = 10.0,
    points: int = 101,
    selections: str | Iterable[str] | None = None,
    method: Literal["auto", "bdf", "rodas4"] | str = "auto",
    final: bool = False,
    chunk_size: int = 1000,
    ray_address: Literal["local", "auto"] | str | None = None,
    local: bool = False,
    *,
    fixed: Mapping[str, float] | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    max_steps: int | None = None,
) -> Table: ...
def cohort(
    conditions: Iterable[Condition],
    chunk_size: int = 4,
    ray_address: Literal["local", "auto"] | str | None = None,
    local: bool = False,
) -> Table: ...
