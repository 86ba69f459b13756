"""Genes never perturbed in training: scBIG's three ways of predicting them, chosen on VAL conditions only.

'kernel' and 'mixture' were removed from scbig after this run (they scored lower: the model page, 'Settings
removed'); the script runs with scbig at commit 60ebfd0 or earlier (git checkout 60ebfd0 -- scbig), and stops
with that error line on later versions.

Usage: python bench/unseen_bench.py [--folds 0 1 2 3 4] [--seed 0] [--out bench/results/unseen_bench.csv]

For each fold of the Norman subset's k-fold split: one scBIG fit (cpu preset), then the val and the test
conditions predicted with unseen='prior' (the condition encoder on the prior embedding, as released),
'kernel' (prior-similarity-weighted mean of the seen genes' condition vectors) and 'mixture' (... of their
velocity fields), τ of the last two chosen by leave-one-gene-out on the training singles. The trained
weights are the same for the three: only how an unseen gene's velocity is formed differs. Prints the
leave-one-gene-out scores per τ and the val means after each fold; the choice of the default is made on
val; the test rows are written to the CSV too, for the record.
"""
import argparse, time, warnings
import numpy as np, pandas as pd
from scbig.datasets import load
from scbig.data import PerturbData
from scbig.benchmark import default_splits
from scbig.model import SCBIG
from scbig.metrics import evaluate, observed

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--folds', type=int, nargs='+', default=[0, 1, 2, 3, 4]); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default='bench/results/unseen_bench.csv')
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    d = PerturbData(load('norman19_subset', verbose=False))
    rows = []
    for fold, s in enumerate(default_splits(d)):
        if fold not in a.folds: continue
        t0 = time.time(); m = SCBIG('cpu', unseen='kernel', seed=a.seed).fit(d, s); t1 = time.time()
        X0 = m.pool[:200]; Z0 = m.embed(X0)
        for mode in ['prior', 'kernel', 'mixture']:
            m.field.unseen = m.config.unseen = mode
            if mode != 'prior':
                sc = m._choose_tau(d, m.train_conditions, X0, Z0)
                print(fold, mode, 'tau', float(m.field.tau), sc.groupby('tau').pearson_delta.mean().round(3).to_dict(), flush=True)
            for part in ['val', 'test']:
                conds = getattr(s, part)
                t = evaluate(m.predict(conds, n_cells=300), observed(d, conds), 'scbig', subgroup=s).table
                t['mode'], t['part'], t['fold'] = mode, part, fold; rows.append(t)
        print(f'fold {fold} fit {t1 - t0:.0f}s, eval {time.time() - t1:.0f}s', flush=True)
        R = pd.concat(rows); R.to_csv(a.out)
        print(R[R.part == 'val'].groupby(['mode'])[['r_all', 'pds']].mean().round(3), flush=True)

if __name__ == '__main__': main()
