"""Independent reference for her2sim's synergy scores: the PyPI package `synergy` (Wooten &
Albert) scores the same CSV. Prints JSON {model: [[d1, d2, score_percent], ...]}."""
import csv
import json
import sys

import warnings

import numpy as np

warnings.filterwarnings("ignore")
from synergy.combination import HSA, ZIP, Bliss, Loewe

rows = list(csv.DictReader(open(sys.argv[1])))
d1 = np.array([float(r["dose1"]) for r in rows])
d2 = np.array([float(r["dose2"]) for r in rows])
E = np.array([float(r["response"]) for r in rows])
mask = (d1 > 0) & (d2 > 0)
out = {}
models = [("hsa", HSA()), ("bliss", Bliss()), ("loewe", Loewe(mode="delta_hsa")), ("zip", ZIP())]
for name, model in models:
    s = 100 * np.asarray(model.fit(d1, d2, E))
    out[name] = [[a, b, c] for a, b, c in zip(d1[mask], d2[mask], s[mask])]
print(json.dumps(out))
