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
    source_note = f"github uc-bd2k/grbrowser @ {commit}"

    for row in git_table(repo, commit, HEISER):
        drug = drugs.get(row["Perturbagen_Name"].strip())
        line = names["heiser2012_gr"].get(row["Cell_Name"].strip())
        if not drug or not line:
            continue
        eid = f"heiser2012_gr:{line}:{drug}:{row['Replicate_ID']}"
        if eid in have:
            continue
        have.add(eid)
        new_exp.append([eid, "heiser2012_gr",
                        "HMS LINCS GR browser table (re-analysis of Heiser 2012 screen)", "dataset",
                        line, "parental", "GR",
                        "GR value: growth-rate normalised to untreated control and time-0 count (Hafner 2016)",
                        "72", splits[line],
                        f"file row Cell_Name={row['Cell_Name'].strip()} Clinical_Subtype={row['Clinical_Subtype']} "
                        f"Perturbagen_Name={row['Perturbagen_Name'].strip()} Replicate_ID={row['Replicate_ID']} "
                        f"Conc_Unit={row['Conc_Unit']} Nominal_Div_Rate={row['Nominal_Div_Rate']}; imported by "
                        f"tools/import_grbrowser_rows.py from {source_note}"])
        for q, col, unit in [("GR50", "GR50", row["Conc_Unit"]), ("GEC50", "GEC50", row["Conc_Unit"]),
                             ("GRmax", "GRmax", "dimensionless"), ("GRinf", "GRinf", "dimensionless"),
                             ("GR_Hill", "GR_Hill_Coeff", "dimensionless"), ("GR_AOC", "GR_AOC", "dimensionless"),
                             ("GR_fit_r2", "GR_r2", "dimensionless")]:
            new_val.append([eid, drug, q, row[col], unit, "", f"{col}={row[col]}"])

    for row in git_table(repo, commit, GCSI):
        drug = {k.lower(): v for k, v in drugs.items()}.get(row["Small_Molecule"].strip().lower())
        line = names["gcsi2016_gr"].get(row["Cell_Line"].strip())
        if not drug or not line:
            continue
        eid = f"gcsi2016_gr:{line}:{drug}"
        if eid in have:
            continue
        have.add(eid)
        new_exp.append([eid, "gcsi2016_gr", "GR browser gCSI table", "dataset", line, "parental", "viability",
                        "IC50/Emax/AUC: relative viability vs vehicle; GR metrics computed from relative viability "
                        "plus reported doubling time (Hafner 2017)", "", splits[line],
                        f"file row Cell_Line={row['Cell_Line'].strip()} Tissue={row['Tissue']} "
                        f"DoublingTime={row['DoublingTime']} PTEN_mut={row['PTEN_mut']}; assay duration not stated "
                        f"in the retrieved file; imported by tools/import_grbrowser_rows.py from {source_note}"])
        for q, col, unit in [("GR50", "GR50", "uM"), ("GEC50", "GEC50", "uM"), ("GRmax", "GRmax", "dimensionless"),
                             ("GRinf", "GRinf", "dimensionless"), ("GR_Hill", "GR_Hill_Coeff", "dimensionless"),
                             ("GR_AOC", "GR_AOC", "dimensionless"), ("IC50", "IC50", "uM"),
                             ("Emax", "Emax", "fraction_of_vehicle"), ("AUC", "AUC", "dimensionless")]:
            new_val.append([eid, drug, q, row[col], unit, "", f"{col}={row[col]}"])

    for name, rows in [("experiments.tsv", new_exp), ("summary_values.tsv", new_val)]:
        with open(DATA / name, "a", newline="") as f:
            w = csv.writer(f, delimiter="\t", lineterminator="\n")
            for r in rows:
                w.writerow(r)
    print(f"appended {len(new_exp)} experiments and {len(new_val)} summary values")


if __name__ == "__main__":
    main()
