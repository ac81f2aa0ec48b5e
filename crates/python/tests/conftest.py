"""Shared helpers of the her2sim Python tests: where the repository and the shared resources
are, the SBML Test Suite's settings and results, and small SBML models written here."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
# CI lays shared/ beside the clone; HER2SIM_SHARED points elsewhere.
SHARED = Path(os.environ.get("HER2SIM_SHARED", REPO.parent / "shared"))
SUITE = SHARED / "sbml-test-suite" / "semantic"
BIOMODELS = SHARED / "biomodels"


def shared(path: Path) -> Path:
    """A shared resource the tests need: missing is a failure, not a skip."""
    assert path.exists(), f"{path} is missing (the tests expect shared/ beside the checkout)"
    return path


def suite_case(case: str) -> tuple[Path, dict[str, str], list[str], list[list[float]]]:
    """(SBML file, settings, result columns, result rows) of a semantic test case."""
    d = shared(SUITE / case)
    model = next(
        d / f"{case}-sbml-{lv}.xml"
        for lv in ("l3v2", "l3v1", "l2v5", "l2v4")
        if (d / f"{case}-sbml-{lv}.xml").exists()
    )
    settings = {}
    for line in (d / f"{case}-settings.txt").read_text().splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            settings[k.strip()] = v.strip()
    with open(d / f"{case}-results.csv", newline="") as f:
        rows = list(csv.reader(f))
    header = [h.strip() for h in rows[0]]
    values = [[float(x) for x in r] for r in rows[1:] if r]
    return model, settings, header, values


def suite_selection(settings: dict[str, str]) -> list[str]:
    """The suite's variables as her2sim selections: `S` for amounts, `[S]` for concentrations."""
    conc = {v.strip() for v in settings.get("concentration", "").split(",") if v.strip()}
    names = [v.strip() for v in settings["variables"].split(",") if v.strip()]
    return ["time"] + [f"[{n}]" if n in conc else n for n in names]


def within(x: float, ref: float, atol: float, rtol: float) -> bool:
    return abs(x - ref) <= atol + rtol * abs(ref)


def cli_binary() -> Path:
    """The `her2sim` command built by cargo from this checkout (built now if absent)."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    for profile in ("debug", "release"):
        exe = target / profile / "her2sim"
        if exe.exists():
            return exe
    cargo = shutil.which("cargo")
    assert cargo, "cargo is needed to build the her2sim CLI for the comparison"
    subprocess.run([cargo, "build", "--quiet", "-p", "her2sim-cli"], cwd=REPO, check=True)
    exe = target / "debug" / "her2sim"
    assert exe.exists(), f"cargo build did not produce {exe}"
    return exe


def sbml(species: str, parameters: str, reactions: str, compartment_size: float = 1.0) -> str:
    """A small SBML Level 3 Version 2 model."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="test">
    <listOfCompartments>
      <compartment id="cell" spatialDimensions="3" size="{compartment_size}" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>{species}</listOfSpecies>
    <listOfParameters>{parameters}</listOfParameters>
    <listOfReactions>{reactions}</listOfReactions>
  </model>
</sbml>"""


def mass_action(rid: str, reactants: list[str], products: list[str], law: str) -> str:
    refs = lambda ids: "".join(
        f'<speciesReference species="{s}" stoichiometry="1" constant="true"/>' for s in ids
    )
    lists = ""
    if reactants:
        lists += f"<listOfReactants>{refs(reactants)}</listOfReactants>"
    if products:
        lists += f"<listOfProducts>{refs(products)}</listOfProducts>"
    return f"""<reaction id="{rid}" reversible="false">{lists}
      <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">{law}</math></kineticLaw>
    </reaction>"""


def param(pid: str, value: float) -> str:
    return f'<parameter id="{pid}" value="{value}" constant="true"/>'


def species_amount(sid: str, amount: float, only_substance: bool = False) -> str:
    return (
        f'<species id="{sid}" compartment="cell" initialAmount="{amount}" '
        f'hasOnlySubstanceUnits="{str(only_substance).lower()}" '
        'boundaryCondition="false" constant="false"/>'
    )


def times(*ids: str) -> str:
    inner = "".join(f"<ci>{i}</ci>" for i in ids)
    return f"<apply><times/>{inner}</apply>"


# A <-> B in a compartment of size 2: kf*A forward, kr*B back (A, B concentrations; the laws
# are amount rates, so multiplied by the size). Total amount 1 (concentration 0.5); at steady
# state [A] = 0.5 * kr / (kf + kr), [B] = 0.5 * kf / (kf + kr).
REVERSIBLE = sbml(
    species_amount("A", 1.0) + species_amount("B", 0.0),
    param("kf", 2.0) + param("kr", 1.0),
    mass_action("forward", ["A"], ["B"], times("cell", "kf", "A"))
    + mass_action("back", ["B"], ["A"], times("cell", "kr", "B")),
    compartment_size=2.0,
)

# Birth and death of X molecules: 0 -> X at rate kb, X -> 0 at rate kd * X (mean kb / kd).
BIRTH_DEATH = sbml(
    species_amount("X", 10, only_substance=True),
    param("kb", 10.0) + param("kd", 0.5),
    mass_action("birth", [], ["X"], "<ci>kb</ci>")
    + mass_action("death", ["X"], [], times("kd", "X")),
)
