#!/usr/bin/env python3
"""Reference values for the curated SED-ML examples (models/sedml/curated/*), from libRoadRunner.

An independent reading of each SED-ML file: this script parses the SED-ML itself (not with
her2sim), applies each model's changeAttribute changes to the SBML with libSBML, simulates
every task's uniformTimeCourse with libRoadRunner's CVODE at tight tolerances (rtol 1e-10,
atol 1e-14, or the next setting in TOLERANCES where CVODE fails; the SED-ML's own algorithm
parameters are not used, so the reference is closer to the exact solution than either
simulator's defaults), evaluates the data generators and
writes each report as CSV next to the SED-ML file:

    <dir>/reference/<sedml stem>.<report id>.csv.gz

(gzipped CSV: one column per dataSet, headed by its label, values with 10 significant
digits; `zcat` shows them).

Conventions, as SED-ML simulators (tellurium, COPASI) use them: a species variable is its
concentration unless the species has hasOnlySubstanceUnits="true" (then its amount); a
reaction variable is its rate; a parameter or compartment variable is its value.

Supported subset (the one the curated files use): model sources that are files next to the
SED-ML file, changeAttribute on parameter values, compartment sizes and species initial
amounts/concentrations, uniformTimeCourse, task, data generators with MathML over
variables and parameters (cn, ci, plus, minus, times, divide, power, exp, ln, log, abs,
root), reports. Anything else raises an error naming the element.

Usage: python3 tools/sedml_references.py models/sedml/curated/*/
Needs: pip install libroadrunner python-libsbml numpy
"""

import csv
import gzip
import io
import math
import os
import re
import sys
import xml.etree.ElementTree as ET

import libsbml
import numpy as np
import roadrunner

MATHML = "{http://www.w3.org/1998/Math/MathML}"
TIME = "urn:sedml:symbol:time"
# CVODE tolerances, tightest first; a model whose discontinuities defeat CVODE's error test
# at one setting (Parmar 2017 at t = 35) is retried at the next.
TOLERANCES = [(1e-10, 1e-14), (1e-9, 1e-22), (1e-8, 1e-18)]


def local(tag):
    return tag.rsplit("}", 1)[-1]


def kids(node, name):
    """Children of the list `name` under `node` (by local name)."""
    for c in node:
        if local(c.tag) == name:
            return list(c)
    return []


def target_id(target):
    """(element kind, id, attribute) of an XPath like /sbml:sbml/.../sbml:species[@id='S']/@a."""
    m = re.fullmatch(
        r"\s*/(?:\w+:)?sbml/(?:\w+:)?model/(?:\w+:)?listOf\w+/(?:\w+:)?(\w+)"
        r"\[@id=['\"]([^'\"]+)['\"]\](?:/@(?:\w+:)?(\w+))?\s*",
        target,
    )
    if not m:
        raise ValueError(f"unsupported target {target!r}")
    return m.group(1), m.group(2), m.group(3)


def apply_change(doc, target, value, where):
    model = doc.getModel()
    kind, ident, attr = target_id(target)
    if kind == "parameter" and attr in (None, "value"):
        p = model.getParameter(ident)
        if p is None:
            raise ValueError(f"{where}: no parameter {ident}")
        p.setValue(value)
    elif kind == "compartment" and attr in (None, "size", "volume"):
        model.getCompartment(ident).setSize(value)
    elif kind == "species" and attr == "initialAmount":
        s = model.getSpecies(ident)
        s.unsetInitialConcentration()
        s.setInitialAmount(value)
    elif kind == "species" and attr in (None, "initialConcentration"):
        s = model.getSpecies(ident)
        s.unsetInitialAmount()
        s.setInitialConcentration(value)
    else:
        raise ValueError(f"{where}: unsupported change of {kind} {ident} attribute {attr}")
    if model.getInitialAssignment(ident) is not None:
        raise ValueError(f"{where}: {ident} has an initial assignment, which overrides the change")


def selector(doc, var, where):
    symbol = var.get("symbol")
    if symbol is not None:
        if symbol.strip() != TIME:
            raise ValueError(f"{where}: unsupported symbol {symbol}")
        return "time"
    kind, ident, attr = target_id(var.get("target"))
    if attr is not None:
        raise ValueError(f"{where}: a variable names an attribute")
    if kind == "species":
        s = doc.getModel().getSpecies(ident)
        return ident if s.getHasOnlySubstanceUnits() else f"[{ident}]"
    return ident


def evaluate(node, env, where):
    """Evaluates a MathML element with identifiers from env (numpy arrays or floats)."""
    tag = local(node.tag)
    if tag == "math":
        return evaluate(list(node)[0], env, where)
    if tag == "cn":
        return float(node.text.strip())
    if tag == "ci":
        return env[node.text.strip()]
    if tag == "apply":
        op, *args = list(node)
        vals = [evaluate(a, env, where) for a in args]
        op = local(op.tag)
        if op == "plus":
            return sum(vals)
        if op == "times":
            return math.prod(vals) if vals else 1.0
        if op == "minus":
            return -vals[0] if len(vals) == 1 else vals[0] - vals[1]
        if op == "divide":
            return vals[0] / vals[1]
        if op == "power":
            return vals[0] ** vals[1]
        if op == "exp":
            return np.exp(vals[0])
        if op == "ln":
            return np.log(vals[0])
        if op == "log":
            return np.log10(vals[0])
        if op == "abs":
            return np.abs(vals[0])
        if op == "root":
            return np.sqrt(vals[0])
        raise ValueError(f"{where}: unsupported MathML <{op}>")
    raise ValueError(f"{where}: unsupported MathML <{tag}>")


