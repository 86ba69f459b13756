"""A quality lever: the flow's checkpoint and the gain chosen by cross-validation inside the training conditions.

Usage: python bench/cv_select.py --dataset norman19_subset --seeds 0 1 2 --inner 3 --preds DIR
                                 [--folds 5] [--preset cpu] [--threads 1] [--baselines]

The preset picks its flow checkpoint (val Pearson delta every `val_every` steps) and its gain (`choose_gain`) on the
split's val conditions, 3 or 4 per fold on Norman, and never trains on them. This lever instead, for each outer fold
(the folds of `default_splits`, the benchmark's): pools the fold's training and val conditions, cuts the pool into
`--inner` parts (seeded by the fold, the same for every seed), fits the preset once per part with that part as val
(each inner fit records its val Pearson delta at every checkpoint and its val gain scores), picks the checkpoint step
with the best mean val Pearson delta over all pooled conditions and the gain by `choose_gain` on the pooled gain
scores (each part weighted by its conditions), then fits the preset on the whole pool for that many flow steps, at
that gain, and predicts the fold's test conditions. So every training condition is used for selection once and for
training in the final fit: (inner + 1) fits per fold and seed.

--baselines gives every baseline with a gain the same procedure (inner fits on the same parts, the gain chosen on the
pooled scores, the final fit on the whole pool), with and without its target rule, so that the lever is compared with
baselines calibrated the same way (`python bench/levers.py --base ... --preds DIR` uses them when they are there).

Writes DIR/fold<f>/<method>__seed<s>.h5ad (as `run_benchmark(save_predictions=...)`) and DIR/cv_select.json: for
each fold and seed the inner fits' val curves and gain scores, and the chosen step and gain.
"""
import argparse, json, shlex, sys, time, warnings
from pathlib import Path
import numpy as np
import torch
from scbig.baselines import baselines as make_baselines, _training_conditions
from scbig.benchmark import default_splits
from scbig.calibrate import choose_gain, gain_scores
from scbig.data import PerturbData, Split
from scbig.datasets import load
from scbig.model import SCBIG, preset, prior_embeddings
from scbig.priors import PriorWarning

NAME = 'scbig cv selection'

def inner_parts(pool:list, fold:int, split_seed:int, k:int) -> list:
    "The pool cut into k parts, seeded by the outer fold (the same parts for every model seed)."
    perm = np.random.default_rng([split_seed, fold, 7]).permutation(len(pool))
    return [[pool[i] for i in sorted(part)] for part in np.array_split(perm, k)]

def inner_split(pool:list, part:list, sp:Split) -> Split:
    return Split('cv_inner', sp.seed, [c for c in pool if c not in part], list(part), [], {}, control=sp.control)

def pooled(scores:list) -> list:
    "Gain scores of several parts, each part's mean weighted by its conditions: [{'gain', 'l1_rank', 'mse'}]."
    out = []
    for g in [s['gain'] for s in scores[0][1]]:
        rows = [(n, next(s for s in sc if s['gain'] == g)) for n, sc in scores]
        w = sum(n for n, _ in rows)
        out.append({'gain': g, **{k: sum(n * s[k] for n, s in rows) / w for k in ('l1_rank', 'mse')}})
    return out

def choose_step(curves:list) -> tuple[int, dict]:
    "The checkpoint step with the best val Pearson delta over the pooled conditions; every step's pooled value."
    steps = sorted(set.intersection(*[set(c) for _, c in curves]))
    mean = {s: sum(n * c[s] for n, c in curves) / sum(n for n, _ in curves) for s in steps}
    return max(steps, key=lambda s: (mean[s], -s)), mean

def run_scbig(data, sp, f, seed, parts, pool, args, log) -> tuple:
    "Inner fits, the chosen step and gain, the final fit's test prediction."
    curves, scores, inner = [], [], []
    for k, part in enumerate(parts):
        t0 = time.perf_counter()
        m = SCBIG(preset(args.preset, seed=seed, quiet=True)).fit(data, inner_split(pool, part, sp))
        n = len(m.val_conditions)
        curve = {int(h['step']): -float(h['val']) for h in m.flow_learner.history if 'val' in h}
        curves.append((n, curve)); scores.append((n, m.gain_scores))
        inner.append({'part': k, 'n_val': n, 'val_r': curve, 'gain_scores': m.gain_scores, 'own_gain': m.gain,
                      'seconds': time.perf_counter() - t0})
        log(f"fold {f} seed {seed} inner {k}: {n} val conditions, val r by step "
            f"{ {s: round(v, 3) for s, v in curve.items()} }, own gain {m.gain:g}, {time.perf_counter() - t0:.0f} s")
    step, by_step = choose_step(curves)
    gs = pooled(scores); gain = choose_gain(gs)
    t0 = time.perf_counter()
    m = SCBIG(preset(args.preset, seed=seed, quiet=True, flow_steps=step, gain=gain)).fit(data, pool)
    pred = m.predict_variants(sp.test, {NAME: {}}, n_cells=min(args.n_cells, len(m.pool)), seed=seed)[NAME]
    log(f"fold {f} seed {seed}: step {step} (pooled val r {by_step}), gain {gain:g}; final fit "
        f"{time.perf_counter() - t0:.0f} s")
    return pred, {'fold': f, 'seed': seed, 'inner': inner, 'val_r_by_step': by_step, 'step': step,
                  'pooled_gain_scores': gs, 'gain': gain}

