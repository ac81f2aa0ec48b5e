"""Survival analysis of her2sim (the estimators its virtual trials report), on plain data.

    from her2sim import survival
    km = survival.kaplan_meier(times, events, at=[0, 6, 12])   # table, median (+ CI), S(at)
    lr = survival.logrank(times_a, events_a, times_b, events_b)  # statistic, p_value, O/E
    cx = survival.cox(times, events, {"arm": arm})              # coef, se, HR with 95 % CI

Conventions follow lifelines (KaplanMeierFitter, logrank_test, CoxPHFitter defaults):
right-continuous KM with Greenwood variance and log(-log) ("exponential Greenwood") 95 %
intervals; the median and its interval are the first times the estimate and its bounds reach
0.5 (``inf`` where never); Cox ties by Efron's method, Wald intervals. ``events`` are truthy
for an observed event and falsy for a censored time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import _native, _table

__all__ = ["kaplan_meier", "logrank", "cox"]


def _data(times: Iterable[float], events: Iterable[Any]) -> tuple[list[float], list[bool]]:
    return [float(t) for t in times], [bool(e) for e in events]


def _inf(value: float | None) -> float:
    """Not reached (None) as lifelines writes it: inf."""
    return math.inf if value is None else value


def kaplan_meier(
    times: Iterable[float], events: Iterable[Any], at: Iterable[float] | None = None
) -> dict[str, Any]:
    """The Kaplan-Meier estimate: ``table`` (time, at_risk, events, censored, survival,
    variance, lower, upper; one row per distinct time), ``median``, ``median_lower``,
    ``median_upper`` and, with ``at``, a table ``at`` of the number at risk and survival with
    its interval at each of those times (e.g. PFS at 12 months)."""
    t, e = _data(times, events)
    points = [float(x) for x in at] if at is not None else []
    r = _native.survival_kaplan_meier(t, e, points)
    median, lower, upper = r["median"]
    out: dict[str, Any] = {
        "table": _table(
            [
                (name, r[name])
                for name in (
                    "time",
                    "at_risk",
                    "events",
                    "censored",
                    "survival",
                    "variance",
                    "lower",
                    "upper",
                )
            ]
        ),
        "median": _inf(median),
        "median_lower": _inf(lower),
        "median_upper": _inf(upper),
    }
    if at is not None:
        out["at"] = _table(
            [
                ("time", r["at"]),
                ("at_risk", r["at_risk_at"]),
                ("survival", r["survival_at"]),
                ("lower", r["lower_at"]),
                ("upper", r["upper_at"]),
            ]
        )
    return out


def logrank(
    times_a: Iterable[float],
    events_a: Iterable[Any],
    times_b: Iterable[float],
    events_b: Iterable[Any],
) -> dict[str, float]:
    """The two-group log-rank test: statistic (chi-square, 1 df), p_value, observed and
    expected events per group."""
    ta, ea = _data(times_a, events_a)
    tb, eb = _data(times_b, events_b)
    return dict(_native.survival_logrank(ta, ea, tb, eb))


def cox(
    times: Iterable[float],
    events: Iterable[Any],
    covariates: Mapping[str, Iterable[float]] | Sequence[float],
) -> dict[str, Any]:
    """A Cox proportional-hazards fit. ``covariates``: a dict name -> values (one per
    subject), or one sequence of values (named ``x``). Returns ``summary`` (covariate, coef,
    se, hazard_ratio, hr_lower, hr_upper, z, p), ``log_likelihood``,
    ``null_log_likelihood``, ``lr_statistic``, ``lr_p_value`` and ``iterations``."""
    t, e = _data(times, events)
    if isinstance(covariates, Mapping):
        names = [str(k) for k in covariates]
        columns = [[float(v) for v in covariates[k]] for k in covariates]
    else:
        names = ["x"]
        columns = [[float(v) for v in covariates]]
    r = _native.survival_cox(t, e, columns)
    summary = _table(
        [("covariate", names)]
        + [(k, r[k]) for k in ("coef", "se", "hazard_ratio", "hr_lower", "hr_upper", "z", "p")]
    )
    out = {"summary": summary}
    for k in ("log_likelihood", "null_log_likelihood", "lr_statistic", "lr_p_value", "iterations"):
        out[k] = r[k]
    return out
