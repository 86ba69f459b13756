"""Out of core: a SYNTHETIC dataset read with backed='r' fits and predicts exactly as in memory (tiny preset)."""
import warnings
import numpy as np
from scbig.synthetic import norman_sized
from scbig.datasets import load
from scbig.data import PerturbData
from scbig.model import SCBIG, preset
from scbig.benchmark import default_splits

def _fit_predict(data, split):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        cfg = preset('tiny', seed=0, quiet=True, ae_steps=20, flow_steps=20, val_every=10)
        m = SCBIG(cfg).fit(data, split)
    return m, m.predict(split.test, n_cells=50, seed=0)

def test_backed_fit_equals_in_memory(tmp_path):
    path = tmp_path/'synthetic.h5ad'
    norman_sized(n_cells=2000, n_genes=150, n_conditions=20, seed=0).write_h5ad(path)
    mem = PerturbData(load(path, verbose=False))
    bk = PerturbData(load(path, verbose=False, backed='r'))
    assert bk.adata.isbacked and not mem.adata.isbacked and bk.adata.uns['scbig_dataset']['backed']
    s_mem, s_bk = default_splits(mem)[0], default_splits(bk)[0]
    assert (s_mem.train, s_mem.val, s_mem.test) == (s_bk.train, s_bk.val, s_bk.test)
    (m1, p1), (m2, p2) = _fit_predict(mem, s_mem), _fit_predict(bk, s_bk)
    assert np.array_equal(m1.gcae.gene_mean.numpy(), m2.gcae.gene_mean.numpy())
    assert list(p1.obs.condition) == list(p2.obs.condition)
    np.testing.assert_array_equal(np.asarray(p1.X), np.asarray(p2.X))
