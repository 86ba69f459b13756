"""Benchmark the data layer on a SYNTHETIC dataset (random sparse values, no biology).

Usage: python bench/data_bench.py [--cells 100000] [--genes 5000] [--density 0.1] [--batches 1000] [--batch-size 256]

Builds a log-normalised CSR matrix (cells x genes, `density` non-zero), wraps it in PerturbData,
computes every pseudobulk, and draws `batches` condition-balanced minibatches (batch-size control +
batch-size perturbed cells each, densified). Then does the same reads from a backed='r' h5ad on disk.
Prints wall time per stage and peak memory (max RSS of this process). Target (issue 3): the in-memory
path for 100,000 x 5,000 at 10% under 60 s and 3 GB on 2 CPU cores.
"""
import argparse, os, resource, sys, tempfile, time
from pathlib import Path
import numpy as np
import pandas as pd
import scipy.sparse as sp
import anndata as ad
from scbig.data import PerturbData, ConditionSampler

def peak_gb(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2   # ru_maxrss is in KiB on Linux

def synthetic(n_cells, n_genes, density, n_perts, seed=0):
    "SYNTHETIC: random log-normalised sparse expression, `n_perts` singles + pairs + control."
    rng = np.random.default_rng(seed)
    nnz_per_row = int(n_genes * density)
    indptr = np.arange(n_cells + 1, dtype=np.int64) * nnz_per_row
    indices = np.empty(n_cells * nnz_per_row, dtype=np.int32)
    for s in range(0, n_cells, 2_000):   # sorted distinct columns per row, in small blocks (bounded memory)
        e = min(s + 2_000, n_cells)
        cols = np.argsort(rng.random((e - s, n_genes), dtype=np.float32), axis=1)[:, :nnz_per_row]
        indices[s * nnz_per_row:e * nnz_per_row] = np.sort(cols, axis=1).ravel()
    data = np.log1p(rng.gamma(1.0, 2.0, size=len(indices)).astype(np.float32))
    X = sp.csr_matrix((data, indices, indptr), shape=(n_cells, n_genes))
    genes = [f'G{i}' for i in range(n_genes)]
    singles = genes[:n_perts]
    pairs = [f'{a}+{b}' for a, b in zip(singles[::2], singles[1::2])]
    conds = np.array(['control'] + singles + pairs, dtype=object)
    obs = pd.DataFrame({'condition': pd.Categorical(conds[rng.integers(0, len(conds), n_cells)])}, index=[f'c{i}' for i in range(n_cells)])
    return ad.AnnData(X, obs=obs, var=pd.DataFrame(index=genes))

def stage(name, t0, extra=''):
    print(f'{name:<38} {time.perf_counter() - t0:7.2f} s   peak RSS {peak_gb():5.2f} GB {extra}', flush=True)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cells', type=int, default=100_000); ap.add_argument('--genes', type=int, default=5_000)
    ap.add_argument('--density', type=float, default=0.1); ap.add_argument('--batches', type=int, default=1000)
    ap.add_argument('--batch-size', type=int, default=256); ap.add_argument('--perts', type=int, default=200)
    ap.add_argument('--backed-batches', type=int, default=100)
    a = ap.parse_args()
    print(f'SYNTHETIC data: {a.cells:,} cells x {a.genes:,} genes, {a.density:.0%} non-zero; {os.cpu_count()} CPUs; python {sys.version.split()[0]}')
    t_all = t = time.perf_counter(); adata = synthetic(a.cells, a.genes, a.density, a.perts)
    stage('make synthetic AnnData (not counted)', t, f'nnz {adata.X.nnz:,}')
    t = t_total = time.perf_counter(); data = PerturbData(adata, min_cells=10); stage('PerturbData (validate + conditions)', t, f'{len(data.conditions)} conditions')
    t = time.perf_counter(); pb = data.pseudobulk(); stage('pseudobulk of every condition', t, f'{pb.shape}')
    split = data.split('kfold')
    s = ConditionSampler(data, split.train, batch_size=a.batch_size, seed=0)
    t = time.perf_counter()
    for k in range(a.batches): b = s.batch(k)
    cells = a.batches * 2 * a.batch_size
    stage(f'{a.batches} minibatches (in memory)', t, f'{cells / (time.perf_counter() - t):,.0f} cells/s')
    total = time.perf_counter() - t_total
    print(f'TOTAL in memory (build + pseudobulk + {a.batches} batches): {total:.1f} s ({time.perf_counter() - t_all:.1f} s with making the data), '
          f'peak RSS {peak_gb():.2f} GB (whole process, data included) '
          f'[target < 60 s, < 3 GB: {"met" if total < 60 and peak_gb() < 3 else "NOT met"}]')
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter(); adata.write_h5ad(Path(d)/'bench.h5ad'); stage('write h5ad (not counted)', t)
        del adata, data, s
        t = time.perf_counter(); backed = PerturbData(ad.read_h5ad(Path(d)/'bench.h5ad', backed='r'), min_cells=10); stage('PerturbData on backed h5ad', t)
        sb = ConditionSampler(backed, split.train, batch_size=a.batch_size, seed=0)
        t = time.perf_counter()
        for k in range(a.backed_batches): sb.batch(k)
        stage(f'{a.backed_batches} minibatches (backed h5ad)', t, f'{a.backed_batches * 2 * a.batch_size / (time.perf_counter() - t):,.0f} cells/s')
        t = time.perf_counter(); backed.pseudobulk(backed.conditions[:20]); stage('pseudobulk of 20 conditions (backed)', t)
        backed.adata.file.close()

if __name__ == '__main__': main()
