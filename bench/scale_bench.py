"""scBIG end to end at Norman size on a SYNTHETIC dataset: wall time and peak memory per stage, and the cost curve.

Usage: python bench/scale_bench.py [--fractions 0.125 0.25 0.5 1] [--threads 1] [--backed] [--out FILE]

The data: `scbig.synthetic.norman_sized` (SYNTHETIC: 91,000 cells x 5,000 genes, 280 conditions, made from the real
Norman subset's control statistics and the real priors), at each fraction of the cells (genes and conditions kept).
It is written to an .h5ad once, then every stage runs as a user would: load the file, PerturbData, the first of the
5 k-fold splits over conditions; SCBIG(cpu preset, seed 0).fit: priors, GRC, autoencoder, flow, the linear anchor,
the gain on the val conditions; predict every test condition (500 cells each); evaluate under the scbig and
cell_eval profiles; the split-half ceiling (5 splits, both profiles) -- what one fold of `run_benchmark` does.

Each fraction runs in its own child process. Memory: a thread samples the process's RSS (psutil) every 20 ms;
a stage's 'peak RSS' is the highest sample while it ran (the whole process, not what the stage added), and the
last line's peak is the process's exact peak (getrusage ru_maxrss). Time: wall seconds and CPU seconds (the
process's, all threads: time.process_time), the fair measure when the machine is shared. Stages inside
`SCBIG.fit` are timed by wrapping the functions fit calls (prior_embeddings, GRC.fit, fit_gcae, Learner.fit,
LinearBaseline.fit, SCBIG._gain_scores);
'fit, other' is the rest of fit (latents, pool, pathway matrix). The cost curve is a least-squares line of
log(CPU seconds) on log(cells): its slope is 1 for a cost linear in cells.

The last line reads `scale: <cells> cells x <genes> genes: <seconds> s, <GB> GB peak` (of the largest fraction;
the seconds are the end-to-end stages, making the SYNTHETIC data not counted).
"""
import argparse, json, os, resource, subprocess, sys, tempfile, threading, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ['load', 'priors', 'GRC', 'autoencoder', 'flow', 'linear anchor', 'gain (val)', 'fit, other', 'predict',
          'evaluate', 'ceiling']


class RSS:
    "The process's RSS sampled every `dt` seconds in a thread; `peak(t0, t1)` is the highest sample in [t0, t1]."
    def __init__(self, dt=0.02):
        import psutil
        self.p, self.dt, self.samples, self.stop = psutil.Process(), dt, [], False
        self.th = threading.Thread(target=self._run, daemon=True); self.th.start()
    def _run(self):
        while not self.stop:
            self.samples.append((time.perf_counter(), self.p.memory_info().rss)); time.sleep(self.dt)
    def peak(self, t0, t1):
        v = [r for t, r in self.samples if t0 - self.dt <= t <= t1 + self.dt]
        return max(v) / 1e9 if v else float('nan')


def _wrap(owner, name, label, marks):
    "Record (label, start, end, CPU seconds) of every call of owner.name."
    f = getattr(owner, name)
    def g(*a, **k):
        t0, c0 = time.perf_counter(), time.process_time()
        try: return f(*a, **k)
        finally: marks.append((label, t0, time.perf_counter(), time.process_time() - c0))
    setattr(owner, name, g)


