"""The predicted mean changes of scBIG's val conditions, taken apart: the flow alone with and without the floor at
zero, the linear anchor, their mix, and the mix at other gains (VAL conditions only, never the test ones).

Usage: python bench/val_changes.py [--datasets norman19_subset papalexi2021] [--seed 0] [--cache DIR]

For each dataset and fold of its default split: one scBIG fit (cpu preset), its val conditions predicted by the
flow alone (anchor weight 1, gain 1: the cells as the flow makes them), and the linear anchor's change
(`anchor_delta`). The changes (and the real ones of the fold's training and val conditions) are cached in
CACHE/val_changes_<dataset>_s<seed>.npz (default ~/.cache/scbig/val_changes, outside the repository), and reused
from there when it exists (delete it to fit again). Then each
way of combining them is scored on the val conditions: Pearson delta over all genes (r_all), the L1 rank score
among the real changes of the fold's training and val conditions (pds_ref, the condition's genes left out) and the
mean squared error of the change (mse, same genes); mean over all val conditions of the five folds.
One more way adds a regulon term to the mix: β·r_c, where r_c sums the DoRothEA (confidence A-C) modes of
regulation (+1/−1) of the condition's TFs over their measured targets, and β is the least-squares slope of the
fold's training changes (minus their mean) on their own r (0 where no training TF has a measured target).
The flow-alone changes carry the target rule on a measured target's own transcript (Papalexi), the linear ones
do not; pds_ref and mse leave those genes out, r_all does not.
"""
import argparse, warnings
from pathlib import Path
import numpy as np, pandas as pd
from scbig.datasets import load
from scbig.data import PerturbData, parse_condition
from scbig.benchmark import default_splits
from scbig.model import SCBIG
from scbig.priors import load_dorothea

def changes(name:str, seed:int, path:Path) -> dict:
    "Fit each fold (or read `path`): per fold the val conditions, their real, flow-alone and linear changes, the reference."
    if path.exists(): return dict(np.load(path, allow_pickle=False))
    d, out = PerturbData(load(name, verbose=False)), {}
    for fold, s in enumerate(default_splits(d)):
        m = SCBIG('cpu', seed=seed).fit(d, s)
        val = list(s.val)
        p = m.predict(val, n_cells=300, seed=seed, anchor_weight=1.0, gain=1.0)
        X, cond = np.asarray(p.X), p.obs.condition.to_numpy()
        ctrl = X[cond == d.control].mean(0)
        ref = list(dict.fromkeys([c for c in s.train if c != d.control] + val))
        out.update({f'{fold}/val': np.array(val), f'{fold}/real': d.delta(val).values, f'{fold}/ctrl': m.ctrl_mean,
                    f'{fold}/flow': np.stack([X[cond == c].mean(0) - ctrl for c in val]), f'{fold}/lin': np.stack([m.anchor_delta(c) for c in val]),
                    f'{fold}/ref': np.array(ref), f'{fold}/refdelta': d.delta(ref).values})
        print(f'{name} fold {fold}: fitted', flush=True)
    np.savez(path, genes=np.array(d.genes), **out)
    return out | {'genes': np.array(d.genes)}

def regulon(c:str, genes:list, tfs:pd.DataFrame) -> np.ndarray:
    "r_c: over the measured genes, the sum of the modes of regulation of c's TFs on their targets (c's own genes left out)."
    gs, col, r = parse_condition(c).genes, {g: j for j, g in enumerate(genes)}, np.zeros(len(genes))
    for t, m in tfs[tfs.tf.isin(gs)][['target', 'mor']].itertuples(index=False):
        if t in col and t not in gs: r[col[t]] += m
    return r

def regulon_slope(train:list, delta:np.ndarray, genes:list, tfs:pd.DataFrame) -> float:
    "β: least-squares slope of the training changes, minus their mean, on their regulon vectors (0 without any)."
    R, D = np.stack([regulon(c, genes, tfs) for c in train]), delta - delta.mean(0)
    return float((R * D).sum() / (R ** 2).sum()) if (R ** 2).sum() else 0.0

def candidates(flow, lin, ctrl) -> dict:
    "Ways of combining a condition's flow and linear changes (floor: the predicted mean floored at zero, as predict does)."
    floor = lambda v: np.maximum(ctrl + v, 0) - ctrl
    c = {'flow alone (w = 1), as sampled': flow, 'flow alone, floored at 0': floor(flow), 'linear anchor (w = 0), floored': floor(lin)}
    for w in (0.25, 0.5, 0.75): c[f'w = {w:g}, floored'] = floor(w * flow + (1 - w) * lin)
    for g in (1.25, 1.5, 2.0): c[f'w = 0.5, gain {g:g}, floored'] = floor(g * (0.5 * flow + 0.5 * lin))
    return c

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--datasets', nargs='+', default=['norman19_subset', 'papalexi2021'])
    ap.add_argument('--seed', type=int, default=0); ap.add_argument('--cache', default=str(Path.home()/'.cache'/'scbig'/'val_changes'))
    a = ap.parse_args(); warnings.simplefilter('ignore')
    for name in a.datasets:
        Path(a.cache).mkdir(parents=True, exist_ok=True)
        Z = changes(name, a.seed, Path(a.cache)/f'val_changes_{name}_s{a.seed}.npz')
        genes, rows, tfs = Z['genes'].astype(str), [], load_dorothea('ABC')
        for fold in range(5):
            if f'{fold}/val' not in Z: continue
            val, ref, refd = list(Z[f'{fold}/val'].astype(str)), list(Z[f'{fold}/ref'].astype(str)), Z[f'{fold}/refdelta']
            train = [c for c in ref if c not in val]
            beta = regulon_slope(train, refd[[ref.index(c) for c in train]], list(genes), tfs)
            with_r = [c for c in ref if regulon(c, list(genes), tfs).any()]
            print(f'{name} fold {fold}: regulon slope β {beta:.3f}; conditions with a regulon target measured: training {sum(c in with_r for c in train)} of {len(train)}, val {[str(c) for c in val if c in with_r]}')
            for i, c in enumerate(val):
                keep = ~np.isin(genes, list(parse_condition(c).genes))
                real = Z[f'{fold}/real'][i]
                ways = candidates(Z[f'{fold}/flow'][i], Z[f'{fold}/lin'][i], Z[f'{fold}/ctrl'])
                mix, floor = 0.5 * Z[f'{fold}/flow'][i] + 0.5 * Z[f'{fold}/lin'][i], lambda v: np.maximum(Z[f'{fold}/ctrl'] + v, 0) - Z[f'{fold}/ctrl']
                ways['w = 0.5 + β·regulon, floored'] = floor(mix + beta * regulon(c, list(genes), tfs))
                for k, v in ways.items():
                    rank = int(np.flatnonzero(np.argsort(np.abs(refd[:, keep] - v[keep]).sum(1), kind='stable') == ref.index(c))[0])
                    rows.append({'way': k, 'fold': fold, 'condition': c, 'r_all': np.corrcoef(v, real)[0, 1], 'pds_ref': 1 - rank / len(ref),
                                 'mse x 1e3': 1e3 * np.mean((v[keep] - real[keep]) ** 2)})
        R = pd.DataFrame(rows)
        t = R.groupby('way', sort=False)[['r_all', 'pds_ref', 'mse x 1e3']].mean().round(3).assign(n=R.groupby('way', sort=False).size())
        print(f'\n{name}, seed {a.seed}, val conditions of folds 0-4 (cpu preset; mean over conditions)\n{t.to_string()}', flush=True)

if __name__ == '__main__': main()
