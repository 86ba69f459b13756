"""Genetic-interaction typing of predicted pairs: each method's pairs against the real ones (scbig.gi).

Usage: python bench/gi_bench.py [--preds DIR] [--dataset norman19_subset] [--folds 5] [--n-boot 2000]
                                [--methods NAME ...] [--out bench/results]

Reads the predictions that `bench/model_bench.py --save-predictions DIR` wrote (DIR/fold<f>/<method>__seed<s>.h5ad:
cells or pseudobulks per condition, obs['condition']). For every predicted pair of a test fold whose two singles
are measured, Norman 2019's regression of the pair on its singles (scbig.gi.gi_table) is fit with the REAL singles'
deltas and control (means of all their cells in the dataset) and the PREDICTED pair's mean, and compared with the
same fit on the real pair: per quantity Pearson r, Spearman rho and mean absolute error over pairs, and agreement on
GEARS' interaction types. Intervals: 95% percentile bootstrap over pairs (the same draws for every method); a method
with several seeds is averaged over its seeds inside each draw, and its sd over seeds is given beside.
Checks: the real means as a prediction reproduce the real quantities exactly; the additive baseline gives
c_a = c_b = 1 on every pair whose two singles it was trained on.
Writes OUT/gi_bench.txt, OUT/gi_bench.csv (one row per method and statistic) and OUT/gi_bench_pairs.csv.
"""
import argparse, re, shlex, sys, time, warnings
from pathlib import Path
import numpy as np
import pandas as pd
import anndata as ad
from scipy import stats
from scbig.core import DataError
from scbig.datasets import load
from scbig.data import PerturbData
from scbig.benchmark import default_splits
from scbig.gi import gi_table, gi_flags, GI_RULES, GI_QUANTITIES

QUANTITIES = ['c_a', 'c_b', 'mag', 'dominance', 'corr_fit', 'dcor', 'dcor_singles', 'eq_contr']
SHOWN = ['c_a', 'c_b', 'mag', 'corr_fit', 'dcor', 'eq_contr']
HALF = 'real half-cells (ceiling)'


def read_predictions(root: Path, n_folds: int, methods=None) -> list:
    "(fold, method, seed, path) of every saved prediction."
    out = []
    for f in range(n_folds):
        for p in sorted((root/f'fold{f}').glob('*__seed*.h5ad')):
            m = re.fullmatch(r'(.+)__seed(\d+)\.h5ad', p.name)
            if m and (methods is None or m.group(1) in methods): out.append((f, m.group(1), int(m.group(2)), p))
    return out


def _corr(u: np.ndarray, v: np.ndarray, rank: bool) -> float:
    if len(np.unique(u)) < 3 or np.ptp(u) < 1e-9 or np.ptp(v) < 1e-9: return np.nan
    if rank: u, v = stats.rankdata(u), stats.rankdata(v)
    return float(np.corrcoef(u, v)[0, 1])


