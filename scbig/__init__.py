"""Predict single-cell responses to unseen genetic perturbations with gene programs, a program-token transformer and conditional flow matching (scBIG).

Modules:

- `scbig.align`: Structure-aware alignment losses: program correlation and pathway optimal transport (method page, 'Alignment losses')
- `scbig.baselines`: Control, mean, non-control mean, matching mean, additive, partial additive, linear, PCA-ridge, latent additive and nearest-neighbour baselines, with the same `fit` / `predict` life-cycle as the model, and the gain and target rule scBIG gets (`calibrate`)
- `scbig.benchmark`: Train scBIG and every baseline on the same splits, score them under named metric profiles next to the split-half ceiling, and say how sure each margin is (the report, its tables and figures are on the report page)
- `scbig.cli`: `scbig datasets | fetch | train | predict | evaluate | benchmark`: the main jobs from a shell, with one clear line for every user error
- `scbig.data`: `PerturbData`: a validated Perturb-seq dataset, its pseudobulks and its splits (the minibatches drawn from it are on the sampler page)
- `scbig.datasets`: Readers for PerturBench, GEARS, scPerturb, sceptre and any `.h5ad` file, `load` by registry name or path, a summary of the data at hand, and a simulator with planted gene programs
- `scbig.de_metrics`: DE conventions that pass sanity controls on real data (the `de` profile), the DE-weighted WMSE and weighted delta R² (Mejia, Miller et al. 2025), and the Virtual Cell Challenge's `vcc` profile with its normalised score
- `scbig.explore`: Look at a prediction condition by condition: predicted against real changes by gene program and for the top genes, as a static seaborn view or an interactive ipywidgets explorer
- `scbig.flow`: Learn a velocity field that moves control cells to perturbed cells in latent space, conditioned on the targets' prior gene embeddings
- `scbig.gcae`: `GCAE`: cells read program by program (one token per GRC program), induced attention between programs and learnable modules, a 50-d latent and a symmetric decoder, pretrained on reconstruction (method page, 'Program tokens and the autoencoder')
- `scbig.gi`: Norman 2019's model of a pair on its singles (δab = c_a δa + c_b δb + error, fit by Theil-Sen), GEARS' interaction types, and the same quantities for predicted pairs
- `scbig.grc`: Cluster genes into K balanced programs with entropic optimal transport over prior embeddings, the STRING graph and (optionally) training deltas (method page, 'Gene-Relation Clustering')
- `scbig.metric_functions`: The measures every metric profile is built from (errors, correlations, energy distance, rank scores), the DE tests and DE-gene rules, and `pair`: a prediction checked against the observed cells, as every metric reads it
- `scbig.metrics`: Named evaluation conventions (scbig, GEARS, cell-eval, Systema, PerturBench), `evaluate`, a split-half ceiling, tables and plots, cross-checked against cell-eval (the metric functions and DE tests are on their own page)
- `scbig.prior_tables`: The gene priors as shipped (GO, NCBI gene names, STRING, DoRothEA, PROGENy, gene sets): where they live, how they are read and checked, gene names resolved to official symbols, the GO DAG and the STRING graph
- `scbig.priors`: Gene embeddings from the priors (a GO block, a STRING block, a user's table), the converters that build the prior tables from the official GO and STRING files, and a check of the embeddings on held-out biology
- `scbig.registry`: The real Perturb-seq datasets scbig knows (source, checksum, license, citation) and where their files are found: the data folder, the cache, or a download checked against its sha256
- `scbig.report`: The benchmark's report: one reserved colour for scBIG, the headline figure and the standing table, the report written as markdown and HTML with its tables and figures, and the results table the README shows
- `scbig.sampler`: `ConditionSampler`: condition-balanced minibatches of (control, perturbed) cells for flow matching, reproducible from (seed, step) and shared between distributed ranks
- `scbig.store`: A saved model is one unit: written into a temporary folder and renamed into place under a lock, and checked on load against its manifest
- `scbig.synthetic`: SYNTHETIC data for scale tests only: a 91k-cell x 5k-gene Perturb-seq dataset made from the real Norman subset's statistics and the real priors, never a stand-in for measured results
- `scbig.train`: One small training loop for both stages: devices, mixed precision, checkpoints that resume bit for bit, progress, logs and distributed data parallel"""

__version__ = "0.0.1"

# PyPI's unrelated `scbig` 0.1.1 (bipartite-graph embedding) installs the same import package; installed over this
# one, its files (run_scbig.py, data/, model/, utils/) land in this folder and `scbig.data` would become theirs.
from pathlib import Path as _Path
if (_Path(__file__).parent/'run_scbig.py').exists():
    raise ImportError(f"{_Path(__file__).parent} also holds files of PyPI's unrelated 'scbig' package, which uses the "
                      "same import name. Fix: pip uninstall -y scbig scbig-perturb, then pip install scbig-perturb "
                      "(the two cannot share an environment)")
del _Path
