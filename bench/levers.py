"""Each quality lever of scbig.benchmark.LEVERS against the preset it changes: val first, then test, paired.

Usage: python bench/levers.py --base bench/results/norman19_subset_fair --runs DIR [DIR ...]
                              [--val-base DIR] [--out bench/results/levers_norman19_subset.md]
       python bench/levers.py --base ... --preds DIR [DIR ...]   (a run still going: its saved predictions)

--base is a benchmark folder of the preset as is (scBIG's seeds, every baseline, the sanity table: `model_bench.py`);
each --runs folder holds lever fits on the same folds (`model_bench.py --levers --only NAME --ablation-seeds ...`).
For each lever and each headline metric that passes the base's sanity controls: the lever's margin over the preset on
the test conditions (per condition, each side averaged over the seeds both have; paired 95% bootstrap interval over
conditions, wins/losses), and over the best baseline as the benchmark computes it (`margins`). Val: the mean over
folds of the flow's best val Pearson delta and of the val L1 rank at the fit's chosen gain (run.json 'val'), against
--val-base's (a run of the preset with the val scores kept, e.g. the lever 'none'). Prints a markdown report and
writes it to --out. --preds scores the predictions a run has saved so far (`--save-predictions`; the folds
written, no val scores: run.json comes at the end) under the headline profiles, and compares them the same way;
a folder of bench/cv_select.py is read so, with what its cross-validation chose. A --runs folder of a full run with
overrides (`model_bench.py --gain-grid ...`) is read as one lever, its scBIG against the base's. Where a lever's
folder holds baselines run with its procedure, the last column compares with those. --against pairs each lever with
another row of the base (e.g. 'scbig gain 1'). --keep DIR writes each --preds run's scores (metrics.csv, run.json)
to DIR/<its name>/, to be read back with --runs once the predictions are gone.
"""
import argparse, json, sys
from pathlib import Path
import numpy as np
import pandas as pd
import anndata as ad
from scbig.benchmark import BenchmarkResult, TARGETS, margins, _boot, _scores, default_splits
from scbig.data import PerturbData
from scbig.datasets import load
from scbig.metrics import observed
from scbig.sanity import train_reference
from rescore import saved_predictions            # bench/rescore.py: the saved files of each fold

def read(d:Path) -> tuple[pd.DataFrame, dict]:
    return pd.read_csv(d/'metrics.csv'), json.loads((d/'run.json').read_text())

def score_saved(dataset:str, preds:Path, n_folds:int) -> tuple[pd.DataFrame, dict]:
    "Metrics (the headline profiles) of the lever fits saved in `preds` so far, and a run.json-like info."
    data, profiles = PerturbData(load(dataset, verbose=False)), sorted({t.split(':')[0] for t in TARGETS})
    splits, rows, names = default_splits(data, n_folds=n_folds), [], {}
    for f, files in saved_predictions(preds).items():
        sp = splits[f]; real = observed(data, sp.test); tm = train_reference(data, sp)
        for method, seed, p in files:
            if method.endswith((' gain 1', ' flow alone')): continue        # the fit's own variants
            rows.append(_scores(ad.read_h5ad(p), real, sp, profiles, train_means=tm)
                        .assign(method=method, seed=seed, fold=f).reset_index())
            if method.startswith('scbig '): names[method[len('scbig '):]] = 'see the run'
    info = {'ablations': names, 'cv': [r for j in sorted(preds.glob('cv_select*.json'))
                                       for r in json.loads(j.read_text())['fits']]}
    return pd.concat(rows, ignore_index=True), info

def gain_lines(info:dict, lever:str) -> list:
    "The gains the lever's fits chose, and their val L1 rank at that gain against gain 1 (the same fits)."
    fits = (info.get('val') or {}).get(lever, [])
    pairs = [(next(g['l1_rank'] for g in v['gain_scores'] if g['gain'] == v['gain']),
              next(g['l1_rank'] for g in v['gain_scores'] if g['gain'] == 1.0)) for v in fits if v['gain_scores']]
    if not pairs: return []
    chosen = {float(k): int(n) for k, n in pd.Series([v['gain'] for v in fits]).value_counts().sort_index().items()}
    a, b = np.mean([p[0] for p in pairs]), np.mean([p[1] for p in pairs])
    return [f"Gains chosen on val ({len(fits)} fits): {chosen}; val L1 rank at the chosen gain {a:.3f} vs at gain 1 "
            f"{b:.3f} ({a - b:+.3f}; the same fits).", '']

