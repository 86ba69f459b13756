"""Every baseline at gain 1 and at the gain chosen on the val conditions (scBIG's criterion, `calibrate`): no scBIG fit.

Usage: python bench/baseline_bench.py [--dataset norman19_subset] [--folds 5] [--out bench/results/baseline_bench.csv]

Runs `run_benchmark(..., with_main=False, with_ceiling=False)` on the k folds of the dataset's default split,
so the baselines are fitted, calibrated and scored exactly as in the benchmark, and prints for each baseline
the mean over all held-out conditions of PDS (`scbig:pds`), DS-L1 (`cell_eval:discrimination_score_l1`) and
r_all (`scbig:r_all`) at gain 1 and at the val-chosen gain, with the gain each fold chose. Takes about a minute
on one CPU core for the Norman subset.
"""
import argparse, time
import pandas as pd
from scbig.datasets import load
from scbig.data import PerturbData
from scbig.benchmark import default_splits, run_benchmark

METRICS = {'PDS': 'scbig:pds', 'DS-L1': 'cell_eval:discrimination_score_l1', 'r_all': 'scbig:r_all'}

def main(dataset:str='norman19_subset', folds:int=5, out:str|None=None) -> pd.DataFrame:
    t0 = time.perf_counter()
    data = PerturbData(load(dataset, verbose=False))
    splits = default_splits(data, n_folds=folds)
    res = run_benchmark(data, splits, seeds=(0,), with_main=False, with_ceiling=False, log=None)
    s = res.summary().xs('all', level='subgroup')
    rows = []
    for name in [m for m in s.index if not str(m).endswith(')')]:
        r = {'baseline': name}
        for short, col in METRICS.items():
            r[f'{short} gain 1'] = s.loc[name, col]
            cal = f'{name} (val gain)'
            r[f'{short} val gain'] = s.loc[cal, col] if cal in s.index else float('nan')
        r['gains by fold'] = ' '.join(f'{g:g}' for g in res.info['gains'].get(f'{name} (val gain)', []))
        rows.append(r)
    tab = pd.DataFrame(rows).set_index('baseline')
    extra = [m for m in s.index if 'target rule' in str(m)]
    print(f"{dataset}: {len(splits)} folds, {sum(len(sp.test) for sp in splits)} held-out conditions, "
          f"baselines only ({time.perf_counter() - t0:.0f} s)")
    with pd.option_context('display.width', 160, 'display.max_columns', 20):
        print(tab.round(3).to_string())
        if extra: print(s.loc[extra, list(METRICS.values())].round(3).to_string())
    if out: res.metrics.to_csv(out, index=False)
    return tab

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--dataset', default='norman19_subset')
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--out', default=None)
    a = ap.parse_args()
    main(a.dataset, a.folds, a.out)
