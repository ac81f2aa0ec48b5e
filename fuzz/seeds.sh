#!/usr/bin/env bash
# Regenerates the seed corpora fuzz/corpus/<target>/ (not committed; see .gitignore).
#   sbml      ~300 small SBML Test Suite semantic models (L3v2), evenly sampled by case number
#   mathml    the distinct <math> elements of all L3v2 semantic models (smallest first, 600 max)
#   study     the example study files ../examples/*.toml
#   treatment hand-written dose / dose-series / treatment strings
# Usage: fuzz/seeds.sh            (run from anywhere; needs python3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
suite="${SBML_SUITE:-$here/../../shared/sbml-test-suite/semantic}"
corpus="$here/corpus"
[ -d "$suite" ] || { echo "no SBML Test Suite at $suite (set SBML_SUITE)" >&2; exit 1; }
rm -rf "$corpus"
mkdir -p "$corpus"/{sbml,mathml,study,treatment}

python3 - "$suite" "$corpus" <<'PY'
import glob, hashlib, os, re, sys
suite, corpus = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(os.path.join(suite, "*", "*-sbml-l3v2.xml")))
# sbml: files under 6 KB, every k-th one so that ~300 are taken across all case numbers.
small = [f for f in files if os.path.getsize(f) <= 6000]
step = max(1, len(small) // 300)
for f in small[::step][:300]:
    with open(f, "rb") as src, open(os.path.join(corpus, "sbml", os.path.basename(f)), "wb") as dst:
        dst.write(src.read())
# mathml: every distinct <math>...</math> element (whitespace collapsed), smallest first.
seen = {}
pat = re.compile(r"<math\b.*?</math>", re.S)
for f in files:
    for m in pat.findall(open(f, encoding="utf-8").read()):
        m = re.sub(r">\s+<", "><", m.strip())
        seen.setdefault(m, None)
for i, m in enumerate(sorted(seen, key=len)[:600]):
    with open(os.path.join(corpus, "mathml", f"math-{i:04}.xml"), "w") as out:
        out.write(m)
PY

cp "$here"/../examples/*.toml "$corpus/study/"

n=0
while IFS= read -r line; do
    [ -n "$line" ] || continue
    n=$((n + 1))
    printf '%s' "$line" > "$corpus/treatment/t-$(printf %03d $n).txt"
done <<'SEEDS'
none
lapatinib
lapatinib@1uM
lapatinib@100nM(0-24h)
lapatinib@1e+3nM+e1a
lapatinib@1uM(0h-24h)+paclitaxel@5nM(24h-)
lapatinib@5mg/kg
lapatinib@clinical+trastuzumab@clinical
trastuzumab@10ug/mL+pertuzumab
trastuzumab@10ug/mL+pertuzumab@10ug/mL
trastuzumab@0.314nM+t-dm1@0.314nM
trastuzumab@10ug/mL+paclitaxel@5nM(1d-)
trastuzumab@clinical
tucatinib@clinical+trastuzumab@clinical
t-dm1@clinical
paclitaxel@5nM(0-24h)
Herceptin@10ug/mL + pertuzumab
her2-sirna
trastuzumab@10ug/mL+everolimus@10nM+alpelisib@1uM
10ug/mL
2.43 µg/mL
1.5 uM
2e-3 mM
0.5mg/kg
840 mg
1nM..10uM:12
0.1ug/mL..20ug/mL:5
1nM,10nM,100nM
SEEDS

for t in sbml mathml study treatment; do
    printf '%-10s %4d files\n' "$t" "$(ls "$corpus/$t" | wc -l)"
done