def run_one(frac, threads, cache, n_cells_full, n_genes, n_conditions, steps=None, backed=False, tables=None):
    "One fraction, end to end, in this process: {stage: (seconds, peak GB)}, cells, genes, the exact peak."
    import torch; torch.set_num_threads(threads)
    import numpy as np, warnings
    import scbig.model as M, scbig.baselines as B
    from scbig.synthetic import norman_sized
    from scbig.datasets import load
    from scbig.data import PerturbData
    from scbig.model import SCBIG, preset
    from scbig.benchmark import default_splits
    from scbig.metrics import observed, evaluate, ceiling
    from scbig.priors import PriorWarning
    rss, marks, out = RSS(), [], {}
    n_cells = int(round(frac * n_cells_full))
    path = Path(cache)/f'norman_sized_SYNTHETIC_{n_cells}x{n_genes}x{n_conditions}_seed0.h5ad'
    t0, c0 = time.perf_counter(), time.process_time()
    if not path.is_file():
        a = norman_sized(n_cells=n_cells, n_genes=n_genes, n_conditions=n_conditions, seed=0)
        a.write_h5ad(path); del a
    t1 = time.perf_counter()
    out['make SYNTHETIC (not counted)'] = (t1 - t0, time.process_time() - c0, rss.peak(t0, t1))
    for owner, name, label in [(M, 'prior_embeddings', 'priors'), (M.GRC, 'fit', 'GRC'), (M, 'fit_gcae', 'autoencoder'),
                               (M.Learner, 'fit', 'flow'), (B.LinearBaseline, 'fit', 'linear anchor'),
                               (SCBIG, '_gain_scores', 'gain (val)')]:
        _wrap(owner, name, label, marks)
    def timed(label, fn):
        t, c = time.perf_counter(), time.process_time(); r = fn(); t1 = time.perf_counter()
        out[label] = (t1 - t, time.process_time() - c, rss.peak(t, t1))
        print(f'{label}: {out[label][0]:.0f} s wall, {out[label][1]:.0f} s CPU', file=sys.stderr, flush=True); return r
    t_all, c_all = time.perf_counter(), time.process_time()
    def _load():
        d = PerturbData(load(path, verbose=False, backed='r' if backed else None))
        return d, default_splits(d)[0]
    data, split = timed('load', _load)
    cfg = preset('cpu', seed=0, quiet=True, **(dict(ae_steps=steps, flow_steps=steps) if steps else {}))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', PriorWarning)
        t_fit, c_fit = time.perf_counter(), time.process_time()
        m = SCBIG(cfg).fit(data, split)
        t_fit1, c_fit1 = time.perf_counter(), time.process_time()
    print(f'fit: {t_fit1 - t_fit:.0f} s wall, {c_fit1 - c_fit:.0f} s CPU', file=sys.stderr, flush=True)
    inner, cinner = 0.0, 0.0
    for label in ['priors', 'GRC', 'autoencoder', 'flow', 'linear anchor', 'gain (val)']:
        ms = [(a, b, c) for l, a, b, c in marks if l == label and t_fit <= a <= t_fit1   # not nested in another
              and not any(l2 != l and a2 <= a and b <= b2 for l2, a2, b2, _ in marks)]  # (fit_gcae runs a Learner)
        s, cs = sum(b - a for a, b, c in ms), sum(c for a, b, c in ms); inner += s; cinner += cs
        out[label] = (s, cs, max((rss.peak(a, b) for a, b, c in ms), default=float('nan')))
    out['fit, other'] = (t_fit1 - t_fit - inner, c_fit1 - c_fit - cinner, rss.peak(t_fit, t_fit1))
    n_pred = min(500, len(m.pool))
    pred = timed('predict', lambda: m.predict(split.test, n_cells=n_pred, seed=0))
    def _eval():
        real = observed(data, split.test)
        return real, [evaluate(pred, real, p, subgroup=split, skip=['pearson_edistance'] if p == 'cell_eval' else ())
                      for p in ('scbig', 'cell_eval')]
    real, evs = timed('evaluate', _eval)
    skip = lambda p: ['pearson_edistance'] if p == 'cell_eval' else ()
    ceils = timed("ceiling", lambda: [ceiling(real, p, n_repeats=5, subgroup=split, skip=skip(p))
                                      for p in ("scbig", "cell_eval")])
    total, cpu = time.perf_counter() - t_all, time.process_time() - c_all
    rss.stop = True
    score = float(evs[1].table['pearson_delta'].mean())                        # cell_eval's
    if tables:                                   # the scores, to compare runs (e.g. --backed against in memory)
        import pickle
        Path(tables).mkdir(parents=True, exist_ok=True)
        with open(Path(tables)/f"scale_{n_cells}_{'backed' if backed else 'memory'}.pkl", 'wb') as f:
            pickle.dump({'evaluate': [(e.table, e.scalars) for e in evs], 'ceiling': [(e.table, e.scalars) for e in ceils],
                         'pred_mean': np.asarray(pred.X.mean(0), dtype=np.float64)}, f)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2          # KiB on Linux
    return dict(frac=frac, cells=int(data.adata.n_obs), genes=int(data.adata.n_vars),
                conditions=len(data.perturbations),
                test=len(split.test), stages=out, total=total, cpu=cpu, peak=peak,
                pearson_delta=score, threads=threads, steps=steps or 'preset', backed=backed)


