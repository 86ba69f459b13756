"""Rescore a benchmark's saved predictions under metric profiles, without refitting anything.

Usage: python bench/rescore.py --dataset norman19_subset --preds /work/preds/norman19_subset_fair \
                               --out bench/results/norman19_subset_fair [--profiles scbig cell_eval ...]

`run_benchmark(save_predictions=DIR)` (bench/model_bench.py --save-predictions) writes every prediction as
DIR/fold<f>/<method>__seed<s>.h5ad. This script rebuilds the real held-out cells of each fold (the same
`default_splits`, which are seeded), scores every saved prediction under --profiles (default: every profile of
scbig.benchmark.METRICS), recomputes the split-half ceiling and the sanity controls (scbig.sanity) for them, and
writes metrics.csv, summary.csv, targets.csv, sanity.csv, run.json, report.md and report.html to --out. What the
run recorded (seeds, preset, gains, timings) is kept from --run-json (default: --out's run.json); the folds are
the run's (--folds, else the fold count whose splits hold out the saved conditions, run.json's tried first). Where --out
already holds a metrics.csv, the rescored values of the columns it has are compared with it and the largest
absolute difference is printed (and kept in run.json under 'rescored'). The output is written to a temporary
folder next to --out and moved into place at the end: an interrupted rescore leaves --out as it was.
"""
import argparse, json, re, shlex, shutil, sys, tempfile, time
from pathlib import Path
import numpy as np
import pandas as pd
import anndata as ad
import scbig
from scbig.core import ConfigError, DataNotFoundError
from scbig.data import PerturbData
from scbig.datasets import load
from scbig.metrics import observed
from scbig.benchmark import METRICS, BenchmarkResult, default_splits, write_report, _scores
from scbig.sanity import control_scores, sanity_table, sanity_records, conventions, train_reference

KEYS = ['method', 'seed', 'fold', 'condition']
FIGURES_KEPT = ('program_map.png', 'training_curves.png')    # the fits' own figures: rescoring cannot redraw them

def saved_predictions(preds:Path) -> dict:
    "{fold: [(method, seed, path), ...]} of a save_predictions folder."
    out = {}
    for d in sorted(preds.glob('fold*')):
        if not re.fullmatch(r'fold\d+', d.name): continue
        files = sorted(d.glob('*__seed*.h5ad'))
        out[int(d.name[4:])] = [(f.stem.rsplit('__seed', 1)[0], int(f.stem.rsplit('__seed', 1)[1]), f) for f in files]
    if not any(out.values()):
        raise DataNotFoundError(f"no saved predictions (fold<f>/<method>__seed<s>.h5ad) in {preds}",
                                "pass --preds the folder run_benchmark(save_predictions=...) wrote")
    return out

def infer_folds(data, files:dict, candidates=(5, 3, 2, 4, 6, 7, 8, 9, 10)) -> int:
    "The fold count whose `default_splits` hold out exactly the conditions each saved fold predicts."
    held = {f: set(ad.read_h5ad(fl[0][2]).obs.condition.astype(str)) - {data.control} for f, fl in files.items() if fl}
    for n in candidates:
        sp = default_splits(data, n_folds=n)
        if all(f < len(sp) and set(sp[f].test) == h for f, h in held.items()): return n
    raise ConfigError(f"no k-fold split of {candidates} holds out the saved folds' conditions",
                      "pass --folds (and --dataset) as the run had")

def method_order(methods, previous=None) -> list:
    "The original run's order where known, else scBIG and its variants, the baselines, then the ceiling."
    known = [m for m in (previous or []) if m in methods and m != 'ceiling']
    rest = sorted(set(methods) - set(known) - {'ceiling'}, key=lambda m: (not m.startswith('scbig'), m != 'scbig', m))
    return known + [m for m in rest if m not in known] + (['ceiling'] if 'ceiling' in methods else [])

