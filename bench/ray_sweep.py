"""A 100,000-run parameter scan through her2sim.distributed: in-process (the same chunks, one
after another) and as Ray tasks on a local cluster of 2 CPUs; prints the time per 1,000 runs
of each and checks that both give the same table.

Usage: python3 bench/ray_sweep.py [RUNS] [CHUNK_SIZE]   (defaults 100000 and 2000)
The model: S' = -k S (one species, one reaction), k scanned over RUNS values, BDF from t = 0
to 5 (final values only, points=2). Ray's start-up (ray.init) is timed separately.
"""
import sys
import time

import numpy as np
import pandas as pd
import ray

from her2sim import distributed as hd

DECAY = """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="decay">
    <listOfCompartments>
      <compartment id="cell" spatialDimensions="3" size="1" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>
      <species id="S" compartment="cell" initialAmount="10" hasOnlySubstanceUnits="true"
               boundaryCondition="false" constant="false"/>
    </listOfSpecies>
    <listOfParameters><parameter id="k" value="1" constant="true"/></listOfParameters>
    <listOfReactions>
      <reaction id="decay" reversible="false">
        <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">
          <apply><times/><ci>k</ci><ci>S</ci></apply></math></kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>"""

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
chunk = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
grid = {"k": np.linspace(0.01, 3.0, runs).tolist()}
args = dict(start=0, end=5, points=2, selections=["S"], final=True, chunk_size=chunk)

t0 = time.perf_counter()
local = hd.scan(DECAY, grid, **args, local=True)
t_local = time.perf_counter() - t0

t0 = time.perf_counter()
ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True, log_to_driver=False)
t_init = time.perf_counter() - t0
hd.scan(DECAY, {"k": [1.0, 2.0]}, **{**args, "chunk_size": 1})  # workers up, function exported
t0 = time.perf_counter()
remote = hd.scan(DECAY, grid, **args)
t_ray = time.perf_counter() - t0
ray.shutdown()

pd.testing.assert_frame_equal(remote, local)
err = np.max(np.abs(local["S"] - 10 * np.exp(-5 * local["k"])) / (10 * np.exp(-5 * local["k"])))
print(f"{runs} runs, chunks of {chunk}; identical tables; max relative error vs 10 e^(-5k): {err:.1e}")
print(f"in-process (chunked):  {t_local:7.2f} s  = {1000 * t_local / runs:6.3f} s per 1,000 runs")
print(f"Ray, local 2 CPUs:     {t_ray:7.2f} s  = {1000 * t_ray / runs:6.3f} s per 1,000 runs"
      f"  (ray.init {t_init:.1f} s, not included)")