def table(r):
    lines = [f"SYNTHETIC norman_sized: {r['cells']:,} cells x {r['genes']:,} genes, {r['conditions']} conditions "
             f"({r['test']} tested: k-fold split 0, seed 0); cpu preset, seed 0, steps {r['steps']}; "
             f"torch threads {r['threads']}; X {'backed (read from disk)' if r.get('backed') else 'in memory'}",
             f"  {'stage':<30} {'wall s':>9} {'CPU s':>9} {'peak RSS GB':>12}"]
    for k, (s, c, g) in r['stages'].items(): lines.append(f"  {k:<30} {s:9.1f} {c:9.1f} {g:12.2f}")
    lines.append(f"  {'end to end':<30} {r['total']:9.1f} {r['cpu']:9.1f} {r['peak']:12.2f}   "
                 "(exact peak: ru_maxrss)")
    lines.append(f"  cell_eval Pearson delta of the test conditions (SYNTHETIC, a sanity check): "
                 f"{r['pearson_delta']:.3f}")
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--fractions', type=float, nargs='+', default=[1.0], help='fractions of the 91,000 cells')
    ap.add_argument('--cells', type=int, default=91_000); ap.add_argument('--genes', type=int, default=5_000)
    ap.add_argument('--conditions', type=int, default=280)
    ap.add_argument('--threads', type=int, default=1, help='torch threads (1: the machine is shared)')
    ap.add_argument('--steps', type=int, default=None, help='autoencoder and flow steps (default: the cpu preset)')
    ap.add_argument('--backed', action='store_true', help="read the .h5ad with backed='r' (out of core)")
    ap.add_argument('--cache', default=None, help='folder for the SYNTHETIC .h5ad files (default: a temp folder)')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'scale_bench.txt'))
    ap.add_argument('--tables', default=None, help='folder to pickle each run\'s evaluation and ceiling tables into')
    ap.add_argument('--one', type=float, default=None, help=argparse.SUPPRESS)   # child: one fraction, JSON to stdout
    a = ap.parse_args()
    if a.one is not None:
        r = run_one(a.one, a.threads, a.cache, a.cells, a.genes, a.conditions, a.steps, a.backed, a.tables)
        print('RESULT ' + json.dumps(r)); return
    bad = [f for f in a.fractions if not 0 < f <= 1]
    if bad: sys.exit(f"scale_bench: --fractions {bad} out of (0, 1]: pass fractions of the {a.cells:,} cells, "
                     "e.g. 0.125 0.25")
    cache = a.cache or tempfile.mkdtemp(prefix='scbig_scale_')
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), MKL_NUM_THREADS=str(a.threads), SCBIG_PROGRESS='0')
    env['PYTHONPATH'] = os.pathsep.join([str(ROOT)] + [p for p in [env.get('PYTHONPATH')] if p])
    res, text = [], [f"bench/scale_bench.py --fractions {' '.join(map(str, a.fractions))} --threads {a.threads}"
                     f"{' --backed' if a.backed else ''}"
                     f"{f' --steps {a.steps}' if a.steps else ''}; {os.cpu_count()} CPUs; "
                     f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; SYNTHETIC data"]
    for f in sorted(a.fractions):
        cmd = [sys.executable, __file__, '--one', str(f), '--threads', str(a.threads), '--cache', cache,
               '--cells', str(a.cells), '--genes', str(a.genes), '--conditions', str(a.conditions)]
        if a.steps: cmd += ['--steps', str(a.steps)]
        if a.backed: cmd += ['--backed']
        if a.tables: cmd += ['--tables', a.tables]
        with open(Path(a.out).with_suffix('.log'), 'a') as log:        # the child's progress, stage by stage
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=log, text=True, env=env)
        got = [l for l in p.stdout.splitlines() if l.startswith('RESULT ')]
        if p.returncode or not got: sys.exit(f"scale_bench: fraction {f} failed: see {Path(a.out).with_suffix('.log')}")
        r = json.loads(got[-1][7:]); res.append(r)
        text.append(table(r)); print(text[-1], flush=True)
    if len(res) > 1:
        import numpy as np
        x, y = np.log([r['cells'] for r in res]), np.log([r['cpu'] for r in res])
        pts = ', '.join(f"{r['cells']:,}: {r['cpu']:.0f}" for r in res)
        curve = [f"cost curve: end-to-end CPU seconds {pts}; log-log slope {float(np.polyfit(x, y, 1)[0]):.2f} "
                 "(1 = linear in cells); per stage (CPU seconds):"]
        for st in STAGES:
            ys = [r['stages'][st][1] for r in res]
            if min(ys) > 0.5: curve.append(f"  {st:<14} slope {float(np.polyfit(x, np.log(ys), 1)[0]):5.2f}   "
                                           f"({', '.join(f'{v:.1f}' for v in ys)} s)")
        text += curve; print('\n'.join(curve))
    r = res[-1]
    last = f"scale: {r['cells']} cells x {r['genes']} genes: {r['total']:.0f} s, {r['peak']:.2f} GB peak"
    text.append(last)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text('\n'.join(text) + '\n')
    print(last)


if __name__ == '__main__':
    main()