def rescore(data, preds, profiles, n_folds=5, ceiling_repeats=5, seed0=None, log=print):
    "Score every saved prediction and each fold's controls: (metrics rows, control rows, deltas, cells per condition)."
    files, splits = saved_predictions(Path(preds)), default_splits(data, n_folds=n_folds)
    bad = [f for f in files if f >= len(splits)]
    if bad: raise ConfigError(f"fold(s) {bad} saved, but the split has {len(splits)} folds", "pass --folds as the run")
    seed0 = min(s for fl in files.values() for _, s, _ in fl) if seed0 is None else seed0
    rows, controls, deltas, n_pred = [], [], {}, []
    for f, fl in files.items():
        sp, t0 = splits[f], time.perf_counter()
        real = observed(data, sp.test)
        tm = train_reference(data, sp) if 'systema' in profiles else None     # Systema's reference
        ctrl = np.asarray(real.X[(real.obs.condition == data.control).values].mean(0)).ravel()
        for method, seed, path in fl:
            pred = ad.read_h5ad(path)
            missing = set(sp.test) - set(pred.obs.condition.astype(str))
            if missing: raise ConfigError(f"{path} lacks held-out conditions {sorted(missing)[:3]} of fold {f}",
                                          "pass --folds (and the dataset) the run used")
            rows.append(_scores(pred, real, sp, profiles, train_means=tm).assign(method=method, seed=seed, fold=f).reset_index())
            if method == 'scbig': n_pred.append(int((pred.obs.condition == sp.test[0]).sum()))
            if seed == seed0:                                            # as run_benchmark keeps them: seed 0's
                for c in sp.test:
                    p = np.asarray(pred.X[(pred.obs.condition == c).values].mean(0)).ravel()
                    r = np.asarray(real.X[(real.obs.condition == c).values].mean(0)).ravel()
                    deltas[(method, c)] = (r - ctrl, p - ctrl)
        controls.append(control_scores(data, sp, profiles, real, ceiling_repeats).assign(seed=seed0, fold=f))
        rows.append(controls[-1][controls[-1].method == 'ceiling'])
        log(f"fold {f}: {len(fl)} predictions and the controls scored in {time.perf_counter() - t0:.0f} s")
    return pd.concat(rows, ignore_index=True), pd.concat(controls, ignore_index=True), deltas, n_pred

