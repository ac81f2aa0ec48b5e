"""her2sim.fit: the PEtab fit from Python is the CLI's `her2sim fit --json` (same seed, same
starts, same optimum) and reaches the published optimum of Boehm 2014."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import her2sim
from conftest import REPO, cli_binary

BOEHM = (
    REPO.parent
    / "shared"
    / "petab-benchmark"
    / "Boehm_JProteomeRes2014"
    / "Boehm_JProteomeRes2014.yaml"
)


def test_fit_matches_the_cli_and_writes_the_report(tmp_path: Path) -> None:
    r = her2sim.fit(BOEHM, starts=4, seed=3, out=tmp_path / "fit")
    assert set(r) == {"best_llh", "best_log_posterior", "parameters", "starts", "converged", "seconds"}
    assert r["starts"] == 4 and 0 <= r["converged"] <= 4
    assert len(r["parameters"]) == 9
    for name in ("parameters.tsv", "starts.csv", "index.html"):
        assert (tmp_path / "fit" / name).is_file()
    out = subprocess.run(
        [str(cli_binary()), "fit", str(BOEHM), "--starts", "4", "--seed", "3", "--json",
         "-o", str(tmp_path / "cli")],
        check=True, capture_output=True, text=True,
    )
    cli = json.loads(out.stdout)
    assert cli["best_llh"] == pytest.approx(r["best_llh"], rel=1e-9)
    for k, v in cli["parameters"].items():
        assert r["parameters"][k] == pytest.approx(v, rel=1e-6)


def test_fit_errors_are_her2simerrors(tmp_path: Path) -> None:
    with pytest.raises(her2sim.Her2simError, match="starts must be"):
        her2sim.fit(BOEHM, starts=0)
    with pytest.raises(her2sim.Her2simError, match="nope.yaml"):
        her2sim.fit(tmp_path / "nope.yaml")
