"""The HER2 laboratory from Python against the `her2sim` command line built from the same
checkout: predict's JSON contract, dose-response and combination tables, studies, errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import her2sim
from conftest import REPO, cli_binary


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(cli_binary()), *args], capture_output=True, text=True, timeout=600
    )


def cli_json(*args: str) -> Any:
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def same(a: Any, b: Any) -> bool:
    """Equal JSON values, numbers to 1e-9 relative (the same library calls)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) or isinstance(b, float):
        return b == pytest.approx(a, rel=1e-9, abs=1e-300)
    return a == b


def test_predict_is_the_cli_json_contract() -> None:
    args = ["--cell-line", "BT-474", "--treatment", "trastuzumab+pertuzumab", "--days", "3"]
    expected = cli_json("predict", *args, "--modifier", "pten-loss", "--json")
    got = her2sim.predict("BT-474", "trastuzumab+pertuzumab", days=3, modifiers=["pten-loss"])
    assert same(expected, got), (expected, got)
    assert got["cell_line"] == "bt474" and got["modifiers"] == ["pten-loss"]
    assert 0 < got["viable_cells"] < 1
    # One modifier given as a string.
    assert her2sim.predict("BT-474", "none", 1, "pten-loss")["viable_cells"] == 1.0


def test_errors_carry_the_cli_message() -> None:
    r = cli("predict", "--cell-line", "BT-4744", "--treatment", "lapatinib", "--json")
    assert r.returncode != 0
    message = r.stderr.strip().removeprefix("error: ")
    with pytest.raises(her2sim.Her2simError) as e:
        her2sim.predict("BT-4744", "lapatinib")
    assert str(e.value) == message
    assert "unknown cell line" in message
    r = cli("predict", "--cell-line", "bt474", "--treatment", "aspirin", "--json")
    with pytest.raises(her2sim.Her2simError) as e:
        her2sim.predict("bt474", "aspirin")
    assert str(e.value) == r.stderr.strip().removeprefix("error: ")
    with pytest.raises(her2sim.Her2simError, match="days must be a positive number"):
        her2sim.predict("bt474", "lapatinib", days=0)
    with pytest.raises(her2sim.Her2simError, match="readout \"pFOO\": unknown"):
        her2sim.dose_response("bt474", "lapatinib", "1nM..1uM:4", readout="pFOO")
    with pytest.raises(her2sim.Her2simError, match="doses"):
        her2sim.dose_response("bt474", "lapatinib", "1nM..1uM")
    with pytest.raises(her2sim.Her2simError, match="exactly two strategies"):
        her2sim.combo("bt474", ["lapatinib"], ["1nM..1uM:4"])


def test_dose_response_frame_matches_the_cli_fit() -> None:
    df = her2sim.dose_response("BT-474", "lapatinib", "1nM..10uM:9", days=3)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == [
        "condition", "strategy", "dose", "dose_nM", "readout", "response",
        "ic50_nM", "hill", "emax", "e0",
    ]
    assert len(df) == 9
    assert (df["strategy"] == "lapatinib").all() and (df["readout"] == "viable_cells").all()
    assert df["response"].iloc[-1] < df["response"].iloc[0]
    expected = cli_json(
        "dose-response", "--cell-line", "BT-474", "--treatment", "lapatinib",
        "--doses", "1nM..10uM:9", "--days", "3", "--json", "--quiet",
    )
    assert list(df["dose_nM"]) == pytest.approx([p["nM"] for p in expected["points"]], rel=1e-12)
    assert list(df["response"]) == pytest.approx([p["response"] for p in expected["points"]], rel=1e-9)
    fit = df.attrs["fit"]
    for key in ("n", "ic50", "ic50_ci", "hill", "hill_ci", "e0", "e0_ci", "emax", "emax_ci", "r_squared"):
        assert same(expected[key], fit[key]), key
    assert df["ic50_nM"].iloc[0] == pytest.approx(fit["ic50"], rel=1e-12)
    # A list of doses is the same series.
    listed = her2sim.dose_response("BT-474", "lapatinib", ["10nM", "100nM", "1uM"], days=1)
    assert list(listed["dose_nM"]) == pytest.approx([10, 100, 1000])


def test_combo_frame_matches_the_cli_scores() -> None:
    doses = ["0.1ug/mL..10ug/mL:5", "1nM..100nM:5"]
    df = her2sim.combo("BT-474", ["trastuzumab", "paclitaxel"], doses, days=3)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == [
        "condition", "drug1", "drug2", "dose1_nM", "dose2_nM", "response",
        "hsa", "bliss", "loewe", "zip",
    ]
    assert len(df) == 36  # (5 + the untreated edge) squared
    assert df.loc[(df["dose1_nM"] == 0) & (df["dose2_nM"] == 0), "response"].item() == 1.0
    assert df.loc[df["dose1_nM"] == 0, "bliss"].isna().all()
    expected = cli_json(
        "combo", "--cell-line", "BT-474", "--treatment", "trastuzumab", "--treatment",
        "paclitaxel", "--doses", doses[0], "--doses", doses[1], "--days", "3", "--json", "--quiet",
    )
    response = [r for row in expected["response"] for r in row]
    assert list(df["response"]) == pytest.approx(response, rel=1e-9)
    scores = df.attrs["scores"]
    assert set(scores) == {"hsa", "bliss", "loewe", "zip"}
    for k in scores:
        assert scores[k] == pytest.approx(expected[k]["score"], rel=1e-9), k