def run_baselines(data, sp, f, parts, pool, emb, grid) -> tuple:
    "Every baseline: gain 1 and the gain cross-validated on `grid` (the preset's), fitted on the whole pool."
    preds, gains = {}, {}
    for name, b in make_baselines(emb).items():
        b.fit(data, pool)
        inner = ([make_baselines(emb)[name].fit(data, inner_split(pool, part, sp)) for part in parts]
                 if b.scalable else [])
        for rule in ([False, True] if b.rule_ else [False]):
            tag = ' (target rule)' if rule else ''
            b.target_rule = rule
            preds[name + tag] = b.predict(sp.test, gain=1.0)
            if not inner: continue
            scores = []
            for bi, part in zip(inner, parts):
                bi.target_rule = rule
                p = {g: bi.predict(part, gain=g) for g in grid}
                scores.append((len(part), gain_scores(p, data, part, [c for c in pool if c not in part])))
            gains[name + tag] = g = choose_gain(pooled(scores))
            preds[f'{name} (cv gain{", target rule" if rule else ""})'] = b.predict(sp.test, gain=g)
    return preds, gains

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--dataset', default='norman19_subset')
    ap.add_argument('--seeds', type=int, nargs='+', default=[0])
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--only-folds', type=int, nargs='*', default=None)
    ap.add_argument('--inner', type=int, default=3)
    ap.add_argument('--preset', default='cpu')
    ap.add_argument('--n-cells', type=int, default=500)
    ap.add_argument('--threads', type=int, default=None)
    ap.add_argument('--baselines', action='store_true')
    ap.add_argument('--no-scbig', action='store_true')
    ap.add_argument('--preds', required=True, type=Path)
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    log = lambda m: print(f'[{a.dataset}] {m}', flush=True)
    data = PerturbData(load(a.dataset, verbose=False))
    splits = default_splits(data, n_folds=a.folds)
    a.preds.mkdir(parents=True, exist_ok=True)
    rec_path = a.preds/f"cv_select{'_seed' + '_'.join(map(str, a.seeds)) if not a.no_scbig else '_baselines'}.json"
    rec = {'command': 'python bench/cv_select.py ' + ' '.join(map(shlex.quote, sys.argv[1:])), 'dataset': a.dataset,
           'inner': a.inner, 'preset': a.preset, 'fits': [], 'baseline_gains': {}}
    t_all = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', PriorWarning)
        emb = prior_embeddings(list(dict.fromkeys([*data.perturbed_genes, *data.genes])), preset(a.preset)).emb
        for f, sp in enumerate(splits):
            if a.only_folds is not None and f not in a.only_folds: continue
            pool = _training_conditions(data, [*sp.train, *sp.val], 'raise')
            parts = inner_parts(pool, f, sp.seed, a.inner)
            d = a.preds/f'fold{f}'; d.mkdir(exist_ok=True)
            if a.baselines:
                preds, gains = run_baselines(data, sp, f, parts, pool, emb, preset(a.preset).gain_grid)
                for label, p in preds.items(): p.write_h5ad(d/f"{label.replace('/', '_')}__seed0.h5ad")
                rec['baseline_gains'][f] = gains
                log(f"fold {f}: baselines, cv gains {gains}")
            if not a.no_scbig:
                for seed in a.seeds:
                    pred, r = run_scbig(data, sp, f, seed, parts, pool, a, log)
                    pred.write_h5ad(d/f'{NAME}__seed{seed}.h5ad')
                    rec['fits'].append(r)
            rec['seconds'] = time.perf_counter() - t_all
            rec_path.write_text(json.dumps(rec, indent=1))
    log(f"done in {time.perf_counter() - t_all:.0f} s; wrote {a.preds}")

if __name__ == '__main__': main()