def run(path):
    root = ET.parse(path).getroot()
    here = os.path.dirname(path)
    models = {m.get("id"): m for m in kids(root, "listOfModels")}
    sims = {s.get("id"): s for s in kids(root, "listOfSimulations")}
    tasks = {t.get("id"): t for t in kids(root, "listOfTasks")}
    gens = {g.get("id"): g for g in kids(root, "listOfDataGenerators")}

    def sbml_of(model_id):
        m = models[model_id]
        src = m.get("source")
        if src.lstrip("#") in models:
            doc = sbml_of(src.lstrip("#"))
        else:
            doc = libsbml.readSBMLFromFile(os.path.join(here, src))
            if doc.getNumErrors(libsbml.LIBSBML_SEV_FATAL):
                raise ValueError(f"{path}: model {model_id}: cannot read {src}")
        for c in kids(m, "listOfChanges"):
            if local(c.tag) != "changeAttribute":
                raise ValueError(f"{path}: model {model_id}: unsupported <{local(c.tag)}>")
            apply_change(doc, c.get("target"), float(c.get("newValue")), f"{path}: model {model_id}")
        return doc

    # Every variable any data generator reads, per task: one simulation per task.
    wanted = {}
    for g in gens.values():
        for v in kids(g, "listOfVariables"):
            wanted.setdefault(v.get("taskReference"), {})[v.get("id")] = v
    cache = {}

    def task_values(task_id):
        if task_id in cache:
            return cache[task_id]
        t = tasks[task_id]
        if local(t.tag) != "task":
            raise ValueError(f"{path}: task {task_id}: unsupported <{local(t.tag)}>")
        variables = list(wanted[task_id].values())
        doc = sbml_of(t.get("modelReference"))
        sim = sims[t.get("simulationReference")]
        if local(sim.tag) != "uniformTimeCourse":
            raise ValueError(f"{path}: simulation {sim.get('id')}: unsupported <{local(sim.tag)}>")
        t0 = float(sim.get("initialTime"))
        start = float(sim.get("outputStartTime"))
        end = float(sim.get("outputEndTime"))
        n = int(sim.get("numberOfPoints") or sim.get("numberOfSteps"))
        sels = [selector(doc, v, f"{path}: variable {v.get('id')}") for v in variables]
        text = libsbml.writeSBMLToString(doc)
        for rtol, atol in TOLERANCES:
            rr = roadrunner.RoadRunner(text)
            rr.setIntegrator("cvode")
            rr.integrator.relative_tolerance = rtol
            rr.integrator.absolute_tolerance = atol
            rr.integrator.maximum_num_steps = 1_000_000
            rr.integrator.variable_step_size = False
            rr.timeCourseSelections = list(dict.fromkeys(["time"] + sels))
            try:
                if start > t0:
                    rr.simulate(t0, start, 2)
                result = rr.simulate(start, end, n + 1)
                break
            except RuntimeError as e:
                print(f"{path}: task {task_id}: rtol {rtol}, atol {atol}: {e}; retrying")
        else:
            raise ValueError(f"{path}: task {task_id}: CVODE fails at every tolerance")
        print(f"{path}: task {task_id}: CVODE rtol {rtol}, atol {atol}")
        cols = {name: np.array(result[:, i]) for i, name in enumerate(rr.timeCourseSelections)}
        out = {v.get("id"): cols[s] for v, s in zip(variables, sels)}
        cache[task_id] = out
        return out

    def generator(gen_id):
        g = gens[gen_id]
        env = {p.get("id"): float(p.get("value")) for p in kids(g, "listOfParameters")}
        for v in kids(g, "listOfVariables"):
            env[v.get("id")] = task_values(v.get("taskReference"))[v.get("id")]
        math_node = next(c for c in g if local(c.tag) == "math")
        return evaluate(math_node, env, f"{path}: dataGenerator {gen_id}")

    stem = os.path.splitext(os.path.basename(path))[0]
    outdir = os.path.join(here, "reference")
    os.makedirs(outdir, exist_ok=True)
    for o in kids(root, "listOfOutputs"):
        if local(o.tag) != "report":
            continue
        labels, columns = [], []
        for d in kids(o, "listOfDataSets"):
            labels.append(d.get("label") or d.get("name") or d.get("id"))
            columns.append(np.atleast_1d(generator(d.get("dataReference"))))
        rows = max(len(c) for c in columns)
        out = os.path.join(outdir, f"{stem}.{o.get('id')}.csv.gz")
        text = io.StringIO()
        w = csv.writer(text, lineterminator="\n")
        w.writerow(labels)
        for i in range(rows):
            w.writerow(f"{c[i]:.10g}" if i < len(c) else "" for c in columns)
        # mtime=0: the same values give the same bytes.
        with open(out, "wb") as f:
            f.write(gzip.compress(text.getvalue().encode(), 9, mtime=0))
        print(f"{out}: {rows} rows x {len(columns)} columns")


def main():
    roadrunner.Logger.setLevel(roadrunner.Logger.LOG_ERROR)
    dirs = sys.argv[1:]
    if not dirs:
        print(__doc__)
        sys.exit(2)
    for d in dirs:
        for name in sorted(os.listdir(d)):
            if name.endswith(".sedml"):
                run(os.path.join(d, name))


if __name__ == "__main__":
    main()
