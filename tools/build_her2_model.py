#!/usr/bin/env python3
"""Builds the her2sim HER2 network model (SBML Level 3 Version 2 core).

    python3 tools/build_her2_model.py            # writes models/her2/her2_network.xml
                                                 # and docs/her2_model.md

Plain Python 3.11, standard library only. The model is described declaratively below
(compartment, species, parameters, reactions with rate-law strings, assignment and rate
rules); a tiny expression parser turns each rate-law string into MathML. Every parameter
carries its value, unit, tag and source; the source goes into the parameter's SBML <notes>.

Convention: time in minutes; every species is a concentration in nM "per cell volume" in one
compartment `cell` of nominal size 1 (so amount = concentration numerically). Receptor counts
per cell are converted with MOLECULES_PER_NM below.

Tags: sourced / unverified (copied from /work/shared/her2/facts.md, with its source string),
derived (computed here from such numbers by the formula shown), assumed (no number in
facts.md; chosen for sensible dynamics, with a one-line reason), control (a study-set input:
drug hooks, ligands, genetic modifiers; the default means "no drug" / "wild type").
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
OUT_XML = ROOT / "models" / "her2" / "her2_network.xml"
OUT_DOC = ROOT / "docs" / "her2_model.md"

ZHOU = "Zhou 2024 via nlmixr2lib"
SCHEUHER = "Scheuher 2023 Table S2a via nlmixr2lib"

# --------------------------------------------------------------------------------------------
# Receptor counts -> concentration.
# Zhou 2024 (facts.md 1a, sourced: Zhou 2024 via nlmixr2lib) gives NCI-N87 both as 5e5 HER2 per
# cell and as E2(0) = 264.8 nM per cell volume: 5e5 / 264.8 = 1888 molecules per nM, i.e. a cell
# volume of about 3.1 pL. (Zhou's ZR-75-1 pair, 1e5 and 92.8 nM, gives 1078 per nM: the
# conversion is uncertain by about 2x.) The Zhou kinetic constants used below are in the same
# per-cell-volume nM, so this keeps them consistent.
# --------------------------------------------------------------------------------------------
MOLECULES_PER_NM = 5.0e5 / 264.8

HER2_PER_CELL = 4.7e5  # BT-474, sourced: Scheuher 2023 notes, via nlmixr2lib
EGFR_PER_CELL = 5.0e4  # inside 1e4-1e5, unverified (low confidence)
HER3_PER_CELL = 2.0e4  # inside 1e4-5e4, unverified (low confidence)

HER2_NM = HER2_PER_CELL / MOLECULES_PER_NM
EGFR_NM = EGFR_PER_CELL / MOLECULES_PER_NM
HER3_NM = HER3_PER_CELL / MOLECULES_PER_NM

PER_S_TO_PER_MIN = 60.0

# Trafficking (Scheuher 2023 Table S2a via nlmixr2lib, s^-1 -> min^-1)
K_INT_HER2 = 4.27e-5 * PER_S_TO_PER_MIN
K_REC_HER2 = 2.4e-5 * PER_S_TO_PER_MIN
K_DEG_HER2_ENDO = 1.27e-4 * PER_S_TO_PER_MIN

# HSP90 cycle (assumed; see the parameter table)
K_HSP_RELEASE = 0.05
K_HSP_BIND = 0.95
K_DEG_HER2_FREE = math.log(2) / 60.0

HER2_MRNA_DEG = math.log(2) / 600.0
HER2_GENE_COPIES = 20.0
K_TX_HER2 = HER2_MRNA_DEG  # nM/min per copy: 1 nM mRNA per copy at steady state
# Whole-surface HER2 loss rate at steady state: internalised HER2 is degraded with probability
# kdeg/(krec+kdeg); HSP90-free HER2 (a fraction krel/(krel+kbind)) is degraded fast as well.
_F_FREE = K_HSP_RELEASE / (K_HSP_RELEASE + K_HSP_BIND)
HER2_LOSS = K_INT_HER2 * K_DEG_HER2_ENDO / (K_REC_HER2 + K_DEG_HER2_ENDO) + _F_FREE * K_DEG_HER2_FREE
# Calibration factor measured with her2sim (surface HER2 at 72 h was 272 nM with the formula
# alone, because HER2 held in dimers escapes the HSP90-free degradation and HER2 partners of
# HER3 complexes return to the surface: 248.9 / 272.3 = 0.914; ectodomain shedding then lowered
# it to 232.7 nM: 0.914 x 248.9 / 232.7 = 0.978). Re-measure when trafficking
# or dimerisation changes (target: HER2_total ~249 nM at 72 h).
HER2_SYNTH_CORRECTION = 0.978
K_TL_HER2 = HER2_SYNTH_CORRECTION * HER2_NM * HER2_LOSS / (HER2_GENE_COPIES * 1.0)

K_DEG_EGFR = 0.0018  # Zhou 2024
K_DEG_HER3 = 0.31  # Zhou 2024
HER3_BASAL_FRACTION = 0.2
# Active (unphosphorylated, nuclear) FOXO fraction in the default steady state, measured with
# her2sim; it sets HER3 synthesis so that HER3 settles near HER3_NM. Re-measure when the
# PI3K/AKT layer changes.
FOXO_ACTIVE_AT_DEFAULT = 0.307
# HER3 mRNA (relative units, 1 in the default steady state) carries FOXO's transcriptional
# feedback with the delay of mRNA turnover, so HER3 re-expression under HER2/AKT inhibition
# builds over a day instead of following FOXO within minutes (HER3 protein turns over fast).
HER3_MRNA_DEG = math.log(2) / (4.0 * 60.0)
K_TX_HER3 = HER3_MRNA_DEG / (HER3_BASAL_FRACTION + (1 - HER3_BASAL_FRACTION) * FOXO_ACTIVE_AT_DEFAULT)
K_SYN_HER3 = HER3_NM * K_DEG_HER3

# HSP90 clients AKT and RAF-1 (besides HER2): half-lives with HSP90 and after its inhibition.
# Filled from the sources given in each string (see the parameter table).
AKT_DEG_BASAL = math.log(2) / (24.0 * 60.0)
AKT_DEG_TAG, AKT_DEG_SOURCE = "assumed", (
    "assumed: AKT protein half-life ~24 h in untreated cells (a stable kinase; no measured value found in the stored "
    "literature)")
AKT_HSP90_FOLD = 6.0
AKT_FOLD_TAG, AKT_FOLD_SOURCE = "assumed", (
    "assumed: full HSP90 inhibition shortens AKT's half-life 6-fold, to ~4 h. AKT is an HSP90 client degraded by "
    "17-AAG in HER2-amplified breast cells (Basso 2002 Oncogene, PMC3221005: 'loss of Akt expression in response to "
    "drug'; Solit 2002 Clin Cancer Res: '17-AAG caused the degradation of HER2, Akt'); clients go within hours (97% "
    "HER2 loss at 4 h in xenografts, Solit 2002); the fold itself is not published")
RAF_DEG_BASAL = math.log(2) / (24.0 * 60.0)

# T-DXd (trastuzumab deruxtecan) payload. DXd is membrane-permeable (the bystander effect), so
# it leaves cells within minutes, unlike T-DM1's charged catabolite.
DXD_DAR = 8.0
DXD_DAR_TAG = "sourced"
DXD_DAR_SOURCE = "Yin 2021 CPT Pharmacometrics Syst Pharmacol (PMC8246728): drug-to-antibody ratio about 8 (facts.md 2)"
K_DXD_OUT = 0.00898 * 60.0
K_DXD_OUT_TAG = "sourced"
K_DXD_OUT_SOURCE = ("Scheuher 2023 JPKPD in-vitro ADC model, DXd k_out 0.00898 /s (k_in 0.0128 /s; T-DM1's catabolite 3.94e-5 /s), "
                    "read from its code in GitHub yuezheli/ADC-archives ADCtox/params.jl (secondary): DXd crosses membranes in seconds")
DXD_IC50 = 9.54
DXD_IC50_TAG = "sourced"
DXD_IC50_SOURCE = ("Scheuher 2023 JPKPD in-vitro model value for the DXd payload, ic50 9.54e-3 uM (kill max 0.201 /h), read from "
                   "GitHub yuezheli/ADC-archives her2-invitro/script/invitro-tdxd.jl (secondary); cell IC50s of 1-4 nM are quoted for Ogitani 2016 (unverified)")
DXD_KILL_MAX = 1.0e-4
DXD_KILL_SOURCE = ("assumed, calibrated by hand with her2sim to the SK-BR-3 T-DXd viability of Ogitani 2016 CCR 22:5097 (digitised in "
                   "yuezheli/ADC-archives, facts.md 2: 0.75, 0.68, 0.27, 0.18, 0.18 at 0.6, 3.3, 15.9, 79, 410 ng/mL), taking the assay as 6 days "
                   "(unverified): the model gives 0.89, 0.60, 0.28, 0.14, 0.10 (2e-4 gave 0.80, 0.42, 0.14, 0.06, 0.04); the measured floor of ~17% "
                   "surviving cells is not reproduced (the model has no drug-tolerant subpopulation). Tested in crates/her2/tests/behaviour.rs")
RAF_DEG_TAG, RAF_DEG_SOURCE = "assumed", "assumed: RAF half-life ~24 h in untreated cells (no measured value found)"
RAF_HSP90_FOLD = 3.0
RAF_FOLD_TAG, RAF_FOLD_SOURCE = "assumed", (
    "assumed: full HSP90 inhibition shortens the lumped RAF's half-life 3-fold: Raf-1 and A-Raf need HSP90 for "
    "stability, B-Raf does not (Grbovic 2006 PNAS 103:57, PMID 16371460, sourced), so only part of the pool is a "
    "fast-degraded client")

MU_MAX = math.log(2) / (37.4 * 60.0)  # SK-BR-3 doubling 37.4 h

# Measured with her2sim for the documentation (rerun the scans when the model changes):
# change | HER2_total | HER3_total | pAKT | pERK | pS6K | proliferation_rate at 72 h.
BEHAVIOUR = [
    "default (BT-474-like) | 250 | 10.5 | 0.570 | 0.376 | 0.476 | 2.16e-04",
    "`her2_gene_copies` = 2 (MCF7-like, no other drive) | 25 | 13.4 | 0.295 | 0.089 | 0.363 | 4.26e-05",
    "`tki_her2_inhibition` = 0.9 | 250 | 12.7 | 0.345 | 0.200 | 0.391 | 6.49e-05",
    "`pten_activity` = 0.1 | 250 | 9.3 | 0.794 | 0.376 | 0.525 | 4.42e-04",
    "`pik3ca_gain` = 3 | 250 | 9.7 | 0.718 | 0.376 | 0.511 | 3.57e-04",
    "`domainIV_block` = 1 | 143 | 12.1 | 0.394 | 0.283 | 0.414 | 9.20e-05",
    "`hsp90_inhibition` = 0.9 | 136 | 18.5 | 0.097 | 0.042 | 0.181 | 2.04e-06",
    "`sirna_knockdown` = 0.8 | 46 | 12.5 | 0.362 | 0.162 | 0.399 | 7.11e-05",
    "`pi3k_inhibition` = 0.9 | 251 | 15.9 | 0.177 | 0.376 | 0.273 | 1.32e-05",
    "`akt_inhibition` = 0.9 | 251 | 17.0 | 0.138 | 0.376 | 0.232 | 6.60e-06",
    "`mek_inhibition` = 0.9 | 250 | 10.5 | 0.570 | 0.015 | 0.476 | 1.88e-04",
    "`[HRG]` = 1 nM | 254 | 9.7 | 0.707 | 0.401 | 0.509 | 3.47e-04",
    "`p95_expression` = 0.5 | 250 | 10.3 | 0.610 | 0.404 | 0.486 | 2.52e-04",
    "`other_drive` = 1 | 250 | 10.3 | 0.600 | 0.398 | 0.484 | 2.43e-04",
]


# --------------------------------------------------------------------------------------------
# Declarative model description
# --------------------------------------------------------------------------------------------
@dataclass
class Species:
    id: str
    name: str
    initial: float
    boundary: bool = False
    constant: bool = False


@dataclass
class Parameter:
    id: str
    value: float
    unit: str  # a unit id declared below, or "" for none
    tag: str  # sourced | unverified | derived | assumed | control
    source: str  # the source string, or the reason ("assumed: ...")
    group: str = ""


@dataclass
class Reaction:
    id: str
    name: str
    reactants: list[str]
    products: list[str]
    modifiers: list[str]
    rate: str  # in nM/min; multiplied by the compartment size `cell` when written
    reversible: bool = False


@dataclass
class Rule:
    variable: str
    math: str
    kind: str = "assignment"  # or "rate"


@dataclass
class Model:
    species: list[Species] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)


M = Model()
GROUP = [""]


def group(name: str) -> None:
    GROUP[0] = name


def sp(id_: str, name: str, initial: float = 0.0, boundary: bool = False, constant: bool = False):
    M.species.append(Species(id_, name, initial, boundary, constant))


def par(id_: str, value: float, unit: str, tag: str, source: str):
    assert tag in ("sourced", "unverified", "derived", "assumed", "control", "fitted"), tag
    M.parameters.append(Parameter(id_, value, unit, tag, source, GROUP[0]))


def rxn(id_, name, reactants, products, rate, modifiers=(), reversible=False):
    M.reactions.append(Reaction(id_, name, list(reactants), list(products), list(modifiers), rate, reversible))


def assign(var: str, math_: str):
    M.rules.append(Rule(var, math_, "assignment"))


def rate_rule(var: str, math_: str):
    M.rules.append(Rule(var, math_, "rate"))


# ---- species ---------------------------------------------------------------------------------
# Ligands: constant boundary species, so a study sets them as [EGF] / [HRG].
sp("EGF", "EGF (medium)", 0.01, boundary=True, constant=True)
sp("HRG", "heregulin / NRG1 (medium)", 0.0, boundary=True, constant=True)
# HER2 gene expression and receptors
sp("HER2_mRNA", "HER2 mRNA", HER2_GENE_COPIES * K_TX_HER2 / HER2_MRNA_DEG)
sp("HER2", "HER2 monomer, surface, HSP90-bound (dimerisation-competent)", HER2_NM * (1 - _F_FREE))
sp("HER2_free", "HER2 monomer released from HSP90 (degraded fast)", HER2_NM * _F_FREE)
sp("HER2_int", "HER2, internalised (endosomal)", 0.0)
sp("p95", "p95HER2 (truncated HER2 without the ectodomain; kinase-competent)", 0.0)
sp("pP95", "phosphorylated p95HER2 (active)", 0.0)
sp("payload", "intracellular ADC payload (DM1 metabolites released in lysosomes)", 0.0)
sp("payload_dxd", "intracellular DXd (topoisomerase-I inhibitor released from T-DXd in lysosomes)", 0.0)
sp("EGFR", "EGFR monomer, surface", EGFR_NM)
sp("EGFR_int", "EGFR, internalised (endosomal)", 0.0)
sp("HER3_mRNA", "HER3 mRNA (relative to the default steady state)", 1.0)
sp("HER3", "HER3 monomer, surface", HER3_NM)
sp("EGF_EGFR", "EGF:EGFR", 0.0)
sp("HRG_HER3", "HRG:HER3", 0.0)
DIMERS = {
    # id: (name, partners)
    "D_EE": ("(EGF:EGFR)2 homodimer", ("EGF_EGFR", "EGF_EGFR")),
    "D_E2": ("EGF:EGFR:HER2 heterodimer", ("EGF_EGFR", "HER2")),
    "D_22": ("HER2:HER2 homodimer (ligand-independent)", ("HER2", "HER2")),
    "D_23": ("HER2:HER3 heterodimer (ligand-independent)", ("HER2", "HER3")),
    "D_H23": ("HER2:HRG:HER3 heterodimer", ("HRG_HER3", "HER2")),
    "D_E3": ("EGF:EGFR:HRG:HER3 heterodimer", ("EGF_EGFR", "HRG_HER3")),
}
for d, (name, _) in DIMERS.items():
    sp(d, name, 0.0)
for d, (name, _) in DIMERS.items():
    sp("p" + d, "phosphorylated (active) " + name, 0.0)
# PI3K / AKT / mTORC1 / FOXO
PI3K_TOT, PIP_TOT, AKT_TOT, MTOR_TOT, S6K_TOT, FOXO_TOT = 10.0, 100.0, 100.0, 50.0, 50.0, 50.0
sp("PI3K", "PI3K (inactive)", PI3K_TOT)
sp("PI3K_act", "PI3K recruited by receptors (active)", 0.0)
sp("PIP2", "PIP2 (membrane lipid, nM-equivalent)", PIP_TOT)
sp("PIP3", "PIP3", 0.0)
sp("AKT", "AKT", AKT_TOT)
sp("pAKT", "phospho-AKT (active)", 0.0)
sp("mTORC1", "mTORC1 (inactive)", MTOR_TOT)
sp("mTORC1_act", "mTORC1 (active)", 0.0)
sp("S6K", "S6K", S6K_TOT)
sp("pS6K", "phospho-S6K (active)", 0.0)
sp("FOXO", "FOXO, nuclear (active)", FOXO_TOT)
sp("pFOXO", "FOXO phosphorylated by AKT (cytoplasmic, inactive)", 0.0)
# SOS / RAS / RAF / MEK / ERK
SOS_TOT, RAS_TOT, RAF_TOT, MEK_TOT, ERK_TOT = 20.0, 100.0, 50.0, 200.0, 300.0
sp("SOS", "SOS (cytosolic)", SOS_TOT)
sp("SOS_act", "SOS recruited to receptors (active)", 0.0)
sp("SOS_p", "SOS phosphorylated by ERK (inhibited)", 0.0)
sp("RAS_GDP", "RAS-GDP", RAS_TOT)
sp("RAS_GTP", "RAS-GTP", 0.0)
sp("RAF", "RAF", RAF_TOT)
sp("RAF_act", "RAF (active)", 0.0)
sp("MEK", "MEK", MEK_TOT)
sp("MEK_p", "MEK-P", 0.0)
sp("MEK_pp", "MEK-PP (active)", 0.0)
sp("ERK", "ERK", ERK_TOT)
sp("ERK_p", "ERK-P", 0.0)
sp("ERK_pp", "ERK-PP (active)", 0.0)

# ---- parameters ------------------------------------------------------------------------------
group("Controls: ligands, gene dose, genetic modifiers")
par("her2_gene_copies", HER2_GENE_COPIES, "dimensionless", "assumed",
    "assumed: BT-474-like amplified ERBB2 (~10x the 2 normal copies); HER2 protein scales with copy number (r = 0.99, Szöllősi/Feuerstein, facts.md 1a, sourced)")
par("her2_promoter_activity", 1.0, "dimensionless", "control",
    "control: HER2 promoter activity relative to untreated; E1A/PEA3 lower it (5-10x repression in reporter assays, facts.md 2, unverified, low confidence)")
par("sirna_knockdown", 0.0, "dimensionless", "control",
    "control: fraction by which siRNA lowers steady-state HER2 mRNA (mRNA decay divided by 1 - x; valid 0 <= x < 1); 70-90% protein knock-down typical (facts.md 2, unverified, low confidence)")
par("pten_activity", 1.0, "dimensionless", "control", "control: PTEN activity relative to wild type (PTEN loss < 1)")
par("pik3ca_gain", 1.0, "dimensionless", "control", "control: factor on the PI3K catalytic rate (activating PIK3CA mutation > 1)")
par("other_drive", 0.0, "nM", "control",
    "control: HER2-independent growth-factor drive (oestrogen receptor, IGF1R and other inputs) in nM of active-receptor equivalents; it recruits SOS like a receptor dimer and PI3K only at the weak non-HER3 weight (w_pi3k_other), so HER2 overexpression still raises AKT in such lines; 0 for HER2-addicted lines, larger for lines that grow without HER2 (MCF-7)")
par("mitotic_death_fraction", 1.0, "dimensionless", "control",
    "control: share of cells arrested in mitosis by a taxane that die rather than slip out of mitosis; lines differ profoundly (Gascoigne & Taylor 2008 Cancer Cell 14:111, sourced: cell.com S1535-6108(08)00228-6 summary); 1 unless a line sets it (fitted per line in the calibration)")
par("effector_activity", 0.0, "dimensionless", "control",
    "control: immune effector cells (NK) available for ADCC, relative to an in-vivo tumour (0 = plain in-vitro culture; the immune-effectors modifier sets 1)")
par("p95_expression", 0.0, "dimensionless", "control",
    "control: p95HER2 made per full-length HER2 from the same ERBB2 mRNA (0 = none; the p95her2 modifier sets it). p95 lacks domains II and IV, so trastuzumab and pertuzumab cannot act on it; kinase inhibitors can (PubMed 17440164, sourced)")

group("Drug hooks (0 = no drug)")
par("tki_her2_inhibition", 0.0, "dimensionless", "control", "control: fraction of HER2 kinase activity inhibited (lapatinib, neratinib, tucatinib)")
par("tki_egfr_inhibition", 0.0, "dimensionless", "control", "control: fraction of EGFR kinase activity inhibited (lapatinib, neratinib)")
par("dimerisation_block_her2her3", 0.0, "dimensionless", "control", "control: fraction of HER2's domain II dimerisation arm blocked (pertuzumab-like): HER2:HER3 dimers and ligand-induced EGFR:HER2 dimers")
par("domainIV_block", 0.0, "dimensionless", "control", "control: trastuzumab-like occupancy of HER2 domain IV: blocks HER2:HER2 homodimer signalling, raises HER2 internalisation")
par("hsp90_inhibition", 0.0, "dimensionless", "control", "control: fraction of HSP90 (re)binding of HER2 blocked (17-AAG-like)")
par("pi3k_inhibition", 0.0, "dimensionless", "control", "control: fraction of PI3K catalytic activity inhibited (alpelisib-like)")
par("akt_inhibition", 0.0, "dimensionless", "control", "control: fraction of AKT activation inhibited (MK-2206-like)")
par("mtor_inhibition", 0.0, "dimensionless", "control", "control: fraction of mTORC1 kinase activity inhibited (everolimus-like)")
par("mek_inhibition", 0.0, "dimensionless", "control", "control: fraction of MEK kinase activity inhibited (trametinib-like)")
par("chemo_damage", 0.0, "per_min", "control", "control: rate of drug-induced lethal damage of no particular class, added to the basal apoptosis rate")
par("mitotic_damage", 0.0, "per_min", "control",
    "control: taxane mitotic-arrest kill rate of a cell dividing at mu_max; scaled by proliferation_rate / mu_max, since only cells that enter mitosis arrest and die (paclitaxel, docetaxel)")
par("dna_damage", 0.0, "per_min", "control",
    "control: platinum DNA-damage kill rate, added to the basal apoptosis rate; it also arrests the cycle (checkpoint), lowering proliferation (cisplatin)")
par("adc_occupancy", 0.0, "dimensionless", "control",
    "control: fraction of HER2 domain IV bound by the antibody-drug conjugate (T-DM1); internalised, lysosomally degraded conjugate releases its payload (also counted in domainIV_block)")
par("adc_dxd_occupancy", 0.0, "dimensionless", "control",
    "control: fraction of HER2 domain IV bound by trastuzumab deruxtecan (T-DXd); internalised, lysosomally degraded conjugate releases DXd (also counted in domainIV_block)")
par("dxd_retention", 0.0, "dimensionless", "control",
    "control: share of the DXd a cell releases that neighbouring cells take back up before blood washes it out of the tissue (the bystander effect within a tumour of like cells); 0 in culture, where the medium dilutes it")
par("dxd_bystander", 0.0, "nM", "control",
    "control: DXd in the fluid around the cell released by neighbouring cells (bystander effect of a membrane-permeable payload); 0 in a culture of one line, where the medium dilutes what cells release")
par("proliferation_capacity", 1.0, "dimensionless", "control",
    "control: factor on the proliferation rate (and so on the share of cells reaching mitosis), 1 in the laboratory; the trial layer sets it per tumour clone so that every clone's untreated growth equals its tumour's parental line's, as the tumour model gives all clones one in-vivo growth (docs/trials.md)")

group("HER2 expression and HSP90")
par("k_tx_her2", K_TX_HER2, "nM_per_min", "assumed",
    "assumed: mRNA scale is arbitrary; set so steady-state HER2 mRNA = 1 nM per gene copy")
par("her2_mrna_deg", HER2_MRNA_DEG, "per_min", "assumed", "assumed: HER2 mRNA half-life 10 h (typical stable mRNA; not in facts.md)")
par("k_tl_her2", K_TL_HER2, "per_min", "derived",
    f"derived: k_tl = HER2_0 * loss / mRNA_ss with HER2_0 = 4.7e5/cell (BT-474, Scheuher 2023 notes, via nlmixr2lib, sourced) / {MOLECULES_PER_NM:.0f} per nM and loss = k_int*k_deg/(k_rec+k_deg) + f_free*k_deg_free, times a calibration factor {HER2_SYNTH_CORRECTION} measured with her2sim, so the default steady state carries ~4.7e5 HER2 per cell")
par("k_hsp_release", K_HSP_RELEASE, "per_min", "assumed", "assumed: HSP90 client cycling in tens of minutes; 5% of HER2 HSP90-free at rest")
par("k_hsp_bind", K_HSP_BIND, "per_min", "assumed", "assumed: with k_hsp_release keeps 95% of HER2 HSP90-bound")
par("k_deg_her2_free", K_DEG_HER2_FREE, "per_min", "unverified",
    "facts.md 2: HSP90 inhibitor: HER2 t1/2 falls to ~1-2 h (unverified, low confidence); 1 h used for HSP90-free HER2")

group("HSP90 clients AKT and RAF")
par("akt_reference_total", AKT_TOT, "nM", "assumed",
    "assumed: total AKT of an untreated cell (an order of magnitude typical of ErbB ODE models); pAKT_fraction is phospho-AKT relative to it")
par("k_deg_akt", AKT_DEG_BASAL, "per_min", AKT_DEG_TAG, AKT_DEG_SOURCE)
par("hsp90_client_fold_akt", AKT_HSP90_FOLD, "dimensionless", AKT_FOLD_TAG, AKT_FOLD_SOURCE)
par("k_deg_raf", RAF_DEG_BASAL, "per_min", RAF_DEG_TAG, RAF_DEG_SOURCE)
par("hsp90_client_fold_raf", RAF_HSP90_FOLD, "dimensionless", RAF_FOLD_TAG, RAF_FOLD_SOURCE)

group("p95HER2 and antibody-drug-conjugate payload")
par("k_deg_p95", HER2_LOSS, "per_min", "assumed",
    "assumed: p95HER2 (611-CTF) turns over like surface HER2 (the model's steady-state HER2 loss rate)")
par("k_phos_p95", 0.006, "per_min", "assumed",
    "assumed: constitutive p95HER2 activity (611-CTF forms active homodimers); set so p95 at half the full-length HER2 level adds signalling comparable to the HER2:HER2 homodimers of an amplified line")
par("adc_dar", 3.5, "dimensionless", "sourced", "Scheuher 2023 Table S2a (Kadcyla BLA): mean drug-to-antibody ratio 3.5")
par("k_payload_out", 0.01, "per_min", "assumed",
    "assumed: the charged lysine-SMCC-DM1 catabolite leaves cells slowly (t1/2 ~70 min); no number in facts.md")
par("payload_ic50", 23.8, "nM", "sourced", "yuezheli/ADC-archives param-tdm1.jl citing Scheuher 2023: DM1 payload IC50 23.8 nM")
par("payload_kill_max", 2.0e-4, "per_min", "assumed",
    "assumed, calibrated by hand with her2sim to the sourced SK-BR-3 T-DM1 viability plateau of 0.33 at >= 0.11 ug/mL, 48-72 h (Cancer Res 68:9280 digitised in yuezheli/ADC-archives), redone on the fitted model (was 8e-4 when AKT survival signalling protected from payload damage; the calibration fit rejected that protection): 72-h viability 0.35 at 0.11 and 0.30 at 1 ug/mL; at 0.013 ug/mL 0.48 against the measured 0.59 (tested in crates/her2/tests/behaviour.rs). Next: T-DM1's viability data in the PEtab calibration, so the fit sets it")

par("adc_dxd_dar", DXD_DAR, "dimensionless", DXD_DAR_TAG, DXD_DAR_SOURCE)
par("k_dxd_out", K_DXD_OUT, "per_min", K_DXD_OUT_TAG, K_DXD_OUT_SOURCE)
par("dxd_ic50", DXD_IC50, "nM", DXD_IC50_TAG, DXD_IC50_SOURCE)
par("dxd_kill_max", DXD_KILL_MAX, "per_min", "assumed", DXD_KILL_SOURCE)

group("Shedding and ADCC")
par("k_shed_her2", 0.1 * K_INT_HER2, "per_min", "assumed",
    "assumed: ADAM10 sheds the HER2 ectodomain at a tenth of the constitutive internalisation rate, leaving membrane-bound p95HER2 (648-CTF); serum ECD is detectable in 64% of MBC patients (Herceptin SmPC, sourced) but no cellular rate is in facts.md")
par("adcc_kill_max", 1.5e-4, "per_min", "assumed",
    "assumed: fully opsonised, HER2-rich cells with effectors present die at ~0.2 per day by ADCC, comparable to their growth rate, as BT-474 xenografts regress on trastuzumab (BJC 2011, facts.md 7, sourced qualitatively)")
par("K_adcc", 50.0, "nM", "assumed",
    "assumed: ADCC half-maximal at ~1e5 HER2 per cell (50 nM x 1888), rising steeply (Hill n = 2): it needs high antigen density, so HER2-amplified lines are killed and HER2-low ones hardly")

group("Receptor trafficking and turnover")
par("k_int_her2", K_INT_HER2, "per_min", "sourced", f"{SCHEUHER}: HER2 endocytosis 4.27e-5 s^-1 (SK-BR-3, fit to Austin 2004)")
par("k_rec_her2", K_REC_HER2, "per_min", "sourced", f"{SCHEUHER}: HER2 recycling 2.4e-5 s^-1")
par("k_deg_her2_endo", K_DEG_HER2_ENDO, "per_min", "sourced", f"{SCHEUHER}: HER2 endosomal degradation 1.27e-4 s^-1")
par("domainIV_kinase_block", 0.25, "dimensionless", "assumed",
    "assumed: trastuzumab-like binding lowers HER2:HER2 homodimer signalling by a quarter at full occupancy; its main action in HER2-amplified cells is disrupting ligand-independent HER2:HER3 complexes (Junttila 2009 Cancer Cell; not in facts.md), so PI3K/AKT falls more than ERK")
par("domainIV_internalisation_fold", 2.0, "dimensionless", "assumed",
    "assumed: trastuzumab-like binding raises HER2 internalisation (issue text; no number in facts.md) by 2x at full occupancy")
par("k_syn_egfr", EGFR_NM * K_DEG_EGFR, "nM_per_min", "derived",
    f"derived: EGFR_0 * k_deg_egfr with EGFR_0 = 5e4/cell (inside 1e4-1e5, facts.md 1a, unverified, low confidence) / {MOLECULES_PER_NM:.0f} per nM")
par("k_deg_egfr", K_DEG_EGFR, "per_min", "sourced", f"{ZHOU}: EGFR degradation 0.0018 min^-1 (cites PMID 8617810)")
par("k_int_egfr_lig", 0.15, "per_min", "unverified", "facts.md 1b: EGFR ligand-induced internalisation ~0.1-0.3 min^-1 (Wiley/Lauffenburger, unverified)")
par("k_int_egfr_her2", 0.03, "per_min", "unverified",
    "facts.md 1b: EGFR constitutive internalisation ~0.02-0.05 min^-1 (unverified), used for EGFR:HER2 dimers: HER2 is endocytosis-resistant (sourced: jcancer.org v11p3288) and heterodimers traffic as units (Hendriks 2003, sourced)")
par("k_rec_egfr", 0.02, "per_min", "assumed", "assumed: endosomal EGFR recycled at about twice its degradation rate")
par("k_deg_egfr_endo", 0.01, "per_min", "assumed", "assumed: ligand-internalised EGFR degraded with t1/2 ~1 h")
par("k_syn_her3", K_SYN_HER3, "per_min", "derived",
    "derived: HER3_0 * k_deg_her3 per unit of HER3 mRNA (1 at the default steady state), with HER3_0 = 2e4/cell (inside 1e4-5e4, facts.md 1a, unverified, low confidence)")
par("her3_mrna_deg", HER3_MRNA_DEG, "per_min", "assumed",
    "assumed: HER3 mRNA half-life 4 h, so FOXO-driven HER3 re-expression under HER2 or AKT inhibition builds over 12-48 h as published (Garrett 2011 PNAS lapatinib, Chandarlapaty 2011 Cancer Cell AKT inhibitors: qualitative abstracts; no half-life in facts.md)")
par("k_tx_her3", K_TX_HER3, "nM_per_min", "derived",
    f"derived: her3_mrna_deg / (b + (1-b)*{FOXO_ACTIVE_AT_DEFAULT}), so HER3 mRNA is 1 in the default steady state ({FOXO_ACTIVE_AT_DEFAULT} = its active FOXO fraction, measured with her2sim)")
par("her3_basal_fraction", HER3_BASAL_FRACTION, "dimensionless", "assumed",
    "assumed: 20% of maximal HER3 transcription is FOXO-independent, so AKT inhibition can raise HER3 up to ~2x (cf. Canonici 2013 HER3 re-induction, facts.md 5, sourced qualitatively)")
par("k_deg_her3", K_DEG_HER3, "per_min", "sourced", f"{ZHOU}: HER3 degradation 0.31 min^-1 (fitted, SKBR3 model)")
par("k_int_her3_complex", K_DEG_HER3, "per_min", "assumed",
    "assumed: HER3-containing dimers are removed at HER3's fitted whole-cell turnover (0.31 min^-1, Zhou 2024, sourced); at the slow HER2 rate, HRG would pile HER3 up ~20-fold. A HER2 partner returns to the surface (HER2 is endocytosis-resistant), so HER3 turnover does not drain HER2")

group("Ligand binding and dimerisation")
par("kon_egf", 0.0618, "per_nM_per_min", "sourced", f"{ZHOU}: EGF-EGFR kon 0.0618 nM^-1 min^-1 (cites PMID 30796217)")
par("koff_egf", 0.34, "per_min", "sourced", f"{ZHOU}: EGF-EGFR koff 0.34 min^-1 (KD ~5.5 nM)")
par("kon_hrg", 0.354, "per_nM_per_min", "sourced", f"{ZHOU}: NRG1-HER3 kon 0.354 nM^-1 min^-1 (cites PMID 10745024)")
par("koff_hrg", 0.54, "per_min", "sourced", f"{ZHOU}: NRG1-HER3 koff 0.54 min^-1 (KD ~1.5 nM)")
par("kon_22", 0.2, "per_nM_per_min", "sourced", f"{ZHOU}: HER2 homodimerisation kon 0.2 nM^-1 min^-1")
par("koff_22", 130.0, "per_min", "sourced", f"{ZHOU}: HER2 homodimerisation koff 130 min^-1")
par("kon_23", 0.1, "per_nM_per_min", "sourced", f"{ZHOU}: HER2-HER3 dimerisation kon 0.1 nM^-1 min^-1 (used for unliganded HER3)")
par("koff_23", 130.0, "per_min", "sourced", f"{ZHOU}: HER2-HER3 dimerisation koff 130 min^-1")
par("kon_h23", 0.6, "per_nM_per_min", "sourced", f"{ZHOU}: NRG1:HER3 + HER2 kon 0.6 nM^-1 min^-1")
par("koff_h23", 0.2, "per_min", "sourced", f"{ZHOU}: NRG1:HER3 + HER2 koff 0.2 min^-1")
par("kon_e2", 0.6, "per_nM_per_min", "sourced", f"{ZHOU}: EGF:EGFR + HER2 kon 0.6 nM^-1 min^-1")
par("koff_e2", 1.2, "per_min", "sourced", f"{ZHOU}: EGF:EGFR + HER2 koff 1.2 min^-1")
par("kon_ee", 0.6, "per_nM_per_min", "assumed",
    "assumed: equal to EGF:EGFR + HER2 (Zhou 2024) since EGFR homo- and EGFR:HER2 heterodimer affinities are comparable (Hendriks 2003 JBC 278:23343, sourced, qualitative)")
par("koff_ee", 1.2, "per_min", "assumed", "assumed: as kon_ee")
par("kon_e3", 0.1, "per_nM_per_min", "assumed", "assumed: EGFR:HER3 pairing weaker than HER2:HER3 (HER2 is the preferred HER3 partner); no number in facts.md")
par("koff_e3", 1.2, "per_min", "assumed", "assumed: as the other liganded heterodimers")

group("Receptor phosphorylation")
par("k_phos", 5.0, "per_min", "assumed", "assumed: trans-autophosphorylation within seconds of dimerisation")
par("k_dephos", 0.5, "per_min", "assumed", "assumed: receptor phosphatases (PTPs) clear phosphotyrosine in minutes")

group("PI3K / AKT / mTORC1 / FOXO")
par("k_pi3k_act", 1.5, "per_nM_per_min", "assumed", "assumed: set so BT-474-like HER2 signalling keeps a large part of PI3K recruited")
par("w_pi3k_other", 0.05, "dimensionless", "assumed", "assumed: EGFR/HER2 recruit p85 weakly and indirectly; HER3 (six YXXM sites) is the main PI3K docking partner")
par("k_pi3k_off", 0.2, "per_min", "assumed", "assumed: PI3K released within minutes once receptors are dephosphorylated")
par("K_s6k_fb", 0.5, "dimensionless", "assumed", "assumed: S6K (fraction active) halves PI3K recruitment at 50% activity (S6K -> IRS1 feedback)")
par("k_pip3", 0.05, "per_nM_per_min", "assumed", "assumed: PIP3 production per active PI3K; gives PIP3 a few % of PIP2")
par("pi3k_basal", 0.02, "dimensionless", "assumed", "assumed: 2% receptor-independent PI3K activity, so pik3ca_gain acts without receptor input")
par("k_pten", 0.5, "per_min", "assumed", "assumed: PTEN turns PIP3 over within minutes")
par("k_akt", 0.01, "per_nM_per_min", "assumed", "assumed: AKT phosphorylation by PDK1/mTORC2 at PIP3")
par("k_akt_dephos", 0.2, "per_min", "assumed", "assumed: PP2A/PHLPP dephosphorylate AKT within minutes")
par("k_mtor", 0.002, "per_nM_per_min", "assumed", "assumed: AKT -> TSC2 -| Rheb -> mTORC1, lumped")
par("k_mtor_off", 0.2, "per_min", "assumed", "assumed: mTORC1 inactivated within minutes without AKT input")
par("k_s6k", 0.01, "per_nM_per_min", "assumed", "assumed: S6K phosphorylation by active mTORC1")
par("k_s6k_dephos", 0.2, "per_min", "assumed", "assumed: S6K phosphatase")
par("k_foxo_p", 0.02, "per_nM_per_min", "assumed", "assumed: AKT phosphorylates FOXO (nuclear exclusion)")
par("k_foxo_dephos", 0.5, "per_min", "assumed", "assumed: FOXO dephosphorylation / nuclear return")

group("SOS / RAS / RAF / MEK / ERK")
par("k_sos", 0.05, "per_nM_per_min", "assumed", "assumed: Grb2-SOS recruitment by phosphorylated dimers")
par("w_sos_her3", 0.3, "dimensionless", "assumed", "assumed: HER3 dimers recruit Grb2/Shc less than EGFR/HER2 dimers")
par("k_sos_off", 0.2, "per_min", "assumed", "assumed: SOS release within minutes")
par("k_sos_fb", 0.0005, "per_nM_per_min", "assumed", "assumed: ERK phosphorylates SOS (negative feedback), dissociating it from Grb2")
par("k_sos_p_dephos", 0.05, "per_min", "assumed", "assumed: feedback phosphorylation relaxes in ~15 min")
par("k_ras", 0.05, "per_nM_per_min", "assumed", "assumed: SOS GEF activity on RAS")
par("k_ras_gap", 0.5, "per_min", "assumed", "assumed: GAP-stimulated GTP hydrolysis")
par("k_raf", 0.005, "per_nM_per_min", "assumed", "assumed: RAS-GTP activates RAF")
par("k_raf_off", 0.2, "per_min", "assumed", "assumed: RAF inactivation")
par("k_mek", 0.01, "per_nM_per_min", "assumed", "assumed: RAF phosphorylates MEK (each of two sites)")
par("k_mek_dephos", 0.2, "per_min", "assumed", "assumed: MEK phosphatase (each site)")
par("k_erk", 0.008, "per_nM_per_min", "assumed", "assumed: MEK-PP phosphorylates ERK (each of two sites)")
par("k_erk_dephos", 0.5, "per_min", "assumed", "assumed: DUSP dephosphorylation of ERK (each site)")

group("Phenotype read-outs")
par("mu_max", MU_MAX, "per_min", "derived",
    "derived: ln2 / 37.4 h, the SK-BR-3 in-vitro doubling time (yuezheli/ADC-archives param-tdm1.jl, citing Cellosaurus CVCL_0033, sourced), taken as the maximal proliferation rate")
par("K_prolif_erk", 0.3, "dimensionless", "assumed", "assumed: half-saturation (Hill n = 2) of proliferation in the active-ERK fraction; the steep dependence makes HER2-amplified lines HER2-addicted")
par("w_prolif_erk", 0.3, "dimensionless", "assumed",
    "assumed, chosen from data pending the fit: share of the proliferative drive gated by ERK. MEK inhibition leaves HER2-amplified lines growing at 60-100 % of their rate (trametinib GRmax 0.79 in BT-474 and 0.63-0.97 in SK-BR-3, 72 h, Heiser 2012 and LINCS re-analyses, models/her2/data/summary_values.tsv), so most of the drive runs through PI3K/AKT/mTOR; 1 would make trametinib fully cytostatic")
par("K_prolif_akt", 0.5, "dimensionless", "assumed",
    "assumed: AKT licenses G1/S progression (p27 phosphorylation and cytoplasmic retention, FOXO exclusion: trastuzumab raises p27 in BT-474, Yakes 2002; not in facts.md); half-saturation (Hill n = 2) in the active-AKT fraction")
par("K_prolif_s6k", 0.3, "dimensionless", "assumed", "assumed: half-saturation of proliferation in the active-S6K fraction")
par("apoptosis_basal", 1.0e-5, "per_min", "assumed", "assumed: ~1.4% of cells per day die without drug")
par("survival_max", 0.8, "dimensionless", "assumed", "assumed: full AKT survival signalling removes up to 80% of the apoptotic drive (HER2 signalling protects from chemotherapy)")
par("K_survival", 0.2, "dimensionless", "assumed", "assumed: half-saturation of AKT survival signalling in the active-AKT fraction")
par("addiction_death_max", 2.0e-4, "per_min", "assumed",
    "assumed, chosen from data pending the fit: apoptosis rate of cells that lose AKT survival signalling (oncogene addiction: HER2 or PI3K inhibition kills HER2-amplified cells, not only stops them). Lapatinib kills about half of BT-474 cells in 72 h (GRmax -0.60 Heiser 2012, -0.72 gCSI; neratinib -0.92; alpelisib -0.81; models/her2/data/summary_values.tsv), a net loss of ~1.5e-4 per min with proliferation stopped")
par("K_addiction", 0.2, "dimensionless", "assumed",
    "assumed: active-AKT fraction below which addiction death sets in (Hill n = 4, steep: untreated lines at pAKT 0.45-0.65 carry 1-4 % of it, lapatinib-treated BT-474 at 0.13 most of it)")
par("K_dna_arrest", 1.0e-4, "per_min", "assumed",
    "assumed: DNA-damage rate at which checkpoint arrest halves proliferation (platinum slows the cycle as well as killing)")
par("K_migration", 0.3, "dimensionless", "assumed", "assumed: half-saturation of the migration index in active ERK and AKT")
group("")

# ---- reactions -------------------------------------------------------------------------------
# HER2 gene expression
rxn("her2_transcription", "HER2 transcription (gene dose x promoter activity)", [], ["HER2_mRNA"],
    "k_tx_her2 * her2_gene_copies * her2_promoter_activity")
rxn("her2_mrna_decay", "HER2 mRNA decay (siRNA raises it)", ["HER2_mRNA"], [],
    "her2_mrna_deg * HER2_mRNA / (1 - sirna_knockdown)")
rxn("her2_translation", "HER2 translation (folds on HSP90)", [], ["HER2"], "k_tl_her2 * HER2_mRNA", modifiers=["HER2_mRNA"])
rxn("her2_hsp90_release", "HER2 leaves HSP90", ["HER2"], ["HER2_free"], "k_hsp_release * HER2")
rxn("her2_hsp90_bind", "HER2 rebinds HSP90", ["HER2_free"], ["HER2"], "k_hsp_bind * (1 - hsp90_inhibition) * HER2_free")
rxn("her2_free_degradation", "HSP90-free HER2 degraded (ubiquitin/proteasome)", ["HER2_free"], [], "k_deg_her2_free * HER2_free")
INT_HER2 = "k_int_her2 * (1 + domainIV_block * (domainIV_internalisation_fold - 1))"
rxn("her2_internalisation", "HER2 internalisation", ["HER2"], ["HER2_int"], f"{INT_HER2} * HER2")
rxn("her2_recycling", "HER2 recycling", ["HER2_int"], ["HER2"], "k_rec_her2 * HER2_int")
rxn("her2_endo_degradation", "HER2 endosomal degradation", ["HER2_int"], [], "k_deg_her2_endo * HER2_int")
# p95HER2: translated from the same mRNA (so siRNA and promoter repression lower it too), kinase active
rxn("p95_synthesis", "p95HER2 synthesis (alternative translation of ERBB2 mRNA)", [], ["p95"],
    "k_tl_her2 * p95_expression * HER2_mRNA", modifiers=["HER2_mRNA"])
rxn("p95_phosphorylation", "p95HER2 phosphorylation (constitutive; HER2 kinase inhibitors block it)", ["p95"], ["pP95"],
    "k_phos_p95 * (1 - tki_her2_inhibition) * p95 - k_dephos * pP95", reversible=True)
rxn("her2_shedding", "HER2 ectodomain shedding leaves p95HER2 (blocked by domain IV antibodies)", ["HER2"], ["p95"],
    "k_shed_her2 * (1 - domainIV_block) * HER2")
rxn("p95_degradation", "p95HER2 degradation", ["p95"], [], "k_deg_p95 * p95")
rxn("pP95_degradation", "phospho-p95HER2 degradation", ["pP95"], [], "k_deg_p95 * pP95")
# ADC payload: conjugate-bound HER2 degraded in lysosomes releases DAR payload molecules
rxn("payload_release", "ADC payload released from lysosomally degraded HER2:conjugate", [], ["payload"],
    "adc_dar * adc_occupancy * k_deg_her2_endo * HER2_int", modifiers=["HER2_int"])
rxn("payload_efflux", "payload leaves the cell", ["payload"], [], "k_payload_out * payload")
rxn("dxd_release", "DXd released from lysosomally degraded HER2:T-DXd", [], ["payload_dxd"],
    "adc_dxd_dar * adc_dxd_occupancy * k_deg_her2_endo * HER2_int", modifiers=["HER2_int"])
rxn("dxd_exchange", "DXd crosses the membrane passively, out to the surrounding fluid and in from it (bystander)",
    ["payload_dxd"], [], "k_dxd_out * (payload_dxd * (1 - dxd_retention) - dxd_bystander)", reversible=True)
# EGFR and HER3 turnover
rxn("egfr_synthesis", "EGFR synthesis", [], ["EGFR"], "k_syn_egfr")
rxn("egfr_degradation", "EGFR degradation", ["EGFR"], [], "k_deg_egfr * EGFR")
rxn("egfr_recycling", "EGFR recycling", ["EGFR_int"], ["EGFR"], "k_rec_egfr * EGFR_int")
rxn("egfr_endo_degradation", "EGFR endosomal degradation", ["EGFR_int"], [], "k_deg_egfr_endo * EGFR_int")
rxn("her3_transcription", "HER3 transcription (FOXO-driven)", [], ["HER3_mRNA"],
    "k_tx_her3 * (her3_basal_fraction + (1 - her3_basal_fraction) * FOXO / (FOXO + pFOXO))", modifiers=["FOXO", "pFOXO"])
rxn("her3_mrna_decay", "HER3 mRNA decay", ["HER3_mRNA"], [], "her3_mrna_deg * HER3_mRNA")
rxn("her3_synthesis", "HER3 translation", [], ["HER3"], "k_syn_her3 * HER3_mRNA", modifiers=["HER3_mRNA"])
rxn("her3_degradation", "HER3 degradation", ["HER3"], [], "k_deg_her3 * HER3")
# Ligand binding
rxn("egf_binding", "EGF binds EGFR", ["EGFR"], ["EGF_EGFR"], "kon_egf * EGF * EGFR - koff_egf * EGF_EGFR",
    modifiers=["EGF"], reversible=True)
rxn("egf_egfr_internalisation", "EGF:EGFR internalisation (ligand-induced)", ["EGF_EGFR"], ["EGFR_int"], "k_int_egfr_lig * EGF_EGFR")
rxn("hrg_binding", "HRG binds HER3", ["HER3"], ["HRG_HER3"], "kon_hrg * HRG * HER3 - koff_hrg * HRG_HER3",
    modifiers=["HRG"], reversible=True)
rxn("hrg_her3_degradation", "HRG:HER3 degradation", ["HRG_HER3"], [], "k_deg_her3 * HRG_HER3")

# Dimerisation, phosphorylation, dissociation of phospho-dimers, internalisation
DIMER_KIN = {
    # dimer: (kon expression, koff, kinase-activity factor, internalisation rate, internal products)
    "D_EE": ("kon_ee", "koff_ee", "(1 - tki_egfr_inhibition)", "k_int_egfr_lig", ["EGFR_int", "EGFR_int"]),
    # Pertuzumab (domain II) also blocks EGF-induced EGFR:HER2 heterodimers: "The formation of
    # EGF-dependent HER1-HER2 heterodimers were inhibited by the HER2-targeted monoclonal
    # antibody 2C4" (DeFazio-Eli 2011 Breast Cancer Res, sourced; notes
    # sources_pertuzumab_mechanism.md); trastuzumab (domain IV) does not.
    "D_E2": ("kon_e2 * (1 - dimerisation_block_her2her3)", "koff_e2", "(1 - 0.5 * (tki_egfr_inhibition + tki_her2_inhibition))", "k_int_egfr_her2",
             ["EGFR_int", "HER2_int"]),
    "D_22": ("kon_22", "koff_22", "(1 - tki_her2_inhibition) * (1 - domainIV_kinase_block * domainIV_block)", INT_HER2, ["HER2_int", "HER2_int"]),
    "D_23": ("kon_23 * (1 - dimerisation_block_her2her3) * (1 - domainIV_block)", "koff_23", "(1 - tki_her2_inhibition)", "k_int_her3_complex", ["HER2"]),
    "D_H23": ("kon_h23 * (1 - dimerisation_block_her2her3)", "koff_h23", "(1 - tki_her2_inhibition)", "k_int_her3_complex", ["HER2"]),
    "D_E3": ("kon_e3", "koff_e3", "(1 - tki_egfr_inhibition)", "k_int_her3_complex", ["EGFR_int"]),
}
for d, (kon, koff, kin, kint, internal) in DIMER_KIN.items():
    a, b = DIMERS[d][1]
    pd = "p" + d
    if a == b:
        rxn(f"{d}_formation", f"{DIMERS[d][0]} formation", [a, a], [d], f"{kon} * {a}^2 - {koff} * {d}", reversible=True)
    else:
        rxn(f"{d}_formation", f"{DIMERS[d][0]} formation", [a, b], [d], f"{kon} * {a} * {b} - {koff} * {d}", reversible=True)
    rxn(f"{d}_phosphorylation", f"{DIMERS[d][0]} trans-phosphorylation", [d], [pd],
        f"k_phos * {kin} * {d} - k_dephos * {pd}", reversible=True)
    rxn(f"{pd}_dissociation", f"phospho-{DIMERS[d][0]} dissociates (monomers dephosphorylated)", [pd], [a, b] if a != b else [a, a],
        f"{koff} * {pd}")
    rxn(f"{d}_internalisation", f"{DIMERS[d][0]} internalisation", [d], internal, f"{kint} * {d}")
    rxn(f"{pd}_internalisation", f"phospho-{DIMERS[d][0]} internalisation", [pd], internal, f"{kint} * {pd}")

# PI3K / AKT / mTORC1 / FOXO
PI3K_INPUT = "(pD_H23 + pD_23 + pD_E3 + w_pi3k_other * (pD_22 + pD_E2 + pD_EE + pP95 + other_drive))"
rxn("pi3k_recruitment", "PI3K recruited by phospho-dimers (HER3 strongest; S6K feedback)", ["PI3K"], ["PI3K_act"],
    f"k_pi3k_act * {PI3K_INPUT} * PI3K / (1 + pS6K / (pS6K + S6K) / K_s6k_fb)",
    modifiers=["pD_H23", "pD_23", "pD_E3", "pD_22", "pD_E2", "pD_EE", "pP95", "pS6K", "S6K"])
rxn("pi3k_release", "PI3K released", ["PI3K_act"], ["PI3K"], "k_pi3k_off * PI3K_act")
rxn("pip3_synthesis", "PI3K makes PIP3", ["PIP2"], ["PIP3"],
    "k_pip3 * pik3ca_gain * (1 - pi3k_inhibition) * (PI3K_act + pi3k_basal * PI3K) * PIP2", modifiers=["PI3K_act", "PI3K"])
rxn("pten", "PTEN dephosphorylates PIP3", ["PIP3"], ["PIP2"], "k_pten * pten_activity * PIP3")
rxn("akt_phosphorylation", "AKT phosphorylated at PIP3", ["AKT"], ["pAKT"], "k_akt * (1 - akt_inhibition) * PIP3 * AKT", modifiers=["PIP3"])
rxn("akt_dephosphorylation", "AKT dephosphorylated", ["pAKT"], ["AKT"], "k_akt_dephos * pAKT")
# AKT and RAF are HSP90 clients: made at a constant rate, degraded slowly while HSP90 holds them
# and fast when HSP90 inhibitors release them (the same for the active forms).
AKT_DEG = "k_deg_akt * (1 + hsp90_inhibition * (hsp90_client_fold_akt - 1))"
rxn("akt_synthesis", "AKT synthesis", [], ["AKT"], "k_deg_akt * akt_reference_total")
rxn("akt_degradation", "AKT degradation (HSP90 inhibition speeds it)", ["AKT"], [], f"{AKT_DEG} * AKT")
rxn("pakt_degradation", "phospho-AKT degradation (HSP90 inhibition speeds it)", ["pAKT"], [], f"{AKT_DEG} * pAKT")
rxn("mtorc1_activation", "AKT activates mTORC1", ["mTORC1"], ["mTORC1_act"], "k_mtor * pAKT * mTORC1", modifiers=["pAKT"])
rxn("mtorc1_inactivation", "mTORC1 inactivation", ["mTORC1_act"], ["mTORC1"], "k_mtor_off * mTORC1_act")
rxn("s6k_phosphorylation", "mTORC1 phosphorylates S6K", ["S6K"], ["pS6K"], "k_s6k * (1 - mtor_inhibition) * mTORC1_act * S6K",
    modifiers=["mTORC1_act"])
rxn("s6k_dephosphorylation", "S6K dephosphorylated", ["pS6K"], ["S6K"], "k_s6k_dephos * pS6K")
rxn("foxo_phosphorylation", "AKT phosphorylates FOXO (exported, inactive)", ["FOXO"], ["pFOXO"], "k_foxo_p * pAKT * FOXO", modifiers=["pAKT"])
rxn("foxo_dephosphorylation", "FOXO dephosphorylated (nuclear, active)", ["pFOXO"], ["FOXO"], "k_foxo_dephos * pFOXO")
# SOS / RAS / RAF / MEK / ERK
SOS_INPUT = "(pD_EE + pD_E2 + pD_22 + pD_E3 + pP95 + other_drive + w_sos_her3 * (pD_H23 + pD_23))"
rxn("sos_recruitment", "Grb2-SOS recruited by phospho-dimers", ["SOS"], ["SOS_act"], f"k_sos * {SOS_INPUT} * SOS",
    modifiers=["pD_EE", "pD_E2", "pD_22", "pD_E3", "pD_H23", "pD_23", "pP95"])
rxn("sos_release", "SOS released", ["SOS_act"], ["SOS"], "k_sos_off * SOS_act")
rxn("sos_feedback", "ERK phosphorylates SOS (negative feedback)", ["SOS_act"], ["SOS_p"], "k_sos_fb * ERK_pp * SOS_act", modifiers=["ERK_pp"])
rxn("sos_p_dephosphorylation", "SOS feedback phosphorylation removed", ["SOS_p"], ["SOS"], "k_sos_p_dephos * SOS_p")
rxn("ras_activation", "SOS loads RAS with GTP", ["RAS_GDP"], ["RAS_GTP"], "k_ras * SOS_act * RAS_GDP", modifiers=["SOS_act"])
rxn("ras_inactivation", "RAS GTP hydrolysis", ["RAS_GTP"], ["RAS_GDP"], "k_ras_gap * RAS_GTP")
rxn("raf_activation", "RAS-GTP activates RAF", ["RAF"], ["RAF_act"], "k_raf * RAS_GTP * RAF", modifiers=["RAS_GTP"])
rxn("raf_inactivation", "RAF inactivation", ["RAF_act"], ["RAF"], "k_raf_off * RAF_act")
RAF_DEG = "k_deg_raf * (1 + hsp90_inhibition * (hsp90_client_fold_raf - 1))"
rxn("raf_synthesis", "RAF synthesis", [], ["RAF"], f"k_deg_raf * {RAF_TOT}")
rxn("raf_degradation", "RAF degradation (HSP90 inhibition speeds it)", ["RAF"], [], f"{RAF_DEG} * RAF")
rxn("raf_act_degradation", "active RAF degradation (HSP90 inhibition speeds it)", ["RAF_act"], [], f"{RAF_DEG} * RAF_act")
rxn("mek_phosphorylation_1", "RAF phosphorylates MEK (site 1)", ["MEK"], ["MEK_p"], "k_mek * RAF_act * MEK", modifiers=["RAF_act"])
rxn("mek_phosphorylation_2", "RAF phosphorylates MEK (site 2)", ["MEK_p"], ["MEK_pp"], "k_mek * RAF_act * MEK_p", modifiers=["RAF_act"])
rxn("mek_dephosphorylation_2", "MEK-PP dephosphorylated", ["MEK_pp"], ["MEK_p"], "k_mek_dephos * MEK_pp")
rxn("mek_dephosphorylation_1", "MEK-P dephosphorylated", ["MEK_p"], ["MEK"], "k_mek_dephos * MEK_p")
rxn("erk_phosphorylation_1", "MEK phosphorylates ERK (site 1)", ["ERK"], ["ERK_p"], "k_erk * (1 - mek_inhibition) * MEK_pp * ERK",
    modifiers=["MEK_pp"])
rxn("erk_phosphorylation_2", "MEK phosphorylates ERK (site 2)", ["ERK_p"], ["ERK_pp"], "k_erk * (1 - mek_inhibition) * MEK_pp * ERK_p",
    modifiers=["MEK_pp"])
rxn("erk_dephosphorylation_2", "ERK-PP dephosphorylated", ["ERK_pp"], ["ERK_p"], "k_erk_dephos * ERK_pp")
rxn("erk_dephosphorylation_1", "ERK-P dephosphorylated", ["ERK_p"], ["ERK"], "k_erk_dephos * ERK_p")

# ---- read-outs (assignment rules) and the cell population (rate rule) -------------------------
READOUTS = [
    ("payload_damage", "payload_kill_max * payload / (payload_ic50 + payload)", "per min; lethal damage from the ADC payload (DM1 binds tubulin)"),
    ("dxd_damage", "dxd_kill_max * payload_dxd / (dxd_ic50 + payload_dxd)",
     "per min; DNA damage from DXd (topoisomerase-I inhibition; Chk1 and H2A.X phosphorylation, Ogitani 2016): kills and arrests the cycle like dna_damage"),
    ("adcc_damage",
     "effector_activity * adcc_kill_max * (domainIV_block + dimerisation_block_her2her3 - domainIV_block * dimerisation_block_her2her3)"
     " * HER2_total^2 / (K_adcc^2 + HER2_total^2)",
     "per min; ADCC: effector cells kill antibody-coated (IgG1 at domain IV or II) cells, more the more HER2 they carry; AKT survival does not protect"),
    ("pHER2_total", "pD_E2 + 2 * pD_22 + pD_23 + pD_H23 + pP95", "phosphorylated HER2 in all active dimers and p95HER2 (nM)"),
    ("pHER3_total", "pD_23 + pD_H23 + pD_E3", "phosphorylated HER3 (nM)"),
    ("pAKT_fraction", "pAKT / akt_reference_total",
     "phospho-AKT relative to the untreated total AKT: the fraction phosphorylated, lowered also when HSP90 inhibitors degrade AKT (as a phospho-AKT blot against a loading control)"),
    ("AKT_total", "AKT + pAKT", "total AKT (nM; HSP90 client)"),
    ("RAF_total", "RAF + RAF_act", "total RAF (nM; HSP90 client)"),
    ("pERK_fraction", "ERK_pp / (ERK + ERK_p + ERK_pp)", "fraction of ERK doubly phosphorylated"),
    ("pS6K_fraction", "pS6K / (S6K + pS6K)", "fraction of S6K phosphorylated"),
    ("HER2_total", "HER2 + HER2_free + D_E2 + pD_E2 + 2 * (D_22 + pD_22) + D_23 + pD_23 + D_H23 + pD_H23",
     "surface HER2 in all forms (nM; x MOLECULES_PER_NM for receptors per cell)"),
    ("HER3_total", "HER3 + HRG_HER3 + D_23 + pD_23 + D_H23 + pD_H23 + D_E3 + pD_E3", "surface HER3 in all forms (nM)"),
    ("proliferation_rate",
     "mu_max * proliferation_capacity * (1 - w_prolif_erk + w_prolif_erk * (1 + K_prolif_erk^2) * pERK_fraction^2 / (K_prolif_erk^2 + pERK_fraction^2))"
     " * (1 + K_prolif_s6k^2) * pS6K_fraction^2 / (K_prolif_s6k^2 + pS6K_fraction^2)"
     " * (1 + K_prolif_akt^2) * pAKT_fraction^2 / (K_prolif_akt^2 + pAKT_fraction^2)"
     " / (1 + (dna_damage + dxd_damage) / K_dna_arrest)",
     "per min; mu_max (times proliferation_capacity, 1 in the laboratory) when ERK, S6K and AKT are fully active (each gate a Hill function, n = 2, normalised to 1); DNA damage arrests the cycle"),
    ("apoptosis_rate",
     "(apoptosis_basal + chemo_damage + payload_damage + dna_damage + dxd_damage"
     " + mitotic_damage * mitotic_death_fraction * proliferation_rate / mu_max)"
     " * (1 - survival_max * (1 + K_survival) * pAKT_fraction / (K_survival + pAKT_fraction))"
     " + addiction_death_max * K_addiction^4 / (K_addiction^4 + pAKT_fraction^4)"
     " + adcc_damage",
     "per min; AKT survival signalling lowers basal and drug-induced death (taxanes kill dividing cells only, and only the line's share of arrested cells that do not slip out of mitosis); losing AKT signalling itself kills (addiction)"),
    ("migration_index",
     "0.5 * (1 + K_migration) * (pERK_fraction / (K_migration + pERK_fraction) + pAKT_fraction / (K_migration + pAKT_fraction))",
     "0..1, from active ERK and AKT"),
]
for pid, expr, _ in READOUTS:
    assign(pid, expr)
rate_rule("cells", "(proliferation_rate - apoptosis_rate) * cells")


# --------------------------------------------------------------------------------------------
# Expression -> MathML
# --------------------------------------------------------------------------------------------
TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z_0-9]*)|(.))")
FUNCTIONS = {"exp": "exp", "ln": "ln", "log": "log", "abs": "abs", "sqrt": "root", "floor": "floor",
             "ceiling": "ceiling", "min": "min", "max": "max"}


def tokenize(s: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    s = s.strip()
    while pos < len(s):
        m = TOKEN.match(s, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot tokenize {s[pos:]!r}")
        pos = m.end()
        num, name, op = m.groups()
        if num is not None:
            out.append(("num", num))
        elif name is not None:
            out.append(("name", name))
        elif op is not None and not op.isspace():
            if op not in "+-*/^(),":
                raise ValueError(f"unexpected character {op!r} in {s!r}")
            out.append(("op", op))
    return out


class Parser:
    """Recursive descent: expr := term (+|- term)*; term := unary (*|/ unary)*;
    unary := - unary | power; power := atom (^ unary)?; atom := number | name | name(args) | (expr).
    Trees are tuples: ("num", text), ("ci", name), (op, child, ...), ("call", name, args...)."""

    def __init__(self, text: str):
        self.toks = tokenize(text)
        self.i = 0
        self.text = text

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def take(self, kind=None, value=None):
        t = self.peek()
        if (kind and t[0] != kind) or (value and t[1] != value):
            raise ValueError(f"expected {value or kind} at token {self.i} in {self.text!r}, got {t[1]!r}")
        self.i += 1
        return t

    def parse(self):
        tree = self.expr()
        if self.peek()[0] != "end":
            raise ValueError(f"trailing input in {self.text!r}")
        return tree

    def expr(self):
        node = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            rhs = self.term()
            if op == "+":
                node = ("plus",) + (node[1:] if node[0] == "plus" else (node,)) + (rhs,)
            else:
                node = ("minus", node, rhs)
        return node

    def term(self):
        node = self.unary()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            rhs = self.unary()
            if op == "*":
                node = ("times",) + (node[1:] if node[0] == "times" else (node,)) + (rhs,)
            else:
                node = ("divide", node, rhs)
        return node

    def unary(self):
        if self.peek() == ("op", "-"):
            self.take()
            return ("neg", self.unary())
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek() == ("op", "^"):
            self.take()
            return ("power", base, self.unary())
        return base

    def atom(self):
        kind, val = self.peek()
        if kind == "num":
            self.take()
            return ("num", val)
        if kind == "name":
            self.take()
            if self.peek() == ("op", "("):
                self.take()
                args = []
                if self.peek() != ("op", ")"):
                    args.append(self.expr())
                    while self.peek() == ("op", ","):
                        self.take()
                        args.append(self.expr())
                self.take("op", ")")
                return ("call", val) + tuple(args)
            return ("ci", val)
        if (kind, val) == ("op", "("):
            self.take()
            node = self.expr()
            self.take("op", ")")
            return node
        raise ValueError(f"unexpected {val!r} in {self.text!r}")


def names_in(tree) -> set[str]:
    if tree[0] == "ci":
        return {tree[1]}
    if tree[0] == "num":
        return set()
    start = 2 if tree[0] == "call" else 1
    out = set()
    for child in tree[start:]:
        out |= names_in(child)
    return out


def cn(text: str) -> str:
    v = float(text)
    if re.fullmatch(r"\d+", text):
        return f"<cn type=\"integer\"> {int(text)} </cn>"
    if "e" in text.lower():
        mant, exp = re.split(r"[eE]", text)
        return f"<cn type=\"e-notation\"> {float(mant)!r} <sep/> {int(exp)} </cn>"
    return f"<cn> {v!r} </cn>"


def to_mathml(tree) -> str:
    kind = tree[0]
    if kind == "num":
        return cn(tree[1])
    if kind == "ci":
        if tree[1] == "time":
            return '<csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time"> time </csymbol>'
        return f"<ci> {tree[1]} </ci>"
    if kind == "neg":
        return f"<apply><minus/>{to_mathml(tree[1])}</apply>"
    if kind == "call":
        name, args = tree[1], tree[2:]
        head = f"<{FUNCTIONS[name]}/>" if name in FUNCTIONS else f"<ci> {name} </ci>"
        return f"<apply>{head}{''.join(to_mathml(a) for a in args)}</apply>"
    return f"<apply><{kind}/>{''.join(to_mathml(c) for c in tree[1:])}</apply>"


def math(text: str) -> str:
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML">{to_mathml(Parser(text).parse())}</math>'


# --------------------------------------------------------------------------------------------
# Checks and SBML writer
# --------------------------------------------------------------------------------------------
UNITS = {
    "minute": [("second", 1, 0, 60.0)],
    "nM": [("mole", 1, -9, 1.0), ("litre", -1, 0, 1.0)],
    "nanomole": [("mole", 1, -9, 1.0)],
    "per_min": [("second", -1, 0, 60.0)],
    "nM_per_min": [("mole", 1, -9, 1.0), ("litre", -1, 0, 1.0), ("second", -1, 0, 60.0)],
    "per_nM_per_min": [("mole", -1, -9, 1.0), ("litre", 1, 0, 1.0), ("second", -1, 0, 60.0)],
}


def check() -> None:
    sids = [s.id for s in M.species]
    pids = [p.id for p in M.parameters]
    ruled = [r.variable for r in M.rules]
    known = set(sids) | set(pids) | set(ruled) | {"cell", "time"}
    allids = sids + pids + ruled + [r.id for r in M.reactions] + ["cell"]
    dup = {x for x in allids if allids.count(x) > 1}
    assert not dup, f"duplicate ids {dup}"
    for r in M.reactions:
        used = names_in(Parser(r.rate).parse())
        unknown = used - known
        assert not unknown, f"{r.id}: unknown symbols {unknown}"
        species_used = used & set(sids)
        listed = set(r.reactants) | set(r.products) | set(r.modifiers)
        missing = species_used - listed
        assert not missing, f"{r.id}: species {missing} in the rate law must be listed as modifiers"
        for s in r.reactants + r.products + r.modifiers:
            assert s in sids, f"{r.id}: unknown species {s}"
    for rule in M.rules:
        unknown = names_in(Parser(rule.math).parse()) - known
        assert not unknown, f"rule {rule.variable}: unknown symbols {unknown}"
    for p in M.parameters:
        assert p.source, p.id
        assert p.unit in UNITS or p.unit in ("dimensionless", ""), p.unit


def notes(text: str) -> str:
    return f'<notes><body xmlns="http://www.w3.org/1999/xhtml"><p>{escape(text)}</p></body></notes>'


def fmt(v: float) -> str:
    return repr(float(v))


def species_refs(tag: str, ids: list[str]) -> list[str]:
    if not ids:
        return []
    counts: dict[str, int] = {}
    for s in ids:
        counts[s] = counts.get(s, 0) + 1
    out = [f"        <{tag}>"]
    for s, n in counts.items():
        out.append(f'          <speciesReference species="{s}" stoichiometry="{n}" constant="true"/>')
    out.append(f"        </{tag}>")
    return out


def write_sbml() -> str:
    L = ['<?xml version="1.0" encoding="UTF-8"?>',
         '<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">',
         '  <model id="her2_network" name="her2sim HER2/ErbB network, version 1" substanceUnits="nanomole"'
         ' timeUnits="minute" volumeUnits="litre" extentUnits="nanomole">',
         "    " + notes("Generated by tools/build_her2_model.py; do not edit by hand. Time in minutes; species are "
                        f"concentrations in nM per cell volume in the compartment cell (nominal size 1); "
                        f"1 nM = {MOLECULES_PER_NM:.1f} molecules per cell (Zhou 2024 NCI-N87: 5e5 HER2/cell = 264.8 nM). "
                        "See docs/her2_model.md."),
         "    <listOfUnitDefinitions>"]
    for uid, units in UNITS.items():
        L.append(f'      <unitDefinition id="{uid}"><listOfUnits>')
        for kind, exp, scale, mult in units:
            L.append(f'        <unit kind="{kind}" exponent="{exp}" scale="{scale}" multiplier="{fmt(mult)}"/>')
        L.append("      </listOfUnits></unitDefinition>")
    L += ["    </listOfUnitDefinitions>",
          "    <listOfCompartments>",
          '      <compartment id="cell" name="cell (nominal unit volume)" spatialDimensions="3" size="1" units="litre" constant="true"/>',
          "    </listOfCompartments>",
          "    <listOfSpecies>"]
    for s in M.species:
        L.append(f'      <species id="{s.id}" name="{escape(s.name)}" compartment="cell" initialConcentration="{fmt(s.initial)}"'
                 f' substanceUnits="nanomole" hasOnlySubstanceUnits="false" boundaryCondition="{str(s.boundary).lower()}"'
                 f' constant="{str(s.constant).lower()}"/>')
    L += ["    </listOfSpecies>", "    <listOfParameters>"]
    for p in M.parameters:
        unit = f' units="{p.unit}"' if p.unit else ""
        L.append(f'      <parameter id="{p.id}" value="{fmt(p.value)}"{unit} constant="true">')
        L.append("        " + notes(f"{p.value:.6g} {p.unit or ''} [{p.tag}] {p.source}"))
        L.append("      </parameter>")
    readout_doc = {pid: doc for pid, _, doc in READOUTS}
    for rule in M.rules:
        if rule.kind == "assignment":
            L.append(f'      <parameter id="{rule.variable}" value="0" constant="false">')
            L.append("        " + notes(f"read-out (assignment rule): {readout_doc[rule.variable]}"))
            L.append("      </parameter>")
        else:
            L.append(f'      <parameter id="{rule.variable}" value="1" units="dimensionless" constant="false">')
            L.append("        " + notes("cell population relative to the start (rate rule: (proliferation_rate - apoptosis_rate) * cells)"))
            L.append("      </parameter>")
    L += ["    </listOfParameters>", "    <listOfRules>"]
    for rule in M.rules:
        tag = "assignmentRule" if rule.kind == "assignment" else "rateRule"
        L.append(f'      <{tag} variable="{rule.variable}">')
        L.append("        " + math(rule.math))
        L.append(f"      </{tag}>")
    L += ["    </listOfRules>", "    <listOfReactions>"]
    for r in M.reactions:
        L.append(f'      <reaction id="{r.id}" name="{escape(r.name)}" reversible="{str(r.reversible).lower()}">')
        L += species_refs("listOfReactants", r.reactants)
        L += species_refs("listOfProducts", r.products)
        if r.modifiers:
            L.append("        <listOfModifiers>")
            for m in dict.fromkeys(r.modifiers):
                L.append(f'          <modifierSpeciesReference species="{m}"/>')
            L.append("        </listOfModifiers>")
        L.append("        <kineticLaw>")
        L.append("          " + math(f"cell * ({r.rate})"))
        L.append("        </kineticLaw>")
        L.append("      </reaction>")
    L += ["    </listOfReactions>", "  </model>", "</sbml>", ""]
    return "\n".join(L)


# --------------------------------------------------------------------------------------------
# Documentation
# --------------------------------------------------------------------------------------------
def write_doc() -> str:
    tags = {}
    for p in M.parameters:
        tags[p.tag] = tags.get(p.tag, 0) + 1
    n_assign = sum(1 for r in M.rules if r.kind == "assignment")
    D = []
    D.append("# The HER2 network model (version 1)\n")
    D.append("`models/her2/her2_network.xml` (SBML Level 3 Version 2 core) is generated by "
             "`tools/build_her2_model.py`; edit the script, not the XML, and rerun "
             "`python3 tools/build_her2_model.py` (it rewrites this page too). "
             "The test `crates/engine/tests/her2_model.rs` simulates it, checks the qualitative behaviour "
             "below and compares her2sim with libRoadRunner.\n")
    D.append(f"**Size:** {len(M.species)} species ({sum(1 for s in M.species if s.boundary)} of them constant ligands), "
             f"{len(M.reactions)} reactions, {len(M.parameters)} constant parameters "
             f"({', '.join(f'{n} {t}' for t, n in sorted(tags.items()))}), "
             f"{n_assign} assignment rules (read-outs) and 1 rate rule (`cells`). Mass action throughout "
             "(saturating forms only in the phenotype read-outs); no events.\n")
    D.append("## Units\n")
    D.append(f"- Time in **minutes**. Species are **concentrations in nM per cell volume** in one compartment "
             f"`cell` of nominal size 1, so a species' amount equals its concentration numerically; rate laws are "
             f"written `cell * (...)`.\n"
             f"- Receptors per cell to nM: **1 nM = {MOLECULES_PER_NM:.0f} molecules per cell** (cell volume ~3.1 pL), "
             f"from Zhou 2024's NCI-N87 pair, 5e5 HER2/cell = E2(0) 264.8 nM (facts.md 1a, sourced: Zhou 2024 via "
             f"nlmixr2lib). Zhou's ZR-75-1 pair (1e5, 92.8 nM) gives 1078 per nM, so the conversion is uncertain "
             f"by about 2x. Zhou's kinetic constants, used below, are in the same per-cell-volume nM.\n"
             f"- Defaults are BT-474-like: HER2 4.7e5/cell = {HER2_NM:.1f} nM (sourced), EGFR 5e4/cell = {EGFR_NM:.1f} nM and "
             f"HER3 2e4/cell = {HER3_NM:.1f} nM (both picked inside facts.md's unverified, low-confidence ranges).\n"
             "- The model starts from resting monomers (no dimers, signalling off) and settles within ~24 h; "
             "studies should read results after that or pre-equilibrate.\n")
    D.append("## Structure\n")
    D.append("- **HER2 gene dose:** transcription `k_tx_her2 * her2_gene_copies * her2_promoter_activity`; mRNA decay "
             "`her2_mrna_deg / (1 - sirna_knockdown)`; translation into HSP90-bound HER2.\n"
             "- **HSP90:** HER2 cycles between HSP90-bound (`HER2`, dimerisation-competent, slow turnover) and "
             "HSP90-free (`HER2_free`, degraded with t1/2 1 h, not dimerising). `hsp90_inhibition` blocks rebinding.\n"
             "- **Trafficking:** HER2 monomers and HER2:HER2 homodimers internalise at the sourced constitutive rate, recycle or "
             "are degraded in endosomes (Scheuher 2023); HER3-containing dimers are removed at HER3's fast turnover (HER3 degraded, a HER2 partner returned to the surface). EGFR: whole-cell degradation of monomers (Zhou 2024), "
             "ligand-induced internalisation of EGF:EGFR and EGFR homodimers, slower internalisation of EGFR:HER2 dimers, "
             "endosomal recycling/degradation. HER3: fast whole-cell turnover (Zhou 2024); synthesis driven by active FOXO "
             "(AKT -| FOXO -> HER3 mRNA -> HER3 feedback, delayed by the mRNA's turnover).\n"
             "- **HSP90 clients AKT and RAF:** made at a constant rate and degraded slowly, `hsp90_client_fold_*` times faster under full "
             "`hsp90_inhibition`; `pAKT_fraction` = pAKT / `akt_reference_total`.\n"
             "- **p95HER2:** made from the same ERBB2 mRNA (`p95_expression` per full-length HER2), constitutively phosphorylated "
             "(blocked by HER2 kinase inhibitors only: no ectodomain, so no antibody acts on it), feeding SOS and PI3K like HER2 dimers.\n"
             "- **ADC payload:** conjugate-bound HER2 (`adc_occupancy`) degraded in endosomes releases `adc_dar` payload molecules; "
             "the payload leaves slowly and kills (`payload_damage`, half-maximal at the sourced DM1 IC50). T-DXd (`adc_dxd_occupancy`) "
             "releases `adc_dxd_dar` DXd molecules the same way; DXd crosses membranes (`k_dxd_out`), equilibrating with the "
             "surrounding fluid (`dxd_bystander`: DXd from other cells; `dxd_retention`: the share of its own release a tissue of like cells "
             "returns), and damages DNA (`dxd_damage`: kills and arrests like `dna_damage`).\n"
             "- **HER2-independent drive:** `other_drive` (oestrogen receptor, IGF1R, ...) in nM of active-receptor equivalents "
             "recruits SOS like a dimer and PI3K at the weak non-HER3 weight; 0 for HER2-addicted lines, set for "
             "oestrogen-receptor-driven HER2-low lines.\n"
             "- **Ligands and dimers:** EGF:EGFR and HRG:HER3; dimers (EGF:EGFR)2, EGF:EGFR:HER2, HER2:HER2 "
             "(ligand-independent; mass action in HER2 makes it matter only at high HER2), HER2:HER3 (ligand-independent), "
             "HER2:HRG:HER3 and EGF:EGFR:HRG:HER3. Each dimer is trans-phosphorylated (`pD_*`, active); "
             "phospho-dimers dissociate at the dimer koff into dephosphorylated monomers, and all dimers internalise.\n"
             "- **PI3K arm:** PI3K recruited by phospho-dimers (HER3-containing at weight 1, others at `w_pi3k_other`), "
             "inhibited by active S6K (negative feedback); PIP2 -> PIP3 (`pik3ca_gain`, `pi3k_inhibition`), PTEN back "
             "(`pten_activity`); AKT phosphorylation at PIP3; AKT -> mTORC1 -> S6K; AKT -| FOXO.\n"
             "- **MAPK arm:** Grb2-SOS recruited by phospho-dimers; SOS -> RAS-GTP -> RAF -> MEK-PP -> ERK-PP "
             "(two-site phosphorylation); ERK phosphorylates active SOS (negative feedback).\n"
             "- **Phenotype (assignment rules):** `pAKT_fraction`, `pERK_fraction` (ERK-PP), `pS6K_fraction`, "
             "`HER2_total`, `HER3_total`, `pHER2_total`, `pHER3_total`, `proliferation_rate` = mu_max x (1 - w + w x H(pERK)) x H(pS6K) x H(pAKT) "
             "with H a Hill function (n = 2) normalised to 1 at full activity and divided by 1 + dna_damage / K_dna_arrest (checkpoint arrest), "
             "`apoptosis_rate` = (apoptosis_basal + chemo_damage + payload_damage + dna_damage + mitotic_damage x mitotic_death_fraction x proliferation_rate / mu_max) x "
             "(1 - survival_max x saturating(pAKT)) + addiction_death_max x K^4 / (K^4 + pAKT^4) (cells that lose AKT survival signalling die: "
             "oncogene addiction, so deeper HER2/PI3K inhibition kills more) + ADCC, `migration_index` (0..1 from pERK and pAKT). "
             "`cells` (relative, starts at 1) follows d(cells)/dt = (proliferation_rate - apoptosis_rate) * cells.\n")
    D.append("## Drug hooks and controls\n")
    D.append("All default to *no drug* / wild type, so strategy code only sets parameters (`SimOptions.overrides` "
             "with `Simulator::override_target(\"id\")`, or `her2sim scan --vary`). Fractions run 0..1.\n")
    D.append("| parameter | default | effect |\n|---|---|---|")
    for p in M.parameters:
        if p.tag == "control":
            D.append(f"| `{p.id}` | {p.value:g} | {p.source.removeprefix('control: ')} |")
    lig = {s.id: s.initial for s in M.species if s.boundary}
    D.append(f"| `[EGF]`, `[HRG]` | {lig['EGF']:g}, {lig['HRG']:g} nM | ligand concentrations in the medium (constant "
             "species), assumed: a low EGF background and no heregulin, so default signalling is HER2-driven; "
             "studies set them (e.g. the `hrg-high` modifier) |")
    D.append("\nHow each hook enters the rate laws:\n")
    D.append("- `tki_her2_inhibition`, `tki_egfr_inhibition`: multiply dimer trans-phosphorylation: HER2:HER2, HER2:HER3, "
             "HER2:HRG:HER3 by (1 - tki_her2); (EGF:EGFR)2 and EGFR:HER3 by (1 - tki_egfr); EGFR:HER2 by "
             "(1 - (tki_her2 + tki_egfr)/2).\n"
             "- `dimerisation_block_her2her3`: multiplies the formation rate of both HER2:HER3 dimers and of the EGF-induced EGFR:HER2 dimer by (1 - x) (pertuzumab blocks EGF-dependent EGFR:HER2 as well, DeFazio-Eli 2011).\n"
             "- `domainIV_block`: disrupts ligand-independent HER2:HER3 (formation x (1 - x)), multiplies HER2:HER2 homodimer "
             "phosphorylation by (1 - domainIV_kinase_block x) and the internalisation of "
             "HER2 monomers and HER2:HER2 homodimers by 1 + x (domainIV_internalisation_fold - 1).\n"
             "- `adc_occupancy`: payload release from degraded conjugate-bound HER2. `p95_expression`, `other_drive`: see above.\n"
             "- `hsp90_inhibition`: multiplies HSP90 rebinding of free HER2 by (1 - x); free HER2 is degraded fast.\n"
             "- `pi3k_inhibition`, `pik3ca_gain`: multiply PIP3 synthesis by (1 - x) and by the gain.\n"
             "- `akt_inhibition`: multiplies AKT phosphorylation by (1 - x). `mtor_inhibition`: S6K phosphorylation. "
             "`mek_inhibition`: ERK phosphorylation (both sites).\n"
             "- `chemo_damage`: adds to the basal apoptosis rate; AKT survival signalling scales the sum down.\n"
             "- `mitotic_damage` (taxanes): adds mitotic_damage x proliferation_rate / mu_max to it: only dividing cells arrest in mitosis and die, so "
             "anything that stops division (HER2 inhibition, DNA damage) also shields cells from taxanes.\n"
             "- `dna_damage` (platinum): adds to it and divides proliferation by 1 + dna_damage / K_dna_arrest (checkpoint arrest).\n"
             "- `adc_dxd_occupancy`, `dxd_bystander`: DXd release from degraded T-DXd-bound HER2, and DXd around the cell.\n"
             "- `her2_gene_copies`, `her2_promoter_activity`, `sirna_knockdown`: HER2 transcription and mRNA decay.\n")
    D.append("## Parameters\n")
    D.append("Tags: **sourced** / **unverified** as `/work/shared/her2/facts.md` gives them (source string copied); "
             "**fitted**: estimated from the calibration data with the interval shown (`docs/calibration.md`); "
             "**derived**: computed here from such numbers by the formula shown; **assumed**: facts.md has no number, "
             "chosen for sensible dynamics (reason given); **control**: a study-set input. "
             "Units: `per_min` = min^-1, `per_nM_per_min` = nM^-1 min^-1, `nM_per_min` = nM min^-1.\n")
    current = None
    for p in M.parameters:
        if p.group != current:
            current = p.group
            D.append(f"\n### {current}\n\n| id | value | unit | tag | source / reason |\n|---|---|---|---|---|")
        D.append(f"| `{p.id}` | {p.value:.4g} | {p.unit or '-'} | {p.tag} | {p.source} |")
    D.append("\n### Read-outs (assignment rules)\n\n| id | definition | meaning |\n|---|---|---|")
    for pid, expr, doc in READOUTS:
        D.append(f"| `{pid}` | `{expr}` | {doc} |")
    D.append("| `cells` | rate rule `(proliferation_rate - apoptosis_rate) * cells` | relative cell number, 1 at t = 0 |")
    D.append("\n### Initial values\n\n| species | initial (nM) | meaning |\n|---|---|---|")
    for s in M.species:
        D.append(f"| `{s.id}` | {s.initial:.4g} | {s.name} |")
    D.append("\nSignalling totals (PI3K 10, PIP2 100, AKT 100, mTORC1 50, S6K 50, FOXO 50, SOS 20, RAS 100, RAF 50, "
             "MEK 200, ERK 300 nM) are **assumed** orders of magnitude typical of published ErbB ODE models; the "
             "read-outs use fractions, which depend on them only through the rate constants.\n")
    D.append("## Behaviour at 72 h (measured with her2sim)\n")
    D.append("One parameter changed from the BT-474-like default at a time (`her2sim simulate models/her2/her2_network.xml --duration 4320 --set ID=VALUE`); "
             "HER2 and HER3 are surface totals in nM (x 1888 for receptors per cell), proliferation in min^-1. "
             "The test checks the first four rows qualitatively.\n")
    D.append("| change | HER2 | HER3 | pAKT | pERK | pS6K | proliferation |\n|---|---|---|---|---|---|---|")
    D += [f"| {row} |" for row in BEHAVIOUR]
    D.append("\nHow strategies, modifiers and cell lines set these hooks (dose -> occupancy or inhibited fraction from "
             "sourced potencies, competing binders, fixed-effect agents) is in `models/her2/actions.toml`; the published "
             "behaviours the laboratory reproduces are tested in `crates/her2/tests/behaviour.rs`.\n")
    D.append("## Checked against data and calibrated (issue 11)\n")
    D.append("The curated calibration data (`models/her2/data/`, every value with its source) showed where the model's "
             "mechanisms contradicted published screens; these were changed, then the model was fitted to the data "
             "(`docs/calibration.md`):\n\n"
             "- **Cell death from loss of AKT signalling (oncogene addiction).** HER2 and PI3K inhibitors kill HER2-amplified cells "
             "in 72-h screens (BT-474 GRmax: lapatinib -0.60/-0.72, neratinib -0.92, alpelisib -0.81): "
             "`addiction_death_max` x K^4 / (K^4 + pAKT^4), fitted.\n"
             "- **Proliferation less ERK-gated.** MEK inhibition leaves these lines growing (trametinib GRmax 0.79 BT-474, 0.63-0.97 SK-BR-3): "
             "`w_prolif_erk` fitted to 0.19.\n"
             "- **Chemotherapy by class.** Taxanes (`mitotic_damage`) kill cells as they divide, only the line's share of arrested cells "
             "that do not slip out of mitosis (`mitotic_death_fraction`, fitted per line; Gascoigne & Taylor 2008); platinum "
             "(`dna_damage`) kills and arrests the cycle.\n"
             "- **AKT and RAF are HSP90 clients** (Basso 2002, Solit 2002, Grbovic 2006): 17-AAG degrades them as well as HER2, so it "
             "kills HER2-low MCF-7 too (GRmax -0.12 to -0.37 in Heiser 2012; the model, whose only client was HER2, gave +0.88). "
             "`pAKT_fraction` is phospho-AKT relative to the untreated total, so AKT loss shows in it.\n"
             "- **HER3 mRNA** carries FOXO's transcriptional feedback with a 4-h mRNA half-life, so HER3 re-expression under HER2 or "
             "AKT inhibition builds over a day (Canonici 2013) instead of within minutes.\n"
             "- **Line mutation status**: PIK3CA (MDA-MB-453 H1047R, MCF-7, MDA-MB-361) and PTEN (MDA-MB-453, ZR-75-1) set "
             "`pik3ca_gain` / `pten_activity` per line, one fitted strength per mutation class.\n\n"
             "`crates/her2/tests/gr_data.rs` compares the model's 72-h GR at high doses with the median published GRmax for 18 "
             "(line, drug) pairs: 16 agree within 0.35 after the fit (8 before); BT-474 neratinib (-0.52 vs a single -0.92) and "
             "BT-474 everolimus (-0.02 vs -0.47) do not.\n")
    D.append("## Known simplifications\n")
    D.append("- Internalised receptors do not signal; phospho-dimers dissociate into dephosphorylated monomers; "
             "ligand is degraded on internalisation.\n"
             "- HER4, antibodies as molecules (drugs are fractional hooks), drug PK and the cell cycle are not "
             "modelled yet.\n"
             "- Trastuzumab also lowers ERK through the HER2:HER2 homodimers (partly) and HER2 internalisation, so PTEN "
             "loss rescues its effect on AKT (~80 %) more than its effect on cell number (~30-50 %).\n"
             "- Signalling kinase constants stay assumed: the calibration data are growth read-outs (GR values and doubling "
             "times), which determine the phenotype constants and drug potencies, not the rates of the cascade.\n")
    return "\n".join(D) + "\n"


FITTED_TSV = ROOT / "models" / "her2" / "fitted_parameters.tsv"


def adopt_fitted() -> int:
    """Model constants the calibration fitted (models/her2/fitted_parameters.tsv,
    written by `her2sim calibration report`) replace their assumed values; the old value and
    its reason stay in the source text. Returns how many were adopted."""
    if not FITTED_TSV.exists():
        return 0
    rows = FITTED_TSV.read_text(encoding="utf-8").splitlines()
    header = rows[0].split("\t")
    by_id = {p.id: p for p in M.parameters}
    n = 0
    for line in rows[1:]:
        if not line.strip():
            continue
        r = dict(zip(header, line.split("\t")))
        p = by_id.get(r["parameterId"])
        if p is None:
            continue
        end = lambda x: f"{float(x):.3g}" if x.strip() else "open"
        p.source = (f"fitted to the calibration data (models/her2/calibration, docs/calibration.md): "
                    f"{float(r['value']):.4g}, {r['interval']} 95% CI {end(r['ci95_lower'])} to {end(r['ci95_upper'])} "
                    f"({r['verdict']}); before the fit {float(r['prior']):.4g}, {p.source}")
        p.value = float(r["value"])
        p.tag = "fitted"
        n += 1
    return n


def main() -> int:
    n_fitted = adopt_fitted()
    check()
    OUT_XML.write_text(write_sbml(), encoding="utf-8")
    OUT_DOC.write_text(write_doc(), encoding="utf-8")
    n_rules = len(M.rules)
    print(f"wrote {OUT_XML.relative_to(ROOT)}: {len(M.species)} species, {len(M.reactions)} reactions, "
          f"{len(M.parameters)} parameters, {n_rules} rules")
    print(f"wrote {OUT_DOC.relative_to(ROOT)} ({n_fitted} fitted constants adopted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
