"""bench/cv_select.py's selection (SYNTHETIC scores): the inner parts, the pooling of the parts' scores, the step."""
import sys
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT/'bench'))
cv = pytest.importorskip('cv_select')

def test_inner_parts_cover_the_pool_once_and_depend_on_the_fold_only():
    pool = [f'g{i:02d}' for i in range(26)]
    parts = cv.inner_parts(pool, fold=0, split_seed=0, k=3)
    assert sorted(c for p in parts for c in p) == pool                 # every condition in exactly one part
    assert [len(p) for p in parts] == [9, 9, 8]
    assert parts == cv.inner_parts(pool, 0, 0, 3)                      # the same parts for every model seed
    assert parts != cv.inner_parts(pool, 1, 0, 3)                      # another fold cuts another way

def test_pooled_weights_each_part_by_its_conditions():
    a = [{'gain': 1.0, 'l1_rank': 0.9, 'mse': 1.0}, {'gain': 2.0, 'l1_rank': 0.5, 'mse': 3.0}]
    b = [{'gain': 2.0, 'l1_rank': 0.8, 'mse': 0.0}, {'gain': 1.0, 'l1_rank': 0.6, 'mse': 2.0}]   # another order
    p = {s['gain']: s for s in cv.pooled([(3, a), (1, b)])}
    assert p[1.0]['l1_rank'] == pytest.approx((3 * 0.9 + 0.6) / 4) and p[1.0]['mse'] == pytest.approx(5 / 4)
    assert p[2.0]['l1_rank'] == pytest.approx((3 * 0.5 + 0.8) / 4) and p[2.0]['mse'] == pytest.approx(9 / 4)

def test_choose_step_takes_the_best_pooled_value():
    big = (10, {200: 0.1, 400: 0.5, 800: 0.3})                # 10 conditions prefer step 400
    small = (1, {200: 0.9, 400: 0.0, 800: 0.9})               # 1 condition prefers 200 or 800
    step, mean = cv.choose_step([big, small])
    assert step == 400 and mean[400] == pytest.approx(5 / 11)
    step, _ = cv.choose_step([(1, {200: 0.5, 400: 0.5})])      # a tie: the earlier step
    assert step == 200
