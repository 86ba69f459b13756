"""Sanity controls for DE metrics: which conventions order two positive and two negative controls right on real data.

Usage: python bench/de_sanity.py [--datasets norman19_subset papalexi2021 mcfaline23_subset] [--repeats 5]
                                 [--out bench/results/de_sanity.txt]

For each dataset, over the k folds of its default split (`scbig.benchmark.default_splits`), each fold's test
conditions are scored under four controls:

- ceiling: the split-half ceiling (`scbig.metrics.ceiling`, `--repeats` random halves, seed 0), positive;
- perfect: each test condition's real mean as a pseudobulk prediction, positive;
- mean: `MeanBaseline` fitted on the fold's training conditions, negative;
- shuffled: real means with the condition labels deranged (a permutation without fixed points, seed 0) among all
  of the dataset's perturbations (the McFaline folds hold one or two conditions, too few to derange), negative.

Metrics: every candidate of the `de` profile (`scbig.de_metrics.de_scores`, all columns), the `vcc` profile and the
cell-eval-exact DE metrics of the `cell_eval` profile. A metric passes on a dataset when both positive controls are
better than both negative controls (margin > 0; mean over all test conditions; lower is better for wmse and mae,
higher for the rest). Prints the table (metric x control x dataset) and writes it to `--out`.
"""
import argparse, time
import numpy as np
import pandas as pd
import anndata as ad
from scbig.datasets import load
from scbig.data import PerturbData
from scbig.benchmark import default_splits
from scbig.baselines import MeanBaseline
from scbig.metrics import observed, evaluate, ceiling, PROFILES, _COMPUTE
from scbig.de_metrics import de_scores, DE_CANDIDATES

PROFILES['de_all'] = {**PROFILES['de'], 'metrics': DE_CANDIDATES}            # every candidate, for this study only
_COMPUTE['de_all'] = lambda pr, o: (de_scores(pr, PROFILES['de']['min_frac']), {})
RUN = {'de_all': dict(),
       'vcc': dict(),
       'cell_eval': dict(skip=['pearson_edistance', 'discrimination_score_l2', 'discrimination_score_cosine'])}
SHOW = {'de_all': DE_CANDIDATES, 'vcc': ['des', 'pds', 'mae', 'score'],
        'cell_eval': ['overlap_at_N', 'overlap_at_50', 'precision_at_N', 'de_spearman_lfc_sig', 'pearson_delta']}
LOWER = {'de_all:wmse', 'vcc:mae', 'cell_eval:mse'}
CONTROLS = ['ceiling', 'perfect', 'mean', 'shuffled']

def derangement(n:int, seed:int=0) -> np.ndarray:
    "A random permutation of range(n) with no fixed point (rejection sampling, seeded)."
    rng = np.random.default_rng(seed)
    while True:
        p = rng.permutation(n)
        if n < 2 or not (p == np.arange(n)).any(): return p

def pseudobulk_pred(rows:np.ndarray, conds:list, ctrl:np.ndarray, genes) -> ad.AnnData:
    "One row per condition in `conds`, and the real control mean as the control row (cell-eval's `expand` convention)."
    X = np.vstack([rows, ctrl[None]]).astype(np.float64)
    obs = pd.DataFrame({'condition': list(conds) + ['control']}, index=[f'p{i}' for i in range(len(conds) + 1)])
    return ad.AnnData(X, obs=obs, var=pd.DataFrame(index=genes))

def scores(data:PerturbData, repeats:int) -> pd.DataFrame:
    "Per-condition values of every metric under every control: long table (control, condition, metric, value)."
    perts = list(data.perturbations)
    means = data.pseudobulk(perts)
    sigma = dict(zip(perts, np.array(perts)[derangement(len(perts))]))
    out = []
    for f, sp in enumerate(default_splits(data)):
        real = observed(data, sp.test)
        conds = sorted(set(real.obs.condition.astype(str)) - {data.control})
        ctrl, g = np.asarray(real[real.obs.condition == data.control].X.mean(axis=0)).ravel(), real.var_names
        mb = MeanBaseline().fit(data, sp).predict(conds)
        preds = {'perfect': pseudobulk_pred(means.loc[conds].values, conds, ctrl, g),
                 'mean': pseudobulk_pred(np.asarray(mb.X), list(mb.obs.condition.astype(str)), ctrl, g),
                 'shuffled': pseudobulk_pred(means.loc[[sigma[c] for c in conds]].values, conds, ctrl, g)}
        for prof, kw in RUN.items():
            evs = {k: evaluate(p, real, prof, **kw) for k, p in preds.items()}
            evs['ceiling'] = ceiling(real, prof, n_repeats=repeats, **kw)
            for k, ev in evs.items():
                t = ev.table[SHOW[prof]].add_prefix(f'{prof}:')
                out.append(t.reset_index().melt(id_vars='condition', var_name='metric').assign(control=k, fold=f))
    return pd.concat(out, ignore_index=True)

def table(long:pd.DataFrame) -> pd.DataFrame:
    "Mean over conditions (NaN left out) per metric and control, and whether the metric passes."
    t = long.groupby(['metric', 'control'], sort=False)['value'].mean().unstack('control')[CONTROLS]
    lower = t.index.isin(list(LOWER))
    pos, neg = t[['ceiling', 'perfect']], t[['mean', 'shuffled']]
    t['margin'] = np.where(lower, neg.min(axis=1) - pos.max(axis=1), pos.min(axis=1) - neg.max(axis=1))
    t['pass'] = t['margin'] > 0
    t['nan'] = long.groupby(['metric'], sort=False)['value'].apply(lambda v: int(v.isna().sum())).reindex(t.index)
    return t

def main(datasets, repeats:int=5, out:str|None=None) -> str:
    blocks = []
    for name in datasets:
        t0 = time.perf_counter()
        data = PerturbData(load(name, verbose=False))
        splits = default_splits(data)
        t = table(scores(data, repeats))
        n_test, secs = sum(len(s.test) for s in splits), time.perf_counter() - t0
        head = (f"## {name}: {data.adata.n_obs} cells x {data.adata.n_vars} genes; {splits[0].kind}, "
                f"{len(splits)} folds, {n_test} test conditions; ceiling {repeats} halvings (seed 0); {secs:.0f} s")
        blocks.append(head + '\n' + t.to_string(float_format=lambda v: f'{v:.3f}'))
        print(blocks[-1], flush=True)
    txt = ('DE sanity controls (bench/de_sanity.py). Positive: ceiling (split-half), perfect (real mean). '
           'Negative: mean (MeanBaseline on the fold\'s training conditions), shuffled (real means, labels deranged, '
           'seed 0). Values: mean over the test conditions of all folds (NaN left out; `nan` counts them over all '
           'controls). margin: worse positive minus better negative (sign-flipped where lower is better); pass: '
           'margin > 0, i.e. both positives better than both negatives '
           f'(lower is better for {sorted(LOWER)}).\n\n' + '\n\n'.join(blocks) + '\n')
    if out: open(out, 'w').write(txt)
    return txt

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--datasets', nargs='+', default=['norman19_subset', 'papalexi2021', 'mcfaline23_subset'])
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--out', default=None)
    a = ap.parse_args()
    main(a.datasets, a.repeats, a.out)
