"""scbig's `cell_eval` profile agrees with the real cell-eval package (0.8.x, CPU, offline) on the Norman subset.

Predictions of the additive and the mean baselines are expanded to cells the way cell-eval's own baseline
builder does (`scbig.metrics.expand`), and the same AnnData pair goes to cell-eval's `MetricsEvaluator` and
to `scbig.metrics.evaluate(..., profile='cell_eval')` (`scbig.metrics.cross_check`). Every cross-checked
metric must agree to 1e-6 on every condition. The one deliberate difference: where the predicted delta is
zero up to rounding, scbig's `pearson_delta` and `discrimination_score_cosine` are NaN (undefined), while
cell-eval correlates rounding noise; the tests check that these are the only disagreements.
"""
import os, sys
import numpy as np
import pytest

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason='cell-eval needs Python >= 3.11')
TOL = 1e-6
UNDEFINED_AT_ZERO = {'pearson_delta', 'discrimination_score_cosine'}

@pytest.fixture(scope='module')
def norman():
    from scbig.data import PerturbData
    from scbig.datasets import load
    if not os.environ.get('SCBIG_DATA_DIR'): pytest.fail('SCBIG_DATA_DIR is not set (make test sets it to ../shared/data)')
    return PerturbData(load('norman19_subset', download=False, verbose=False))

def _pred_real(data, model, train, test):
    "Predicted cells (clipped at 0: cell-eval refuses negative log-expression, which the additive sum can reach) and real cells."
    from scbig.metrics import observed, expand
    real = observed(data, test)
    pred = model.fit(data, train).predict(test)
    pred.X = np.maximum(pred.X, 0)
    return expand(pred, real), real, pred

def _zero_delta(pred):
    "Conditions whose predicted pseudobulk equals the predicted control (delta zero up to rounding)."
    c = pred.obs['condition'].astype(str).values
    ctrl = pred.X[c == 'control'][0]
    return {x for x, row in zip(c, pred.X) if x != 'control' and np.abs(row - ctrl).max() < 1e-12}

def _check(res, zero):
    from scbig.metrics import CROSS_CHECKED
    assert list(res.index.get_level_values(0).unique()) == CROSS_CHECKED
    bad = res[~((res['abs_diff'] <= TOL) | (res['scbig'].isna() & res['cell_eval'].isna()))]
    expected = {(m, c) for m in UNDEFINED_AT_ZERO for c in zero}
    assert set(bad.index) <= expected, bad[~bad.index.isin(expected)]
    assert bad['scbig'].isna().all(), bad                            # where they differ, scbig says 'undefined'
    summary = res.drop(index=list(expected), errors='ignore').groupby(level=0)['abs_diff'].max()
    print('\n' + summary.to_string()); return summary

@pytest.mark.parametrize('name', ['additive', 'mean'])
def test_cell_eval_agrees(norman, name):
    "All 15 pairs predicted from the 18 singles: scbig and cell-eval agree to 1e-6 on every cross-checked metric."
    from scbig.baselines import AdditiveBaseline, MeanBaseline
    from scbig.metrics import cross_check
    singles = [c for c in norman.perturbations if norman.kind(c) == 'single']
    pairs = [c for c in norman.perturbations if norman.kind(c) == 'pair']
    model = AdditiveBaseline(unseen='zero') if name == 'additive' else MeanBaseline()
    cells, real, pred = _pred_real(norman, model, singles, pairs)
    zero = _zero_delta(pred)
    assert len(zero) == (7 if name == 'additive' else 0)             # the 7 pairs with no measured single predict 'no change'
    res = cross_check(cells, real)
    assert res.index.get_level_values(1).nunique() == len(pairs)
    s = _check(res, zero)
    assert s.max() <= TOL

def test_cell_eval_agrees_on_a_kfold_split(norman):
    "A k-fold test set with singles (a target can be a measured gene) and pairs; both baselines."
    from scbig.baselines import AdditiveBaseline, MeanBaseline
    from scbig.metrics import cross_check
    s = norman.split('kfold', fold=1)
    for model in (MeanBaseline(), AdditiveBaseline(unseen='mean')):
        cells, real, pred = _pred_real(norman, model, s, s.test)
        _check(cross_check(cells, real), _zero_delta(pred))

def test_cross_check_can_fail(norman):
    "The comparison is not vacuous: scbig's numbers move when the prediction moves, and cell-eval's move with them."
    from scbig.baselines import MeanBaseline
    from scbig.metrics import cross_check
    s = norman.split('kfold', fold=0)
    cells, real, _ = _pred_real(norman, MeanBaseline(), s, s.test)
    a = cross_check(cells, real)
    shifted = cells.copy(); shifted.X = shifted.X + (shifted.obs['condition'] != 'control').values[:, None] * 0.05
    b = cross_check(shifted, real)
    assert (b.loc['mse', 'abs_diff'] <= TOL).all()                                  # still in agreement...
    assert (abs(b.loc['mse', 'scbig'] - a.loc['mse', 'scbig']) > 1e-4).all()        # ...about different numbers

def test_vcc_score_agrees(norman):
    """The `vcc` profile's normalised score is cell-eval's: `MetricsEvaluator(...).compute(profile='vcc')` on the
    prediction and on the baseline of `build_base_mean_adata(real)`, then `score_agg_metrics`."""
    import tempfile
    from cell_eval import MetricsEvaluator, score_agg_metrics
    from cell_eval._baseline import build_base_mean_adata
    from scbig.baselines import AdditiveBaseline
    from scbig.metrics import evaluate
    singles = [c for c in norman.perturbations if norman.kind(c) == 'single']
    pairs = [c for c in norman.perturbations if norman.kind(c) == 'pair']
    cells, real, _ = _pred_real(norman, AdditiveBaseline(unseen='zero'), singles, pairs)
    ours = evaluate(cells, real, 'vcc').scalars
    kw = dict(control_pert='control', pert_col='condition', num_threads=1)
    with tempfile.TemporaryDirectory() as d:
        def agg(pred, out):
            ev = MetricsEvaluator(adata_pred=pred, adata_real=real.copy(), outdir=f'{d}/{out}', **kw)
            return ev.compute(profile='vcc', write_csv=False)[1]
        base = build_base_mean_adata(real.copy(), pert_col='condition', control_pert='control')
        agg_user, agg_base = agg(cells.copy(), 'u'), agg(base, 'b')
        sc = score_agg_metrics(agg_user, agg_base)
    theirs = dict(zip(sc['metric'].to_list(), sc['from_baseline'].to_list()))
    names = {'overlap_at_N': 'des_from_baseline', 'discrimination_score_l1': 'pds_from_baseline',
             'mae': 'mae_from_baseline', 'avg_score': 'vcc_score'}
    diffs = {k: abs(theirs[k] - ours[v]) for k, v in names.items()}
    assert max(diffs.values()) < TOL, diffs                          # cell-eval's MAE is float32: agrees to ~3e-8
    assert ours['pds_from_baseline'] > 0 and ours['mae_from_baseline'] > 0      # not trivially 0
