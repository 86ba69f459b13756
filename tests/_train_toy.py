"""A small training run on the real Norman subset, used by tests/test_train.py (single process or torchrun).

A stand-in flow (16 principal components, 2-layer velocity MLP, conditional flow-matching loss) until
scbig.flow lands. Batches and the flow times t are functions of the step only, sliced per rank, so one
process and N processes at the same global batch see the same data.
"""
import argparse, os, time
from pathlib import Path
import numpy as np
import torch
from torch import nn
import anndata as ad
from scbig.core import data_dir, set_seed
from scbig.data import PerturbData, ConditionSampler
from scbig.train import Learner, TrainConfig, Callback, dist_info

class Velocity(nn.Module):
    def __init__(self, d=16, h=64):
        super().__init__(); self.net = nn.Sequential(nn.Linear(d + 1, h), nn.SiLU(), nn.Linear(h, d))
    def forward(self, xt, t): return self.net(torch.cat([xt, t[:, None]], 1))

def cfm_loss(model, b):
    xt = (1 - b['t'][:, None]) * b['x0'] + b['t'][:, None] * b['x1']
    return ((model(xt, b['t']) - (b['x1'] - b['x0'])) ** 2).mean()

class Slow(Callback):
    "Sleep after each step so a test can interrupt mid-run (does not touch any number)."
    def __init__(self, s): self.s = s
    def after_step(self, learn): time.sleep(self.s)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True); ap.add_argument('--steps', type=int, default=40)
    ap.add_argument('--batch', type=int, default=64); ap.add_argument('--sleep', type=float, default=0.0)
    ap.add_argument('--resume', action='store_true')
    a = ap.parse_args()
    rank, world, _ = dist_info()
    torch.set_num_threads(1); set_seed(0)   # pca_lowrank draws random projections
    raw = ad.read_h5ad(data_dir()/'norman19_subset'/'devel.h5ad')
    data = PerturbData(raw[raw.obs['dataset'] == 'norman19'].copy())
    X = torch.tensor(data.X_rows(data.cells))
    mu = X.mean(0); _, _, V = torch.pca_lowrank(X - mu, q=16, center=False, niter=4)
    mu, V = mu.numpy(), V.numpy()
    sampler = ConditionSampler(data, data.split('kfold').train, batch_size=a.batch, seed=0, rank=rank, world_size=world)
    def get_batch(i):
        b = sampler.batch(i)
        t = np.random.default_rng([1, i]).random(a.batch).astype(np.float32)[rank::world]   # global t, this rank's slice
        return {'x0': ((b.x0 - mu) @ V).astype(np.float32), 'x1': ((b.x1 - mu) @ V).astype(np.float32), 't': t}
    set_seed(0); model = Velocity()
    cfg = TrainConfig(max_steps=a.steps, lr=3e-3, warmup_steps=5, ema=0.9, checkpoint_every=5, log_every=1, quiet=True, device='cpu')
    Learner(model, get_batch, cfm_loss, cfg, out_dir=a.out, cbs=[Slow(a.sleep)] if a.sleep else None).fit(resume=a.resume)
    # The engine closes the gloo group it opened at exit (scbig.train.init_distributed registers it): left open,
    # its threads can abort the process at teardown ("terminate called without an active exception", exit -6).

if __name__ == '__main__': main()
