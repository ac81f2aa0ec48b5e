#!/usr/bin/env python3
"""Append GR-browser rows of further drugs to the calibration data set (models/her2/data).

The Heiser 2012 and gCSI rows already in the data set were copied from the GR browser's
tables (github uc-bd2k/grbrowser, www/20170303_Heiser_for_GRB.tsv and
www/20170612_gCSI_GRfits.tsv). This script copies the rows of more drugs the same way, for the
cell lines the data set already has from that table (the file's cell-line names are mapped to
our ids through the existing rows' notes, so no mapping is typed by hand) and with each line's
existing training/validation split (the split is by line, chosen before any fit).

Usage: tools/import_grbrowser_rows.py GRBROWSER_GIT_DIR COMMIT FILE_DRUG=OUR_DRUG ...
e.g.   tools/import_grbrowser_rows.py /work/.mirror/uc-bd2k+grbrowser/repo d8fe75bf... \
           Doxorubicin=doxorubicin 5-FU=capecitabine

Rows already present (same experiment id) are skipped, so running it twice changes nothing.
"""
import csv
import re
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "models" / "her2" / "data"
HEISER = "www/20170303_Heiser_for_GRB.tsv"
GCSI = "www/20170612_gCSI_GRfits.tsv"

DIMLESS = "dimensionless"

# How each table's rows become experiments and summary values, in the layout of the rows the
# data set already holds from it.
SOURCES = [
    {
        "table": HEISER, "source": "heiser2012_gr", "drug_col": "Perturbagen_Name", "cell_col": "Cell_Name",
        "id": lambda line, drug, r: f"heiser2012_gr:{line}:{drug}:{r['Replicate_ID']}",
        "location": "HMS LINCS GR browser table (re-analysis of Heiser 2012 screen)", "readout": "GR",
        "normalisation": "GR value: growth-rate normalised to untreated control and time-0 count (Hafner 2016)",
        "duration_h": "72",
        "notes": lambda r: (f"file row Cell_Name={r['Cell_Name'].strip()} Clinical_Subtype={r['Clinical_Subtype']} "
                            f"Perturbagen_Name={r['Perturbagen_Name'].strip()} Replicate_ID={r['Replicate_ID']} "
                            f"Conc_Unit={r['Conc_Unit']} Nominal_Div_Rate={r['Nominal_Div_Rate']}"),
        "quantities": lambda r: [("GR50", "GR50", r["Conc_Unit"]), ("GEC50", "GEC50", r["Conc_Unit"]),
                                 ("GRmax", "GRmax", DIMLESS), ("GRinf", "GRinf", DIMLESS),
                                 ("GR_Hill", "GR_Hill_Coeff", DIMLESS), ("GR_AOC", "GR_AOC", DIMLESS),
                                 ("GR_fit_r2", "GR_r2", DIMLESS)],
    },
    {
        "table": GCSI, "source": "gcsi2016_gr", "drug_col": "Small_Molecule", "cell_col": "Cell_Line",
        "id": lambda line, drug, r: f"gcsi2016_gr:{line}:{drug}",
        "location": "GR browser gCSI table", "readout": "viability",
        "normalisation": ("IC50/Emax/AUC: relative viability vs vehicle; GR metrics computed from relative "
                          "viability plus reported doubling time (Hafner 2017)"),
        "duration_h": "",
        "notes": lambda r: (f"file row Cell_Line={r['Cell_Line'].strip()} Tissue={r['Tissue']} "
                            f"DoublingTime={r['DoublingTime']} PTEN_mut={r['PTEN_mut']}; assay duration not "
                            "stated in the retrieved file"),
        "quantities": lambda r: [("GR50", "GR50", "uM"), ("GEC50", "GEC50", "uM"), ("GRmax", "GRmax", DIMLESS),
                                 ("GRinf", "GRinf", DIMLESS), ("GR_Hill", "GR_Hill_Coeff", DIMLESS),
                                 ("GR_AOC", "GR_AOC", DIMLESS), ("IC50", "IC50", "uM"),
                                 ("Emax", "Emax", "fraction_of_vehicle"), ("AUC", "AUC", DIMLESS)],
    },
]


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def git_table(repo, commit, path):
    text = subprocess.run(["git", "-C", repo, "show", f"{commit}:{path}"], check=True,
                          capture_output=True, text=True).stdout
    return list(csv.DictReader(text.splitlines(), delimiter="\t"))


def line_maps(experiments):
    """(file cell name -> our id, our id -> split) for each source, from the existing rows."""
    names, splits = {"heiser2012_gr": {}, "gcsi2016_gr": {}}, {}
    for e in experiments:
        src = e["source_id"]
        if src not in names:
            continue
        key = "Cell_Name" if src == "heiser2012_gr" else "Cell_Line"
        m = re.search(key + r"=(\S+)", e["notes"])
        if m:
            names[src][m.group(1)] = e["cell_line"]
            splits[e["cell_line"]] = e["split"]
    return names, splits


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    repo, commit = sys.argv[1], sys.argv[2]
    drugs = dict(a.split("=", 1) for a in sys.argv[3:])
    experiments = read_tsv(DATA / "experiments.tsv")
    names, splits = line_maps(experiments)
    have = {e["experiment_id"] for e in experiments}
    new_exp, new_val = [], []
    drugs_ci = {k.lower(): v for k, v in drugs.items()}
    source_note = f"github uc-bd2k/grbrowser @ {commit}"

    for spec in SOURCES:
        for row in git_table(repo, commit, spec["table"]):
            drug = drugs_ci.get(row[spec["drug_col"]].strip().lower())
            line = names[spec["source"]].get(row[spec["cell_col"]].strip())
            if not drug or not line:
                continue
            eid = spec["id"](line, drug, row)
            if eid in have:
                continue
            have.add(eid)
            new_exp.append([eid, spec["source"], spec["location"], "dataset", line, "parental",
                            spec["readout"], spec["normalisation"], spec["duration_h"], splits[line],
                            f"{spec['notes'](row)}; imported by tools/import_grbrowser_rows.py from {source_note}"])
            for q, col, unit in spec["quantities"](row):
                new_val.append([eid, drug, q, row[col], unit, "", f"{col}={row[col]}"])

    for name, rows in [("experiments.tsv", new_exp), ("summary_values.tsv", new_val)]:
        with open(DATA / name, "a", newline="") as f:
            w = csv.writer(f, delimiter="\t", lineterminator="\n")
            for r in rows:
                w.writerow(r)
    print(f"appended {len(new_exp)} experiments and {len(new_val)} summary values")


if __name__ == "__main__":
    main()