def cv_lines(fits:list, vb:pd.DataFrame) -> list:
    "What cross-validation chose (bench/cv_select.py's record), against what the preset's val conditions chose."
    if not fits: return []
    steps = {int(k): int(v) for k, v in pd.Series([r['step'] for r in fits]).value_counts().sort_index().items()}
    gains = {float(k): int(v) for k, v in pd.Series([r['gain'] for r in fits]).value_counts().sort_index().items()}
    n = [sum(i['n_val'] for i in r['inner']) for r in fits]
    r_at = [{int(k): v for k, v in r['val_r_by_step'].items()}[int(r['step'])] for r in fits]
    out = [f"Selection by cross-validation: {len(fits)} fits (fold x seed), each on {min(n)}-{max(n)} pooled "
           f"conditions; pooled val Pearson delta at the chosen step {np.mean(r_at):.3f}; chosen flow steps "
           f"{steps}; chosen gains {gains}."]
    pre = vb[vb.method.isin(['scbig', 'scbig none'])] if len(vb) else vb
    if len(pre):
        g = ({float(k): int(v) for k, v in pre.gain.value_counts().sort_index().items()} if 'gain' in pre else None)
        out.append(f"The preset, on its own val conditions: flow val r {pre.flow_val_r.mean():.3f} (not the same "
                   "conditions)" + (f"; gains {g}" if g is not None else '') + '.')
    return out + ['']

def val_table(info:dict) -> pd.DataFrame:
    "One row per (method, fold, seed): the flow's best val Pearson delta and the val L1 rank at the chosen gain."
    rows = []
    for name, fits in (info.get('val') or {}).items():
        for v in fits:
            at = [g for g in v['gain_scores'] if g['gain'] == v['gain']]
            rows.append({'method': name, 'fold': v['fold'], 'seed': v['seed'], 'flow_val_r': v['flow_val_r'],
                         'val_l1_rank': at[0]['l1_rank'] if at else np.nan, 'gain': v['gain']})
    return pd.DataFrame(rows, columns=['method', 'fold', 'seed', 'flow_val_r', 'val_l1_rank', 'gain'])

