"""scBIG against every baseline and the split-half ceiling on the real datasets: the results tables.

Usage: python bench/model_bench.py [--datasets norman19_subset papalexi2021] [--seeds 0 1 2] [--folds 5]
                                   [--preset cpu] [--ablations norman19_subset] [--ablation-seeds 0 1 2] [--out bench/results]

For each dataset (from $SCBIG_DATA_DIR, or the cache): the k folds of its default split (k-fold over
conditions for a dataset with pairs, unseen single genes otherwise), scBIG with each seed, the ablations
of scbig.benchmark.ABLATIONS (the first seed only, or --ablation-seeds; for the datasets named by --ablations; --departures adds
scbig.benchmark.DEPARTURES, the released code's choices where scbig departs), every baseline and
the split-half ceiling, scored under the 'scbig' and 'cell_eval' profiles. Each scBIG fit is also scored by its
flow alone (no anchor, gain 1), at gain 1, and at the gain its val L1 rank alone would pick (no MSE bound). Writes metrics.csv, summary.csv,
targets.csv, run.json, report.md and report.html to OUT/<dataset>/ and prints the target table.
Targets (issue 6): beat every baseline on scbig:r_all (Pearson delta), scbig:pds and
cell_eval:discrimination_score_l1, and close at least half the gap from the best baseline to the ceiling.
"""
import argparse, shlex, sys, time
from pathlib import Path
import pandas as pd
from scbig.datasets import load
from scbig.data import PerturbData
from scbig.benchmark import run_benchmark, write_report, default_splits, ABLATIONS, DEPARTURES, LEVERS

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--datasets', nargs='+', default=['norman19_subset', 'papalexi2021'])
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--preset', default='cpu')
    ap.add_argument('--ablations', nargs='*', default=['norman19_subset'], help='datasets on which to run the ablations')
    ap.add_argument('--departures', action='store_true', help="also undo each of scbig's departures from the released code (more fits)")
    ap.add_argument('--ablation-seeds', type=int, nargs='+', default=None, help='seeds of the ablations (default: the first of --seeds)')
    ap.add_argument('--levers', action='store_true', help='run the quality levers of scbig.benchmark.LEVERS (with --only: some) instead of the ablations, and not scBIG, the baselines nor the ceiling (compare with bench/levers.py)')
    ap.add_argument('--only', nargs='*', default=None, help='run only these ablations (names in ABLATIONS) and not scBIG itself, for splitting the work over processes')
    ap.add_argument('--gain-grid', type=float, nargs='+', default=None, help="the gains scBIG's val rule and the baselines' calibration choose from (an override of the preset's gain_grid; 1 among them)")
    ap.add_argument('--no-ceiling', action='store_true', help='skip the split-half ceiling and the sanity controls (a lever run read against a full run)')
    ap.add_argument('--tag', default='', help='suffix of the output folder (OUT/<dataset><tag>)')
    ap.add_argument('--out', default='bench/results')
    ap.add_argument('--save-predictions', default=None, help='also write every prediction to DIR/<dataset><tag>/ (h5ad, for rescoring)')
    a = ap.parse_args()
    cmd = 'python bench/model_bench.py ' + ' '.join(map(shlex.quote, sys.argv[1:]))
    for name in a.datasets:
        data = PerturbData(load(name, verbose=False))
        t0 = time.perf_counter()
        abl = {**ABLATIONS, **(DEPARTURES if a.departures else {})} if name in a.ablations else {}
        if a.levers: abl = dict(LEVERS)
        if a.only is not None: abl = {k: v for k, v in abl.items() if k in a.only}
        full = a.only is None and not a.levers
        over = {} if a.gain_grid is None else {'gain_grid': tuple(a.gain_grid)}
        res = run_benchmark(data, default_splits(data, n_folds=a.folds), seeds=a.seeds, preset_name=a.preset, ablations=abl or None, ablation_seeds=a.ablation_seeds, with_main=full,
                            with_baselines=full, with_ceiling=full and not a.no_ceiling, overrides=over,
                            log=lambda m: print(f'[{name}] {m}', flush=True),
                            save_predictions=None if a.save_predictions is None else Path(a.save_predictions)/f'{name}{a.tag}')
        paths = write_report(res, Path(a.out)/f'{name}{a.tag}', command=cmd)
        print(f'\n{name}: {res.info["split"]}, seeds {a.seeds}, preset {a.preset}: {time.perf_counter() - t0:.0f} s; wrote {paths["report.md"].parent}')
        with pd.option_context('display.width', 200, 'display.max_columns', 20): print(res.targets().round(3).to_string(), '\n', flush=True)

if __name__ == '__main__': main()
