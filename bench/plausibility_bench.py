"""Are scBIG's predicted cells plausible log-normalised expression? One table, per way of predicting.

Usage: python bench/plausibility_bench.py [--dataset norman19_subset] [--preset tiny] [--fold 0] [--n-cells 100]
                                          [--decodes residual direct]

Fits scBIG (residual and direct decoding) on one k-fold split of the dataset (from $SCBIG_DATA_DIR, or the cache),
predicts its test conditions, and compares the predicted cells with the real ones: fraction of negative values,
the largest value (and the largest per-gene ratio of predicted to real maximum), the per-gene zero fraction
(mean absolute difference from the real cells' and its Pearson correlation over genes), the number of distinct
cells, and r_all (Pearson of the predicted and real mean change over genes, averaged over the conditions).
The row 'real means' applies `to_mean` to the real cells' means (the control cells as reference): the zero
fraction and maximum that the rule gives when the means are right.
"""
import argparse, inspect, time
import anndata as ad
import numpy as np, pandas as pd
from scbig.datasets import load
from scbig.data import PerturbData
from scbig.benchmark import default_splits
from scbig.model import SCBIG, to_mean
from scbig.metrics import pearson

def score(p, data, test) -> dict:
    X, cond = np.asarray(p.X, dtype=np.float64), p.obs.condition.to_numpy()
    ctrl = X[cond == data.control].mean(0)
    P = X[np.isin(cond, test)]
    R = np.concatenate([data.X_rows(data.rows(c)) for c in test]).astype(np.float64)
    rmax, pmax = R.max(0), P.max(0)
    zp, zr = (P == 0).mean(0), (R == 0).mean(0)
    real = data.delta(test).to_numpy()
    r = [pearson(real[i], X[cond == c].mean(0) - ctrl) for i, c in enumerate(test)]
    return {'negative': (P < 0).mean(), 'max': P.max(), 'real max': R.max(),
            'median max / real max': np.median(pmax[rmax > 0] / rmax[rmax > 0]),
            'genes over real max': (pmax > rmax + 1e-6).mean(),
            'zeros': zp.mean(), 'real zeros': zr.mean(), 'zero frac |diff|': np.abs(zp - zr).mean(),
            'zero frac r': np.corrcoef(zp, zr)[0, 1], 'distinct cells': len(np.unique(P, axis=0)), 'cells': len(P),
            'r_all': float(np.mean(r))}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--dataset', default='norman19_subset')
    ap.add_argument('--preset', default='tiny')
    ap.add_argument('--fold', type=int, default=0)
    ap.add_argument('--n-cells', type=int, default=100)
    ap.add_argument('--decodes', nargs='+', default=['residual', 'direct'])
    a = ap.parse_args()
    data = PerturbData(load(a.dataset, verbose=False))
    sp = default_splits(data)[a.fold]
    test = list(sp.test)
    has_cells = 'plausible' in inspect.signature(SCBIG.predict).parameters
    rows = {}
    for decode in a.decodes:
        t0 = time.perf_counter()
        m = SCBIG(a.preset, decode=decode, quiet=True).fit(data, sp)
        print(f'fit decode={decode}: {time.perf_counter() - t0:.0f} s', flush=True)
        for match in (True, False):
            for cells in ((False, True) if has_cells else (False,)):
                kw = dict(plausible=cells) if has_cells else {}
                ps = m.predict_variants(test, {g: dict(gain=g) for g in (1.0, 2.0)}, n_cells=a.n_cells, match=match,
                                        **kw)
                for g, p in ps.items(): rows[(decode, match, cells, g)] = score(p, data, test)
    if has_cells:   # the rule given the real means (control cells in a random order): what exact means would give
        ctrl, rng = data.X_rows(data.control_rows), np.random.default_rng(0)
        means = [data.X_rows(data.rows(c)).mean(0) for c in test]
        X = np.concatenate([to_mean(rng.random(ctrl.shape), mu, ctrl) for mu in means] + [ctrl])
        obs = pd.DataFrame({'condition': [c for c in test for _ in ctrl] + [data.control] * len(ctrl)})
        rows[('real means', '', True, 1.0)] = score(ad.AnnData(X, obs=obs), data, test)
    df = pd.DataFrame(rows).T
    df.index.names = ['decode', 'match', 'plausible', 'gain']
    print(f'\n{a.dataset}, fold {a.fold} ({len(test)} test conditions, {a.n_cells} cells each), preset {a.preset}\n')
    with pd.option_context('display.width', 250, 'display.max_columns', 20):
        print(df.astype(float).round(3).to_string())

if __name__ == '__main__': main()
