"""Type stubs of the her2sim package (the public API of her2sim/__init__.py)."""

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict

__all__ = [
    "Her2simError",
    "Model",
    "load",
    "predict",
    "dose_response",
    "combo",
    "study",
]

DeterminedBy = Literal[
    "constant",
    "events",
    "assignment_rule",
    "rate_rule",
    "reactions",
    "algebraic_rule",
    "kinetic_law",
]

class Her2simError(ValueError):
    """An error of her2sim; the message is the one the command line prints."""

class SpeciesInfo(TypedDict):
    id: str
    compartment: str
    amount_valued: bool
    boundary: bool
    determined_by: DeterminedBy

class ParameterInfo(TypedDict):
    id: str
    local: bool
    determined_by: DeterminedBy

class CompartmentInfo(TypedDict):
    id: str
    dimensions: float
    determined_by: DeterminedBy

# A table: a pandas DataFrame; without pandas a numpy structured array; without numpy a dict
# of column name -> list.
Table = Any

class Model:
    def __init__(self, native: Any) -> None: ...
    @property
    def source(self) -> str | None: ...
    @property
    def species(self) -> list[SpeciesInfo]: ...
    @property
    def parameters(self) -> list[ParameterInfo]: ...
    @property
    def compartments(self) -> list[CompartmentInfo]: ...
    @property
    def reactions(self) -> list[str]: ...
    @property
    def values(self) -> dict[str, float]: ...
    def __getitem__(self, name: str) -> float: ...
    def __setitem__(self, name: str, value: float) -> None: ...
    def reset(self) -> None: ...
    def simulate(
        self,
        start: float = 0.0,
        end: float = 10.0,
        points: int = 101,
        selections: str | Iterable[str] | None = None,
        method: Literal["auto", "bdf", "rodas4", "ssa"] | str = "auto",
        replicates: int = 1,
        seed: int | None = None,
        atol: float | None = None,
        rtol: float | None = None,
        *,
        max_steps: int | None = None,
        tau_leap: float | None = None,
        sensitivities: str | Iterable[str] | None = None,
        ssa_initial: Literal["error", "round", "floor"] | str = "error",
    ) -> Table: ...
    def steady_state(
        self,
        selections: str | Iterable[str] | None = None,
        *,
        start: float = 0.0,
        max_time: float = 1e9,
        atol: float | None = None,
        rtol: float | None = None,
    ) -> dict[str, float]: ...

def load(model: str | os.PathLike[str]) -> Model: ...
def predict(
    cell_line: str,
    treatment: str,
    days: float = 5.0,
    modifiers: str | Iterable[str] = (),
) -> dict[str, Any]: ...
def dose_response(
    cell_line: str,
    treatment: str,
    doses: str | Iterable[str],
    *,
    readout: str = "viable_cells",
    days: float = 5.0,
    modifiers: str | Iterable[str] = (),
) -> Table: ...
def combo(
    cell_line: str,
    treatments: Sequence[str],
    doses: Sequence[str | Iterable[str]],
    *,
    readout: str = "viable_cells",
    days: float = 5.0,
    modifiers: str | Iterable[str] = (),
) -> Table: ...
def study(
    source: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    out: str | os.PathLike[str] | None = None,
) -> dict[str, Any]: ...
def fit(
    problem: str | os.PathLike[str],
    *,
    starts: int = 20,
    seed: int = 1,
    max_iterations: int = 200,
    out: str | os.PathLike[str] | None = None,
    optimizer: str = "trust-region",
) -> dict[str, Any]: ...

class PetabProblem:
    def __init__(self, problem: str | os.PathLike[str]) -> None: ...
    @property
    def parameter_ids(self) -> list[str]: ...
    @property
    def bounds(self) -> list[tuple[float, float]]: ...
    @property
    def nominal(self) -> list[float]: ...
    def objective(self, x: Sequence[float]) -> tuple[float, Any, Any]: ...
    def start_points(self, n: int, seed: int = 1) -> Any: ...

def trial(
    path: str | os.PathLike[str],
    *,
    patients: int | None = None,
    seed: int | None = None,
    out: str | os.PathLike[str] | None = None,
) -> dict[str, Any]: ...
