"""Times libRoadRunner on the same models and settings as biomodels-bench (called by it).

Usage: roadrunner_times.py CORPUS MODEL_ID [MODEL_ID ...] [--rtol R --atol A] [--steps]
Prints one line per model: id,load_seconds,simulate_seconds (simulate = best of 3 runs),
and with --steps a fourth field: CVODE's accepted steps over the interval (the rows of a
variable_step_size run, less the start row).
"""
import sys, time

args = sys.argv[1:]
rtol = atol = None
if '--rtol' in args:
    i = args.index('--rtol'); rtol = float(args[i + 1]); del args[i:i + 2]
if '--atol' in args:
    i = args.index('--atol'); atol = float(args[i + 1]); del args[i:i + 2]
count_steps = '--steps' in args
if count_steps:
    args.remove('--steps')
corpus, ids = args[0], args[1:]
import roadrunner  # noqa: E402
roadrunner.Logger.setLevel(roadrunner.Logger.LOG_ERROR)


def settings(path):
    d = {}
    for line in open(path):
        if ':' in line:
            k, v = line.split(':', 1)
            d[k.strip()] = v.strip()
    return d


for mid in ids:
    s = settings(f'{corpus}/{mid}/settings.txt')
    t0 = time.perf_counter()
    rr = roadrunner.RoadRunner(f'{corpus}/{mid}/model.xml')
    load = time.perf_counter() - t0
    rr.integrator.absolute_tolerance = atol if atol else float(s['atol'])
    rr.integrator.relative_tolerance = rtol if rtol else float(s['rtol'])
    rr.timeCourseSelections = s['select'].split(',')
    start, dur, steps = float(s['start']), float(s['duration']), int(s['steps'])
    best = float('inf')
    for _ in range(3):
        rr.resetAll()
        t0 = time.perf_counter()
        rr.simulate(start, start + dur, steps + 1)
        best = min(best, time.perf_counter() - t0)
    line = f'{mid},{load:.6f},{best:.6f}'
    if count_steps:
        rr.resetAll()
        rr.integrator.variable_step_size = True
        steps = rr.simulate(start, start + dur).shape[0] - 1
        rr.integrator.variable_step_size = False
        line += f',{steps}'
    print(line, flush=True)