STUDY = {
    "name": "python study",
    "days": 2,
    "samples_per_day": 2,
    "cell_lines": ["bt474", "mcf7"],
    "treatments": ["trastuzumab", "lapatinib@1uM"],
    "dose_response": [{"cell_line": "bt474", "treatment": "lapatinib", "doses": "10nM..1uM:5"}],
    "combination": [
        {
            "cell_line": "bt474",
            "treatments": ["trastuzumab", "lapatinib"],
            "doses": ["1ug/mL..10ug/mL:2", "10nM..100nM:2"],
        }
    ],
}


def test_study_from_a_dict_and_from_a_file(tmp_path: Path) -> None:
    r = her2sim.study(STUDY, out=tmp_path / "report")
    assert r["study"] == "python study" and r["days"] == 2
    assert Path(r["report"]) == tmp_path / "report" / "index.html"
    assert (tmp_path / "report" / "index.html").exists()
    assert [row["treatment"] for row in r["ranking"]] != []
    for name, columns in {
        "predictions": ["condition", "treatment", "readout", "relative", "treated", "untreated"],
        "time_courses": ["condition", "treatment", "hours", "viable_cells"],
        "dose_response": ["condition", "strategy", "dose", "dose_nM", "readout", "response"],
        "synergy": ["condition", "drug1", "drug2", "dose1_nM", "dose2_nM", "response"],
    }.items():
        assert isinstance(r[name], pd.DataFrame), name
        assert list(r[name].columns)[: len(columns)] == columns, name
    # 2 lines x 2 treatments x 11 read-outs (viable cells ... migration, HER3_total, AKT_total)
    assert len(r["predictions"]) == 2 * 2 * 11
    assert len(r["time_courses"]) == 2 * 2 * (2 * 2 + 1)
    # The same study from a TOML file gives the same ranking as `her2sim run --json`.
    toml = tmp_path / "study.toml"
    toml.write_text(
        'name = "python study"\ndays = 2\nsamples_per_day = 2\ncell_lines = ["bt474", "mcf7"]\n'
        'treatments = ["trastuzumab", "lapatinib@1uM"]\n'
    )
    from_file = her2sim.study(toml)
    assert from_file["report"] is None
    expected = cli_json("run", str(toml), "--json", "--out", str(tmp_path / "cli-report"))
    assert same(expected["ranking"], from_file["ranking"])
    assert same(expected["ranking"], r["ranking"])


def test_study_errors_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(her2sim.Her2simError, match="unknown field `cell_line`"):
        her2sim.study({"cell_line": ["bt474"], "treatments": ["none"]})
    with pytest.raises(her2sim.Her2simError, match="treatments"):
        her2sim.study({"cell_lines": ["bt474"], "treatments": ["aspirin"]})
    with pytest.raises(her2sim.Her2simError, match="missing.toml"):
        her2sim.study(tmp_path / "missing.toml")
    with pytest.raises(her2sim.Her2simError, match="study: the dict"):
        her2sim.study({"cell_lines": ["bt474"], "treatments": [object()]})
    # A report directory that is not a report is refused before running.
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(her2sim.Her2simError, match="mine"):
        her2sim.study(STUDY, out=mine)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_example_study_file_runs() -> None:
    r = her2sim.study(REPO / "examples" / "chemotherapy_her2.toml")
    assert r["study"] == "HER2 and chemotherapy"
    assert len(r["synergy"]) == 25 and len(r["dose_response"]) == 9


def test_lab_tables_without_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)  # import pandas fails
    arr = her2sim.dose_response("bt474", "lapatinib", ["10nM", "1uM"], days=1)
    assert arr.dtype.names[:4] == ("condition", "strategy", "dose", "dose_nM")
    assert list(arr["strategy"]) == ["lapatinib", "lapatinib"]
    assert list(arr["dose_nM"]) == pytest.approx([10.0, 1000.0])


def test_default_study_ranks_every_treatment() -> None:
    r = her2sim.study()
    assert r["study"] == "default study" and r["report"] is None
    # 22 strategies and 8 clinical combinations, each ranked once.
    assert len(r["ranking"]) == 30
    assert len({row["treatment"] for row in r["ranking"]}) == 30
    assert len(r["synergy"]) == 4 * 36
