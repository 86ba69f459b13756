"""Predict single-cell responses to unseen genetic perturbations with gene programs and flow matching (scBIG).

Modules:

- `scbig.align`: Structure-aware alignment losses (program correlation and pathway optimal transport)
- `scbig.baselines`: Baselines to beat, from control and mean to PCA-ridge and latent additive (the model's API)
- `scbig.benchmark`: scBIG and every baseline on the same splits, next to the split-half ceiling (paired intervals)
- `scbig.cli`: `scbig datasets | fetch | train | predict | evaluate | benchmark` (the main jobs from a shell)
- `scbig.data`: `PerturbData`: a validated Perturb-seq dataset (its pseudobulks and its splits)
- `scbig.datasets`: Readers for PerturBench, GEARS, scPerturb, sceptre and any `.h5ad` file (`load`, a simulator)
- `scbig.de_metrics`: DE metrics that pass sanity controls (`de`) and DE-weighted errors (and the VCC's `vcc` profile)
- `scbig.explore`: Look at a prediction condition by condition (by gene program and for the top genes)
- `scbig.flow`: Flow matching in latent space from control to perturbed cells (conditioned on the targets' priors)
- `scbig.gcae`: `GCAE`: cells read program by program, with attention between programs (a 50-d latent)
- `scbig.gi`: Norman 2019's model of a pair on its singles and GEARS' interaction types (real and predicted pairs)
- `scbig.grc`: Balanced gene programs by entropic optimal transport (prior embeddings and the STRING graph)
- `scbig.metric_functions`: The measures the metric profiles are built from (the DE tests and `pair`)
- `scbig.metrics`: Named evaluation profiles (scbig, GEARS, cell-eval, Systema, ...) (`evaluate`, the ceiling)
- `scbig.prior_tables`: The gene priors as shipped (GO, STRING, DoRothEA, PROGENy) (how they are read and checked)
- `scbig.priors`: Gene embeddings from the priors (GO, STRING, a user's table) (the converters and a check)
- `scbig.registry`: The real Perturb-seq datasets scbig knows (where their files are found or downloaded)
- `scbig.report`: The benchmark's report: the headline figure and table (markdown and HTML with figures)
- `scbig.sampler`: `ConditionSampler`: condition-balanced minibatches for flow matching (seeded by step)
- `scbig.store`: A saved model is one unit, written whole under a lock (checked on load against its manifest)
- `scbig.synthetic`: SYNTHETIC data for scale tests only: a Norman-sized dataset (from the real subset's statistics)
- `scbig.train`: One training loop for both stages (devices, mixed precision, checkpoints that resume bit for bit)"""

__version__ = "0.0.1"

# PyPI's unrelated `scbig` 0.1.1 (bipartite-graph embedding) installs the same import package; installed over this
# one, its files (run_scbig.py, data/, model/, utils/) land in this folder and `scbig.data` would become theirs.
from pathlib import Path as _Path
if (_Path(__file__).parent/'run_scbig.py').exists():
    raise ImportError(f"{_Path(__file__).parent} also holds files of PyPI's unrelated 'scbig' package, which uses the "
                      "same import name. Fix: pip uninstall -y scbig scbig-perturb, then pip install scbig-perturb "
                      "(the two cannot share an environment)")
del _Path