def compare(new:pd.DataFrame, old:pd.DataFrame) -> dict:
    "Largest |new − old| over the metric columns both have, on the rows both have."
    cols = [c for c in old.columns if ':' in c and c in new.columns]
    both = old.merge(new, on=KEYS, suffixes=(' old', ' new'))
    if not cols or not len(both): return {'columns': cols, 'rows': len(both), 'max_abs_diff': None}
    d = np.abs(both[[f'{c} new' for c in cols]].to_numpy(float) - both[[f'{c} old' for c in cols]].to_numpy(float))
    nan_mismatch = int((np.isnan(both[[f'{c} new' for c in cols]].to_numpy(float))
                        != np.isnan(both[[f'{c} old' for c in cols]].to_numpy(float))).sum())
    worst = cols[int(np.nanargmax(np.nanmax(d, axis=0)))] if np.isfinite(d).any() else None
    return {'columns': cols, 'rows': len(both), 'rows_old': len(old), 'rows_new': len(new),
            'max_abs_diff': float(np.nanmax(d)) if np.isfinite(d).any() else None, 'worst_column': worst,
            'nan_mismatches': nan_mismatch}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--dataset', required=True, help='registered dataset the run used (e.g. norman19_subset)')
    ap.add_argument('--preds', required=True, help='the folder of saved predictions (fold<f>/<method>__seed<s>.h5ad)')
    ap.add_argument('--out', required=True, help='folder to write; its run.json (if any) gives the run info')
    ap.add_argument('--profiles', nargs='+', default=None, help='metric profiles (default: every profile of METRICS)')
    ap.add_argument('--run-json', default=None, help="the run's run.json (default: OUT/run.json)")
    ap.add_argument('--folds', type=int, default=None,
                    help="folds of the split (default: the run's, else the count whose folds match the saved ones)")
    a = ap.parse_args()
    profiles = a.profiles or list(METRICS)
    unknown = [p for p in profiles if p not in METRICS]
    if unknown: raise SystemExit(f"error: profiles {unknown} are not in scbig.benchmark.METRICS; use {list(METRICS)}")
    out, preds = Path(a.out), Path(a.preds)
    rj = Path(a.run_json) if a.run_json else out/'run.json'
    info = json.loads(rj.read_text()) if rj.is_file() else {}
    data = PerturbData(load(a.dataset, verbose=False))
    said = [int(k) for k in re.findall(r'(\d+) fold', info.get('split', ''))]     # the run's count first
    tries = tuple(dict.fromkeys(said + [5, 3, 2, 4, 6, 7, 8, 9, 10]))
    folds = a.folds or infer_folds(data, saved_predictions(preds), tries)
    name = dict(data.adata.uns.get('scbig_dataset', {})).get('name', a.dataset)
    if info.get('dataset') not in (None, name):
        raise SystemExit(f"error: {rj} is a run of {info['dataset']}, not {name}; pass --run-json of this dataset")
    t0 = time.perf_counter()
    m, ctl, deltas, n_pred = rescore(data, preds, profiles, folds, info.get('ceiling_repeats', 5),
                                     seed0=(info.get('seeds') or [None])[0], log=lambda s: print(s, flush=True))
    old = pd.read_csv(out/'metrics.csv') if (out/'metrics.csv').is_file() else None
    order = method_order(set(m.method), None if old is None else list(dict.fromkeys(old.method)))
    m['method'] = pd.Categorical(m.method, order, ordered=True)
    m = m.sort_values(['fold', 'method', 'seed'], kind='stable').reset_index(drop=True)
    m['method'] = m.method.astype(str)
    m = m[['method', 'seed', 'fold', 'condition', 'subgroup', 'n_cells'] + [c for c in m.columns if ':' in c]]
    check = compare(m, old) if old is not None else None
    seeds = sorted(set(m.loc[m.method == 'scbig', 'seed'])) or sorted(set(m.seed))
    sp0 = default_splits(data, n_folds=folds)[0]
    cmd = 'python bench/rescore.py ' + ' '.join(map(shlex.quote, sys.argv[1:]))
    info = {'dataset': name, 'n_cells': int(data.adata.n_obs), 'n_genes': int(data.adata.n_vars),
            'split': f"{sp0.kind}, {folds} fold(s), split seed {sp0.seed}", 'seeds': seeds, 'preset': 'not recorded',
            'overrides': {}, 'ablations': {}, 'n_cells_predicted': min(n_pred, default=0), 'seconds': {},
            'seconds_total': float('nan'), 'ceiling_repeats': 5, **info,
            'profiles': profiles, 'conventions': conventions(data, sp0, profiles), 'scbig_version': scbig.__version__,
            'sanity': sanity_records(sanity_table(ctl)),
            'rescored': {'command': cmd, 'predictions': str(preds), 'seconds': time.perf_counter() - t0,
                         'run_command': info.get('command'), 'check against the previous metrics.csv': check}}
    res = BenchmarkResult(m, info, deltas=deltas)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f'.{out.name}.', dir=out.parent))
    try:
        write_report(res, tmp, command=info.get('command') or cmd)
        for f in FIGURES_KEPT:
            if (out/f).is_file(): shutil.copy2(out/f, tmp/f)
        gone = out.with_name(f'.{out.name}.old')
        if out.exists(): out.rename(gone)
        tmp.rename(out)
        shutil.rmtree(gone, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True); raise
    print(f"rescored {len(m)} rows ({m.method.nunique()} methods, {len(set(m.fold))} folds) under {profiles} "
          f"in {time.perf_counter() - t0:.0f} s; wrote {out}")
    if check: print(f"against the previous metrics.csv ({check['rows']} shared rows, {len(check['columns'])} columns): "
                    f"max |difference| {check['max_abs_diff']} (worst: {check['worst_column']}), "
                    f"NaN mismatches {check['nan_mismatches']}")
    st = sanity_table(ctl)
    print(f"sanity: pass {list(st.index[st.passes])}; fail {list(st.index[~st.passes])}")

if __name__ == '__main__': main()
