"""Settings of scBIG compared on VAL conditions only (never the test ones): how a default is chosen.

Usage: python bench/val_bench.py [--datasets norman19_subset papalexi2021] [--folds 0 1 2 3 4] [--seed 0]
                                 [--only SUBSTRING ...] [--baselines] [--out bench/results/val_bench.csv]

For each dataset and fold of its default split, one scBIG fit (PRESET, default cpu, plus each setting's overrides)
per setting, then the fold's val conditions predicted and scored (profile 'scbig'). Prints, per dataset
and setting, the mean over the val conditions of all folds, and over those of them with a gene never
perturbed in that fold's training (the part that residual dropout, for example, is meant to help).
Writes every val condition's row to the CSV. --baselines also scores the mean, additive and linear
baselines (as the benchmark runs them) on the same val conditions, the reference a setting is read against.
Every setting is scored at gain 1 (a gain='auto' fit picks its gain on these same val conditions).
"""
import argparse, time, warnings
import numpy as np, pandas as pd
from scbig.datasets import load
from scbig.data import PerturbData
from scbig.benchmark import default_splits
from scbig.model import SCBIG
from scbig.metrics import evaluate, observed
from scbig.baselines import baselines
from scbig.priors import gene_embeddings

SETTINGS = {  # name -> SCBIG overrides (the removed n_flows, ridge map and unseen='generic' ran here:
              # bench/results/val_bench_{nflows3,ridge,generic,generic01}_*)
    'cpu preset': dict(),
    'residual dropout 0.5': dict(flow=dict(cond_dropout=0.0, resid_dropout=0.5)),
    'cpu preset, target_effect': dict(target_effect=True),
    'autoencoder d_model 32 (cpu preset before)': dict(gcae=dict(d_model=32)),
    'autoencoder d_model 32, target_effect': dict(gcae=dict(d_model=32), target_effect=True),
    'linear anchor': dict(anchor='linear'),
    'random programs (no GRC)': dict(programs='random'),
}
ANCHOR_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)   # an anchored fit is also scored at each of these flow weights (1: the flow alone; 0: the linear model, with the target rule)

def pds_ref(pred, d, conds, ref) -> np.ndarray:
    "Each of `conds`' predicted mean change ranked by L1 distance among the real changes of `ref` (the fold's training and val conditions; its genes' columns left out): 1 - r/N, r the 0-based rank of the right one."
    ctrl = np.asarray(pred[pred.obs.condition == d.control].X).mean(0)
    real, out = d.delta(ref).values, []
    for c in conds:
        keep = ~d.genes.isin(d.condition(c).genes)
        dist = np.abs(real[:, keep] - (np.asarray(pred[pred.obs.condition == c].X).mean(0) - ctrl)[keep]).sum(1)
        out.append(1 - int(np.flatnonzero(np.argsort(dist) == ref.index(c))[0]) / len(ref))
    return np.array(out)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--datasets', nargs='+', default=['norman19_subset', 'papalexi2021'])
    ap.add_argument('--folds', type=int, nargs='+', default=[0, 1, 2, 3, 4]); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--preset', default='cpu')
    ap.add_argument('--only', nargs='*', default=None, help='run only the settings whose name contains one of these substrings')
    ap.add_argument('--baselines', action='store_true', help='also score the mean, additive and linear baselines on the val conditions')
    ap.add_argument('--out', default='bench/results/val_bench.csv')
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    todo = {k: v for k, v in SETTINGS.items() if a.only is None or any(o in k for o in a.only)}
    rows = []
    for name in a.datasets:
        d = PerturbData(load(name, verbose=False))
        emb = gene_embeddings(d.perturbed_genes).emb if a.baselines else None
        for fold, s in enumerate(default_splits(d)):
            if fold not in a.folds: continue
            ref = list(dict.fromkeys([c for c in s.train if c != d.control] + list(s.val)))   # pds_ref's reference: the fold's training and val conditions
            if a.baselines:
                seen = {g for c in s.train for g in d.condition(c).genes}
                for bname, b in baselines(emb).items():
                    if bname not in ('mean', 'additive', 'linear'): continue
                    bp = b.fit(d, s).predict(s.val)
                    t = evaluate(bp, observed(d, s.val), 'scbig').table
                    t['pds_ref'] = pds_ref(bp, d, list(t.index), ref)
                    t['unseen gene'] = [any(g not in seen for g in d.condition(c).genes) for c in t.index]
                    t['dataset'], t['setting'], t['fold'] = name, f'baseline: {bname}', fold; rows.append(t)
            for setting, over in todo.items():
                t0 = time.time(); m = SCBIG(a.preset, seed=a.seed, **over).fit(d, s)
                seen = set(m.train_genes)
                # the same fit also scored without a fitted target rule (it only acts at prediction)
                w0 = m.config.anchor_weight
                variants = [(setting, m.target_rule, w0)]
                if m.target_rule: variants.append((f'{setting} (rule off)', None, w0))
                if m.anchor_map is not None:
                    variants += [(f'{setting} (flow weight {w:g})', m.target_rule, w)
                                 for w in ANCHOR_WEIGHTS if w != w0]
                for label, rule, w in variants:
                    m.target_rule = rule
                    pred = m.predict(s.val, n_cells=300, seed=a.seed, anchor_weight=w, gain=1.0)   # gain 1: a gain='auto' model chose its gain on these very conditions
                    t = evaluate(pred, observed(d, s.val), 'scbig').table
                    t['pds_ref'] = pds_ref(pred, d, list(t.index), ref)
                    t['unseen gene'] = [any(g not in seen for g in d.condition(c).genes) for c in t.index]
                    t['dataset'], t['setting'], t['fold'] = name, label, fold; rows.append(t)
                    extra = f', target rule {rule}' if rule else ''
                    print(f'{name} fold {fold} {label}: fit {time.time() - t0:.0f} s, val r_all {t.r_all.mean():.3f}, pds {t.pds.mean():.3f}, pds_ref {t.pds_ref.mean():.3f}{extra}', flush=True)
                pd.concat(rows).to_csv(a.out)
    R = pd.concat(rows); R.to_csv(a.out)
    print(f'\nval conditions only, seed {a.seed}, folds {a.folds}: mean of profile scbig r_all, r_de and PDS (n = val conditions; PDS ranks each val condition among the val conditions of its fold; pds_ref among the real changes of all its training and val conditions)')
    for part, sub in [('all val conditions', R), ('val conditions with an unseen gene', R[R['unseen gene']])]:
        g = sub.groupby(['dataset', 'setting'], sort=False)
        print(f'\n{part}'); print(g[[k for k in ('r_all', 'r_de', 'pds', 'pds_ref') if k in sub]].mean().round(3).assign(n=g.size()).to_string())

if __name__ == '__main__': main()
