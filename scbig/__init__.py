"""Predict single-cell responses to unseen genetic perturbations with gene programs, a program-token transformer and conditional flow matching (scBIG).

Modules:

- `scbig.de_metrics`: DE conventions that pass sanity controls on real data (the `de` profile), the DE-weighted WMSE and weighted delta R² (Mejia, Miller et al. 2025), and the Virtual Cell Challenge's `vcc` profile with its normalised score
- `scbig.gi`: Norman 2019's model of a pair on its singles (δab = c_a δa + c_b δb + error, fit by Theil-Sen), GEARS' interaction types, and the same quantities for predicted pairs
- `scbig.synthetic`: SYNTHETIC data for scale tests only: a 91k-cell x 5k-gene Perturb-seq dataset made from the real Norman subset's statistics and the real priors, never a stand-in for measured results"""

__version__ = "0.0.1"

# PyPI's unrelated `scbig` 0.1.1 (bipartite-graph embedding) installs the same import package; installed over this
# one, its files (run_scbig.py, data/, model/, utils/) land in this folder and `scbig.data` would become theirs.
from pathlib import Path as _Path
if (_Path(__file__).parent/'run_scbig.py').exists():
    raise ImportError(f"{_Path(__file__).parent} also holds files of PyPI's unrelated 'scbig' package, which uses the "
                      "same import name. Fix: pip uninstall -y scbig scbig-perturb, then pip install scbig-perturb "
                      "(the two cannot share an environment)")
del _Path
