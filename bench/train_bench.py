"""Training throughput of both stages (autoencoder, flow) and the cost of an alignment step, on 2 CPU cores.

Usage: python bench/train_bench.py [--preset cpu] [--steps 30] [--what norman synthetic endtoend]

norman:    the Norman subset (3,375 cells x 500 genes), scBIG's `cpu` preset sizes, GRC programs.
synthetic: a SYNTHETIC 91,000 x 5,000 sparse dataset (10% non-zero, random values: the size of full
           Norman), random balanced programs and random prior vectors (no biology; only speed is measured).
endtoend:  SCBIG(preset).fit on the Norman subset, k-fold split fold 0: the wall time of each stage.
Each size runs in its own subprocess so that its peak memory (max RSS) is its own. Prints cells/s of
the autoencoder step (batch ae_batch) and of the flow step (batch batch_size), the time of one alignment
step relative to one flow step, and peak memory. Target (issue 7): the cpu preset trains the Norman
subset end to end in under 5 minutes.
"""
import argparse, json, resource, subprocess, sys, time, warnings
import numpy as np, pandas as pd, scipy.sparse as sp, torch

def peak_gb(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2

def measure(what:str, preset_name:str, steps:int) -> dict:
    from scbig.model import preset, ComposedField, odeint, _decode
    from scbig.gcae import GCAE, recon_loss
    from scbig.flow import VelocityField, ConditionEncoder, cfm_loss
    from scbig.align import alignment_loss
    from dataclasses import replace
    torch.manual_seed(0); rng = np.random.default_rng(0)
    c = preset(preset_name)
    if what == 'norman':
        from scbig.datasets import load
        from scbig.data import PerturbData
        from scbig.priors import gene_embeddings, string_adjacency
        from scbig.grc import GRC
        warnings.simplefilter('ignore')
        data = PerturbData(load('norman19_subset', verbose=False))
        X = sp.csr_matrix(data.adata.X, dtype=np.float32); genes = list(data.genes)
        ge = gene_embeddings(genes); labels = GRC(c.n_programs, seed=42, missing='place').fit(ge.emb, string_adjacency(genes), genes=genes).labels_
        emb, pemb = ge.emb, gene_embeddings(data.perturbed_genes).emb
    else:   # SYNTHETIC
        n, G, k = 91_000, 5_000, 500
        indptr = np.arange(n + 1, dtype=np.int64) * k
        X = sp.csr_matrix((np.log1p(rng.gamma(1.0, 2.0, n * k)).astype(np.float32), rng.integers(0, G, n * k).astype(np.int32), indptr), shape=(n, G))
        X.sum_duplicates(); genes = [f'G{i}' for i in range(G)]
        labels = rng.permutation(np.arange(G) % c.n_programs)
        emb = pd.DataFrame(rng.normal(size=(G, 128)).astype(np.float32), index=genes); pemb = emb.iloc[:100]
    dense = lambda rows: torch.from_numpy(X[rows].toarray())
    gcae = GCAE(labels, emb, genes, cfg=c.gcae); gcae.set_mean(X[:5000].toarray())
    opt = torch.optim.AdamW(gcae.parameters(), 1e-3)
    def ae_step():
        loss = recon_loss(gcae, {'x': dense(rng.integers(0, X.shape[0], c.ae_batch))}); opt.zero_grad(); loss.backward(); opt.step()
    fcfg = replace(c.flow, latent_dim=c.gcae.latent)
    field = ComposedField(VelocityField(fcfg, ConditionEncoder(pemb, fcfg, train_genes=list(pemb.index))), c.compose)
    fopt = torch.optim.AdamW(field.parameters(), 1e-3)
    targets = list(pemb.index[:20])
    def flow_step():
        per = c.batch_size // c.n_conditions
        cond = [g for g in rng.choice(targets, c.n_conditions, replace=False) for _ in range(per)]
        z0, z1 = torch.randn(len(cond), c.gcae.latent), torch.randn(len(cond), c.gcae.latent) + 1
        loss = cfm_loss(field, z0, z1, cond, fcfg.sigma, fcfg.coupling, fcfg.ot_reg); fopt.zero_grad(); loss.backward(); fopt.step()
    W = torch.full((len(genes), 10), 0.0); W[rng.integers(0, len(genes), 500), rng.integers(0, 10, 500)] = 0.02
    for p in gcae.parameters(): p.requires_grad_(False)
    gcae.eval()
    def align_step():
        a, loss = c.align, 0.0
        for g in rng.choice(targets, a.n_conditions, replace=False):
            x0 = dense(rng.integers(0, X.shape[0], a.max_cells)); real = dense(rng.integers(0, X.shape[0], a.max_cells))
            with torch.no_grad(): z0 = gcae.encode(x0)
            z1 = odeint(field, z0, [g] * len(z0), max(2, fcfg.n_steps // 2), 'midpoint')
            loss = loss + alignment_loss(_decode(gcae, z1, z0, x0, c.decode), real, labels, W, a, K=c.n_programs)
        fopt.zero_grad(); loss.backward(); fopt.step()
    out = {'data': what, 'cells': X.shape[0], 'genes': X.shape[1], 'preset': preset_name}
    for name, fn, n_items in (('autoencoder', ae_step, c.ae_batch), ('flow', flow_step, c.batch_size), ('alignment', align_step, None)):
        gcae.train(name == 'autoencoder')
        if name == 'autoencoder':
            for p in gcae.parameters(): p.requires_grad_(True)
        fn()                                             # warm-up
        t0 = time.perf_counter()
        for _ in range(steps if name != 'alignment' else max(3, steps // 10)): fn()
        dt = (time.perf_counter() - t0) / (steps if name != 'alignment' else max(3, steps // 10))
        out[f'{name} s/step'] = dt
        if n_items: out[f'{name} cells/s'] = n_items / dt
        if name == 'autoencoder':
            for p in gcae.parameters(): p.requires_grad_(False)
            gcae.eval()
    out['alignment step / flow step'] = out['alignment s/step'] / out['flow s/step']
    out['alignment share at its frequency'] = out['alignment s/step'] / (c.align.every * out['flow s/step'])
    out['peak memory GB'] = peak_gb()
    return out

def endtoend(preset_name:str) -> dict:
    from scbig.datasets import load
    from scbig.data import PerturbData
    from scbig.model import SCBIG
    warnings.simplefilter('ignore')
    data = PerturbData(load('norman19_subset', verbose=False))
    t0 = time.perf_counter(); m = SCBIG(preset_name).fit(data, data.split('kfold', fold=0))
    return {'data': 'norman19_subset end to end', 'preset': preset_name, **{f'{k} s': v for k, v in m.timings.items()}, 'wall s': time.perf_counter() - t0, 'peak memory GB': peak_gb()}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--preset', default='cpu'); ap.add_argument('--steps', type=int, default=30)
    ap.add_argument('--what', nargs='+', default=['norman', 'synthetic', 'endtoend']); ap.add_argument('--child', default=None)
    a = ap.parse_args()
    torch.set_num_threads(2)
    if a.child:
        print(json.dumps(endtoend(a.preset) if a.child == 'endtoend' else measure(a.child, a.preset, a.steps))); return
    for w in a.what:
        r = subprocess.run([sys.executable, __file__, '--child', w, '--preset', a.preset, '--steps', str(a.steps)], capture_output=True, text=True)
        if r.returncode: print(r.stderr[-2000:]); sys.exit(r.returncode)
        res = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"\n== {res.pop('data')} ==")
        for k, v in res.items(): print(f"  {k:36s} {v:,.4g}" if isinstance(v, float) else f"  {k:36s} {v}")
        sys.stdout.flush()

if __name__ == '__main__': main()
