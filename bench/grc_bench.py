"""Benchmark Gene-Relation Clustering (GRC) wall time on real gene priors, for 5,000 and 20,000 genes.

Usage: python bench/grc_bench.py [--genes 5000 20000] [--clusters 32] [--synthetic]

Genes: a seeded random sample of the human genes that have a GO or STRING prior (from $SCBIG_DATA_DIR);
embeddings: scbig.priors.gene_embeddings (GO + STRING, d = 128); adjacency: STRING, score >= 700.
--synthetic uses SYNTHETIC clustered embeddings and a random sparse graph instead (no data needed).
Prints, per size, the time to build the inputs (not counted) and GRC's fit time: k-means (10 restarts)
and the T = 3 refinement steps (cost, Sinkhorn, rounding). Target (issue 4): 5,000 genes with K = 32 in
under 60 s on 2 CPU cores; the 20,000-gene time is reported.
"""
import argparse, os, sys, time, warnings
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scbig.grc import GRC

def real_inputs(n_genes:int, seed:int=0):
    "Embeddings (DataFrame) and STRING adjacency for `n_genes` random genes that have a prior."
    from scbig.priors import go_embedding, string_embedding, gene_embeddings, string_adjacency
    universe = sorted(set(go_embedding(64).index) | set(string_embedding(64).index))
    if n_genes > len(universe): sys.exit(f'only {len(universe)} genes have a prior; ask for fewer')
    genes = list(np.random.default_rng(seed).choice(universe, n_genes, replace=False))
    ge = gene_embeddings(genes)
    return ge.emb, string_adjacency(ge.emb.index)

def synthetic_inputs(n_genes:int, seed:int=0, d:int=128, k:int=64, degree:float=10.0):
    "SYNTHETIC: embeddings around k random centres and a random symmetric graph of mean degree `degree`."
    rng = np.random.default_rng(seed)
    E = rng.normal(size=(k, d))[rng.integers(0, k, n_genes)] + rng.normal(size=(n_genes, d))
    m = int(n_genes * degree / 2)
    i, j = rng.integers(0, n_genes, m), rng.integers(0, n_genes, m)
    A = sp.coo_matrix((np.ones(m), (i, j)), shape=(n_genes, n_genes)).tocsr()
    A = ((A + A.T) > 0).astype(float); A.setdiag(0); A.eliminate_zeros()
    return pd.DataFrame(E, index=[f'g{x}' for x in range(n_genes)]), A

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--genes', type=int, nargs='+', default=[5_000, 20_000])
    ap.add_argument('--clusters', type=int, default=32)
    ap.add_argument('--synthetic', action='store_true', help='SYNTHETIC inputs instead of the real priors')
    a = ap.parse_args()
    kind = 'SYNTHETIC inputs' if a.synthetic else f"real priors from {os.environ.get('SCBIG_DATA_DIR', '$SCBIG_DATA_DIR (unset!)')}"
    print(f'GRC benchmark: K = {a.clusters}, {kind}; {os.cpu_count()} CPUs; python {sys.version.split()[0]}', flush=True)
    for n in a.genes:
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')            # the sampled genes all have a prior; nothing to report
            E, A = synthetic_inputs(n) if a.synthetic else real_inputs(n)
        t_in = time.perf_counter() - t
        t = time.perf_counter()
        g = GRC(n_clusters=a.clusters, seed=42).fit(E, A)
        wall = time.perf_counter() - t
        sizes = np.bincount(g.labels_)
        h = g.history_
        print(f'{n:>6,} genes: GRC fit {wall:6.1f} s  (k-means {g.seconds_["kmeans"]:.1f} s, {len(h)} refinement steps {g.seconds_["refinement"]:.1f} s; '
              f'Sinkhorn iterations {h.iterations.tolist()}, solver {sorted(set(h.solver))}); sizes {sizes.min()}-{sizes.max()}; '
              f'{A.nnz // 2:,} edges; inputs built in {t_in:.1f} s (not counted)', flush=True)

if __name__ == '__main__': main()