def paired(a:pd.DataFrame, b:pd.DataFrame, metric:str, seeds) -> dict:
    "a − b per condition (each averaged over `seeds`): mean, 95% interval, wins, losses."
    x = a[a.seed.isin(seeds)].groupby('condition')[metric].mean()
    y = b[b.seed.isin(seeds)].groupby('condition')[metric].mean()
    both = pd.concat([x, y.reindex(x.index)], axis=1, keys=['lever', 'preset']).dropna()
    d = (both.lever - both.preset).to_numpy()
    if not len(d): return {}
    lo, hi = _boot(d, 2000, 0.95, 0)
    tol = 1e-12                                              # a CSV round trip moves a value by ~1e-16
    return {'n': len(d), 'lever': float(both.lever.mean()), 'preset': float(both.preset.mean()),
            'margin': float(d.mean()), 'low': float(lo), 'high': float(hi), 'wins': int((d > tol).sum()),
            'losses': int((d < -tol).sum())}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--base', required=True, type=Path)
    ap.add_argument('--runs', nargs='*', default=[], type=Path)
    ap.add_argument('--preds', nargs='*', default=[], type=Path, help='saved predictions of lever runs still going')
    ap.add_argument('--val-base', type=Path, default=None)
    ap.add_argument('--against', default='scbig', help="the base's row each lever is paired with (e.g. 'scbig gain 1')")
    ap.add_argument('--keep', type=Path, default=None, help='write the scores of each --preds run to KEEP/<its name>/')
    ap.add_argument('--out', type=Path, default=None)
    a = ap.parse_args()
    bm, binfo = read(a.base)
    sanity = pd.read_csv(a.base/'sanity.csv').set_index('metric') if (a.base/'sanity.csv').is_file() else None
    out = [f"# Quality levers on {binfo['dataset']} ({binfo['split']}, preset {binfo.get('preset')})", '',
           f"Command: `python bench/levers.py {' '.join(sys.argv[1:])}`", '']
    def passes(t): return sanity is None or t not in sanity.index or bool(sanity.loc[t, 'passes'])
    vb = val_table(read(a.val_base)[1]) if a.val_base else pd.DataFrame()
    folds = int(binfo['split'].split(', ')[1].split()[0])
    for run in [*a.runs, *a.preds]:
        m, info = read(run) if run in a.runs else score_saved(binfo['dataset'], run, folds)
        if a.keep and run in a.preds:                    # the scores kept, to read back with --runs (no predictions)
            k = a.keep/run.name; k.mkdir(parents=True, exist_ok=True)
            m.to_csv(k/'metrics.csv', index=False)
            (k/'run.json').write_text(json.dumps({**info, 'dataset': binfo['dataset'], 'split': binfo['split'],
                                                  'scored_from': str(run)}, indent=1))
        levers = [(name, f'scbig {name}', info['ablations'][name]) for name in info.get('ablations', {})]
        if info.get('overrides') and not levers:     # a full run (scBIG, the baselines) of the preset with overrides
            levers = [('preset with ' + ', '.join(f'{k}={v}' for k, v in info['overrides'].items()), 'scbig',
                       info['overrides'])]
        for name, lever, what in levers:
            lm = m[m.method == lever]
            if lm.empty: continue
            seeds = sorted(set(lm.seed) & set(bm[bm.method == a.against].seed))
            out += [f"## {name}: {what}", '',
                    f"Seeds {seeds} (lever and preset); {lm.condition.nunique()} test conditions; {run}"
                    + (f"; the preset's row: {a.against}" if a.against != 'scbig' else ''), '']
            v = val_table(info)
            v = v[v.method == lever]
            if len(v): out += gain_lines(info, lever)
            if len(v) and len(vb):
                base_v = vb[vb.method.isin(['scbig', 'scbig none'])]
                j = v.merge(base_v, on=['fold', 'seed'], suffixes=(' lever', ' preset'))
                if len(j):
                    out += ['| val (mean over folds) | lever | preset | difference |', '|---|---:|---:|---:|']
                    for k in ('flow_val_r', 'val_l1_rank'):
                        out.append(f"| {k} | {j[k + ' lever'].mean():.3f} | {j[k + ' preset'].mean():.3f} | "
                                   f"{(j[k + ' lever'] - j[k + ' preset']).mean():+.3f} |")
                    out.append('')
            elif info.get('cv'): out += cv_lines(info['cv'], vb)
            elif len(v):
                out += [f"val of the lever's fits (no preset val run to compare): "
                        f"flow_val_r {v.flow_val_r.mean():.3f}, val_l1_rank {v.val_l1_rank.mean():.3f} "
                        f"over {len(v)} fits", '']
            targets = [t for t in TARGETS if t in lm.columns and t in bm.columns and passes(t)]
            own = m[~m.method.str.startswith('scbig')]       # baselines run with the lever's procedure, if any
            bsrc = own if len(own) else bm
            if len(own): out += [f"Baselines: {own.method.nunique()} rows run with the lever's procedure (in {run}), "
                                 "the closest of them in the last column.", '']
            out += ['| test metric | n | lever | preset | lever − preset (95% interval) | wins / losses | '
                    'vs closest baseline (95% interval) |', '|---|---:|---:|---:|---|---|---|']
            both = pd.concat([bsrc[~bsrc.method.str.startswith('scbig')], lm.assign(method='lever')], ignore_index=True)
            mg = margins(BenchmarkResult(both, {}), model='lever', metrics=targets,
                         baselines=[b for b in dict.fromkeys(bsrc.method) if b != 'ceiling'
                                    and not str(b).startswith('scbig')])
            for t in targets:
                p = paired(lm, bm[bm.method == a.against], t, seeds)
                if not p: continue
                g = mg.loc[t] if t in mg.index.get_level_values(0) else None
                cl = (f"{g.margin.idxmin()} {g.margin.min():+.3f} ({g.loc[g.margin.idxmin(), '95% low']:+.3f} to "
                      f"{g.loc[g.margin.idxmin(), '95% high']:+.3f})") if g is not None and len(g) else ''
                out.append(f"| {t} | {p['n']} | {p['lever']:.3f} | {p['preset']:.3f} | {p['margin']:+.3f} "
                           f"({p['low']:+.3f} to {p['high']:+.3f}) | {p['wins']} / {p['losses']} | {cl} |")
            out.append('')
    text = '\n'.join(out)
    print(text)
    if a.out: a.out.write_text(text + '\n')

if __name__ == '__main__': main()
