"""her2sim.trial: the Python entry runs a trial file exactly as `her2sim trial --json` does
(same patients, same seed, same numbers), writes the same report, and raises Her2simError
with the CLI's message on bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import her2sim
from conftest import REPO, cli_binary

CLEOPATRA = REPO / "examples" / "trials" / "cleopatra.toml"


def test_trial_matches_the_cli(tmp_path: Path) -> None:
    r = her2sim.trial(CLEOPATRA, patients=20, seed=7, out=tmp_path / "py")
    out = subprocess.run(
        [str(cli_binary()), "trial", str(CLEOPATRA), "--patients", "20", "--seed", "7", "--json"],
        check=True, capture_output=True, text=True, cwd=REPO,
    )
    cli = json.loads(out.stdout)
    assert r == cli
    assert r["trial"] == "CLEOPATRA" and r["patients_per_arm"] == 20
    assert [a["name"] for a in r["arms"]] == ["placebo+H+D", "P+H+D"]
    assert r["arms"][0]["hazard_ratio"] == 1.0
    for a in r["arms"]:
        assert 0.0 <= a["orr"] <= a["cbr"] <= 1.0
    # Every arm split by every biomarker (docs/trials.md), both sides adding up to the arm.
    assert len(r["subgroups"]) == 2 * 7
    for s in r["subgroups"]:
        assert s["n_positive"] + s["n_negative"] == 20
    for name in ("arms.csv", "patients.csv", "subgroups.csv", "index.html"):
        assert (tmp_path / "py" / name).stat().st_size > 0
    # Another seed gives other patients.
    assert her2sim.trial(CLEOPATRA, patients=20, seed=8) != r


def test_trial_errors_are_her2simerrors(tmp_path: Path) -> None:
    with pytest.raises(her2sim.Her2simError, match="nope.toml"):
        her2sim.trial(tmp_path / "nope.toml")
    with pytest.raises(her2sim.Her2simError, match="expected 1 to"):
        her2sim.trial(CLEOPATRA, patients=0)
    bad = tmp_path / "bad.toml"
    bad.write_text('[trial]\nname = "x"\nsetting = "orbital"\n')
    with pytest.raises(her2sim.Her2simError, match="bad.toml"):
        her2sim.trial(bad)