def stats_of(P: np.ndarray, F: np.ndarray, R: np.ndarray, RF: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Pearson, Spearman, MAE per quantity (columns of P, R: predicted, real) and the agreement on each GEARS type
    (flags F, RF) and on all, over the pairs `idx` (which may repeat: a bootstrap draw)."""
    p, r, agree = P[idx], R[idx], F[idx] == RF[idx]
    out = []
    for k in range(P.shape[1]):
        out += [_corr(p[:, k], r[:, k], False), _corr(p[:, k], r[:, k], True), float(np.abs(p[:, k] - r[:, k]).mean())]
    return np.array(out + list(agree.mean(0)) + [agree.mean()])


def stat_names() -> list:
    return [(q, st) for q in QUANTITIES for st in ('pearson', 'spearman', 'mae')] + \
           [('type', k) for k in GI_RULES] + [('type', 'accuracy')]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--preds', default='/work/preds/norman19_subset_fair', help='the folder with fold<f>/ subfolders')
    ap.add_argument('--dataset', default='norman19_subset')
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--n-boot', type=int, default=2000)
    ap.add_argument('--methods', nargs='*', default=None, help='only these methods (file names before __seed)')
    ap.add_argument('--half-repeats', type=int, default=5,
                    help='random halves of the real pair cells (positive control)')
    ap.add_argument('--note', default='', help='a line on where the predictions came from, written with the tables')
    ap.add_argument('--out', default='bench/results')
    a = ap.parse_args()
    cmd = 'python bench/gi_bench.py ' + ' '.join(map(shlex.quote, sys.argv[1:]))
    t0 = time.perf_counter()
    files = read_predictions(Path(a.preds), a.folds, a.methods)
    if not files:
        raise DataError(f"no predictions under {a.preds}/fold*/", "run bench/model_bench.py --save-predictions")
    data = PerturbData(load(a.dataset, verbose=False))
    pb = data.pseudobulk()
    real = gi_table(pb, control=data.control)                      # every pair whose two singles are measured
    splits = default_splits(data, n_folds=a.folds)
    fold_of = {p: f for f, sp in enumerate(splits) for p in sp.test if p in real.index}
    seen = {p: [g for g in real.loc[p, ['a', 'b']] if g in splits[fold_of[p]].train] for p in fold_of}
    in_val = {p: [g for g in real.loc[p, ['a', 'b']] if g in splits[fold_of[p]].val] for p in fold_of}

    check = gi_table(pb, pairs=list(real.index), pred=pb.loc[real.index], control=data.control)
    assert np.array_equal(check[QUANTITIES].to_numpy(), real[QUANTITIES].to_numpy()), 'real means do not reproduce'

    rows = []                                                       # one row per (method, seed, pair)
    rng = np.random.default_rng(0)                                  # positive control: half of each pair's real cells
    for s in range(a.half_repeats):
        half = {p: data.X_rows(np.sort(rng.permutation(data.rows(p))[:len(data.rows(p)) // 2])).mean(0)
                for p in real.index}
        t = gi_table(pb, pairs=list(real.index), pred=pd.DataFrame(half, index=pb.columns).T, control=data.control)
        rows.append(t.assign(method=HALF, seed=s, fold=[fold_of[p] for p in t.index]))
    for f, method, seed, path in files:
        if f not in fold_of.values(): continue                     # this fold tests no pair with both singles measured
        pred = ad.read_h5ad(path)
        pairs = [p for p in real.index if fold_of.get(p) == f and p in set(pred.obs['condition'].astype(str))]
        if not pairs: continue
        t = gi_table(pb, pairs=pairs, pred=pred, control=data.control)
        rows.append(t.assign(method=method, seed=seed, fold=f))
    if not rows: raise DataError("no predicted pair has both singles measured", "check --preds and --dataset")
    per_pair = pd.concat(rows).reset_index()

    # the additive baseline: c_a = c_b = 1 wherever both singles were trained on
    add = per_pair[per_pair.method == 'additive'].set_index('pair')
    both = [p for p in add.index if len(seen[p]) == 2]
    add_ok = bool(np.allclose(add.loc[both, ['c_a', 'c_b']].to_numpy(float), 1, atol=1e-6)) if both else None

    rng = np.random.default_rng(0)
    pairs = list(real.index)
    draws = [rng.integers(0, len(pairs), len(pairs)) for _ in range(a.n_boot)]
    R, RF = real.loc[pairs, QUANTITIES].to_numpy(float), gi_flags(real.loc[pairs]).to_numpy()
    names, out = stat_names(), []
    for method, g in per_pair.groupby('method', sort=False):
        by_seed = {s: d.set_index('pair') for s, d in g.groupby('seed')}
        if any(set(d.index) != set(pairs) for d in by_seed.values()):
            print(f'skip {method}: not every pair predicted (folds still running?)'); continue
        arrays = [(d.loc[pairs, QUANTITIES].to_numpy(float), gi_flags(d.loc[pairs]).to_numpy())
                  for d in by_seed.values()]
        point = np.array([stats_of(P, F, R, RF, np.arange(len(pairs))) for P, F in arrays])     # (seeds, stats)
        boot = np.array([np.nanmean([stats_of(P, F, R, RF, idx) for P, F in arrays], axis=0) for idx in draws])
        lo, hi = np.nanpercentile(boot, [2.5, 97.5], axis=0)
        for k, (q, st) in enumerate(names):
            out.append(dict(method=method, quantity=q, stat=st, value=np.nanmean(point[:, k]),
                            sd_seeds=np.nanstd(point[:, k], ddof=1) if len(point) > 1 else np.nan,
                            lo=lo[k], hi=hi[k], n_pairs=len(pairs), seeds=' '.join(map(str, sorted(by_seed)))))
    res = pd.DataFrame(out)
    order = sorted(res.method.unique(), key=lambda m: (m != HALF, not m.startswith('scbig'), m != 'scbig', m))

    def cell(r):
        sd = '' if np.isnan(r.sd_seeds) else f' ±{r.sd_seeds:.2f}'
        return f'{r.value:.2f}{sd} [{r.lo:.2f}, {r.hi:.2f}]'

    def wide(stat, qs, kind='quantity'):
        sub = res[(res.stat == stat) & res.quantity.isin(qs)] if kind == 'quantity' else res[(res.quantity == 'type')]
        col = 'quantity' if kind == 'quantity' else 'stat'
        t = sub.assign(txt=sub.apply(cell, axis=1)).pivot(index='method', columns=col, values='txt')
        return t.reindex(index=order, columns=qs if kind == 'quantity' else [*GI_RULES, 'accuracy'])

    seeds = res.groupby('method').seeds.first()
    pair_info = '; '.join(f"{p} (fold {fold_of[p]}, singles in train: {' and '.join(seen[p]) or 'none'}"
                          + (f", in val: {' and '.join(in_val[p])}" if in_val[p] else '') + ')' for p in pairs)
    lines = [
        f'# GI typing of predicted pairs: {a.dataset}',
        f'command: {cmd}',
        f'predictions: {a.preds} ({len(files)} files); {time.perf_counter() - t0:.0f} s',
        *([f'provenance: {a.note}'] if a.note else []),
        f'split: the {a.folds} folds of default_splits (k-fold over conditions; every condition tested once); '
        f'pairs: the {len(pairs)} whose two singles are measured, each scored in the fold that tests it: {pair_info}',
        'GI fit: scbig.gi.gi_table = Norman 2019 regression delta_ab = c_a delta_a + c_b delta_b (Theil-Sen, '
        f'no intercept) over {int(real.n_genes.iloc[0])} genes (all measured but the perturbed ones); '
        'delta = pseudobulk - control mean '
        '(log1p scale); singles and control: the REAL means of all their cells; the pair: the predicted mean',
        f'seeds: scbig {seeds.get("scbig", "-")}; every other method as saved (baselines are deterministic: seed 0); '
        '"±" = sd over seeds; [lo, hi] = 95% percentile bootstrap over pairs '
        f'({a.n_boot} draws, the same for every method; r is undefined on draws with < 3 distinct pairs)',
        f'positive control "{HALF}": each pair predicted by the mean of a random half of its real cells '
        f'({a.half_repeats} halves as seeds; they are half of the reference cells: this understates the noise)',
        f'checks: real means as prediction reproduce the real quantities exactly: yes; additive gives c_a = c_b = 1 on '
        f'the {len(both)} pairs whose singles it trained on: {add_ok}',
        f'GEARS types (scbig.gi.GI_RULES): ' + '; '.join(f'{k}: {q} {op} {t}' for k, (q, op, t) in GI_RULES.items()),
        '', '## Real quantities (the reference)', real[[*SHOWN, 'types']].round(3).to_string(),
        '', '## Mean absolute error, predicted vs real pair quantities (lower is better)',
        wide('mae', SHOWN).to_string(),
        '', '## Pearson r over pairs, predicted vs real (5 pairs: read with care)',
        wide('pearson', SHOWN).to_string(),
        '', '## Spearman rho over pairs',
        wide('spearman', SHOWN).to_string(),
        '', '## GEARS type agreement: fraction of pairs whose predicted flag equals the real one (accuracy: all types)',
        wide(None, None, kind='type').to_string(),
        '', '## Per pair: predicted c_a, c_b (first seed)',
        per_pair[per_pair.seed == per_pair.groupby('method').seed.transform('min')]
        .assign(c=lambda d: d.c_a.round(2).astype(str) + ', ' + d.c_b.round(2).astype(str))
        .pivot(index='method', columns='pair', values='c').reindex(order).to_string(),
    ]
    def short(r, ci=True):
        sd = '' if np.isnan(r.sd_seeds) else f' ±{r.sd_seeds:.2f}'
        return f'{r.value:.2f}{sd}' + (f' [{r.lo:.2f}, {r.hi:.2f}]' if ci else '')
    get = lambda m, q, st: res[(res.method == m) & (res.quantity == q) & (res.stat == st)].iloc[0]
    md = ['| method | MAE mag [95% CI] | MAE c_a, c_b | MAE corr_fit | r mag | type accuracy [95% CI] |',
          '|---|---|---|---|---|---|']
    for m in order:
        c = (get(m, 'c_a', 'mae').value + get(m, 'c_b', 'mae').value) / 2
        md.append(f"| {m} | {short(get(m, 'mag', 'mae'))} | {c:.2f} | {short(get(m, 'corr_fit', 'mae'), False)} | "
                  f"{short(get(m, 'mag', 'pearson'), False)} | {short(get(m, 'type', 'accuracy'))} |")
    out_dir = Path(a.out); out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir/'gi_bench.md').write_text('\n'.join(md) + '\n')
    text = '\n'.join(lines) + '\n'
    (out_dir/'gi_bench.txt').write_text(text)
    res.to_csv(out_dir/'gi_bench.csv', index=False)
    per_pair.to_csv(out_dir/'gi_bench_pairs.csv', index=False)
    with pd.option_context('display.width', 250, 'display.max_columns', 20): print(text)


if __name__ == '__main__':
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)
        main()
