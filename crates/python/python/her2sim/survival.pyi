"""Type stubs of her2sim.survival (Kaplan-Meier, log-rank, Cox proportional hazards)."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

__all__ = ["kaplan_meier", "logrank", "cox"]

# A table: a pandas DataFrame; without pandas a numpy structured array.
Table = Any

class LogRank(TypedDict):
    statistic: float
    p_value: float
    observed_a: float
    expected_a: float
    observed_b: float
    expected_b: float

def kaplan_meier(
    times: Iterable[float], events: Iterable[Any], at: Iterable[float] | None = None
) -> dict[str, Any]: ...
def logrank(
    times_a: Iterable[float],
    events_a: Iterable[Any],
    times_b: Iterable[float],
    events_b: Iterable[Any],
) -> LogRank: ...
def cox(
    times: Iterable[float],
    events: Iterable[Any],
    covariates: Mapping[str, Iterable[float]] | Sequence[float],
) -> dict[str, Any]: ...
