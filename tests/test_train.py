"""The training engine under real conditions: a SIGTERM to a training process and a resume give the
uninterrupted result bit for bit; torchrun with 2 CPU processes (gloo) follows the single-process loss."""
import os, shutil, signal, subprocess, sys, time
from pathlib import Path
import pandas as pd
import pytest
import torch
from scbig.train import load_checkpoint
from conftest import ROOT

SCRIPT = ROOT/'tests'/'_train_toy.py'
BIN = Path(sys.executable).parent

def _run(*args, **kw):
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}; env.pop('IN_TEST', None)
    return subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, **kw)

def _weights(out): return load_checkpoint(Path(out)/'checkpoint.pt')['model']

def test_resume_after_sigterm(tmp_path):
    full, cut = tmp_path/'full', tmp_path/'cut'
    r = _run('--out', str(full), '--steps', '40'); assert r.returncode == 0, r.stderr
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}; env.pop('IN_TEST', None)
    p = subprocess.Popen([sys.executable, str(SCRIPT), '--out', str(cut), '--steps', '40', '--sleep', '0.15'],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log, t0 = cut/'log.csv', time.time()
    while time.time() - t0 < 120:                     # wait until a dozen steps are logged, then SIGTERM it
        if log.exists() and len(log.read_text().splitlines()) > 12: break
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    stopped = load_checkpoint(cut/'checkpoint.pt')['step']
    assert 10 <= stopped < 40, (stopped, out)       # it really stopped part-way
    assert 'stopped by signal' in out
    r = _run('--out', str(cut), '--steps', '40', '--resume'); assert r.returncode == 0, r.stderr
    assert f'resumed from' in r.stdout
    a, b = _weights(full), _weights(cut)
    for k in a: assert torch.equal(a[k], b[k]), k      # bitwise on CPU
    la, lb = pd.read_csv(full/'log.csv'), pd.read_csv(cut/'log.csv')
    assert la.step.tolist() == lb.step.tolist() == list(range(1, 41))
    assert la.loss.tolist() == lb.loss.tolist()

def test_torchrun_two_processes_matches_one(tmp_path):
    one, two = tmp_path/'one', tmp_path/'two'
    r = _run('--out', str(one), '--steps', '12'); assert r.returncode == 0, r.stderr
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}; env.pop('IN_TEST', None)
    for attempt in range(3):   # gloo can abort a process at teardown ("terminate called without an active exception"): that alone is retried
        shutil.rmtree(two, ignore_errors=True)
        r = subprocess.run([str(BIN/'torchrun'), '--nproc_per_node', '2', '--master_port', '0', '--rdzv-backend', 'c10d', '--rdzv-endpoint', 'localhost:0',
                            str(SCRIPT), '--out', str(two), '--steps', '12'], env=env, capture_output=True, text=True, timeout=300)
        if r.returncode == 0 or 'terminate called without an active exception' not in r.stderr: break
    assert r.returncode == 0, r.stderr[-3000:]
    l1, l2 = pd.read_csv(one/'log.csv'), pd.read_csv(two/'log.csv')
    assert l1.step.tolist() == l2.step.tolist() == list(range(1, 13))
    # same global batch of 64 (32 per rank); DDP averages the gradients: equal up to float32 summation order
    assert (l1.loss - l2.loss).abs().max() < 1e-5, pd.DataFrame({'one': l1.loss, 'two': l2.loss})
    a, b = _weights(one), _weights(two)                 # rank 0's checkpoint loads in a single process
    for k in a: torch.testing.assert_close(a[k], b[k], rtol=1e-4, atol=1e-5)

# In-process checks of the precision policy and the progress bar (tiny model, synthetic batches).
from torch import nn
from scbig.core import set_seed
from scbig.train import Learner, TrainConfig, Callback, lr_at

def _batch(i):
    g = torch.Generator().manual_seed(i)
    x = torch.randn(32, 4, generator=g)
    return {'x': x, 'y': x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1 * torch.randn(32, 1, generator=g)}

def _mse(model, b): return ((model(b['x']) - b['y']) ** 2).mean()
def _model(): set_seed(0); return nn.Sequential(nn.Linear(4, 16), nn.SiLU(), nn.Linear(16, 1))

def test_cpu_learner_is_the_plain_loop():
    "On CPU amp='auto' adds nothing (no autocast, no scaler): the weights are a hand-written AdamW loop's, bit for bit."
    cfg = TrainConfig(max_steps=25, lr=1e-2, warmup_steps=5, clip_grad=1.0, device='cpu', quiet=True)
    learn = Learner(_model(), _batch, _mse, cfg).fit()
    assert learn.amp_dtype is None and learn.scaler is None
    m = _model(); set_seed(cfg.seed)
    opt = torch.optim.AdamW(m.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_at(s, cfg) / cfg.lr)
    for step in range(cfg.max_steps):
        m.train(); opt.zero_grad(set_to_none=True)
        _mse(m, _batch(step)).backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), cfg.clip_grad)
        opt.step(); sched.step()
    for k, v in m.state_dict().items(): assert torch.equal(v, learn.model.state_dict()[k]), k

class _StopAt(Callback):
    def __init__(self, k): self.k = k
    def after_step(self, learn):
        if learn.step == self.k: learn.stop_requested = True

def test_fp16_scaler_resumes_bit_exact(tmp_path):
    "amp='fp16' (forced, on CPU) scales the loss by a GradScaler whose state is checkpointed: stop + resume = one run."
    cfg = TrainConfig(max_steps=30, lr=1e-2, warmup_steps=3, amp='fp16', device='cpu', checkpoint_every=1000,
                      quiet=True)
    full = Learner(_model(), _batch, _mse, cfg, out_dir=tmp_path/'full').fit()
    assert full.amp_dtype == torch.float16 and full.scaler is not None
    part = Learner(_model(), _batch, _mse, cfg, out_dir=tmp_path/'cut', cbs=[_StopAt(12)]).fit()
    saved = load_checkpoint(tmp_path/'cut'/'checkpoint.pt')['scaler']
    assert part.interrupted and saved['_growth_tracker'] > 0 and saved['scale'] < 2.0**16   # not a fresh scaler's
    other = nn.Sequential(nn.Linear(4, 16), nn.SiLU(), nn.Linear(16, 1))         # weights come from the checkpoint
    rest = Learner(other, _batch, _mse, cfg, out_dir=tmp_path/'cut').fit(resume=True)
    assert rest.scaler.state_dict() == full.scaler.state_dict()
    for k, v in full.model.state_dict().items(): assert torch.equal(v, rest.model.state_dict()[k]), k
    assert full.history[-1]['loss'] < 0.7 * full.history[0]['loss']         # it trains under fp16

def test_progress_bar_names_stage_loss_and_eta(capsys, monkeypatch):
    monkeypatch.setenv('SCBIG_PROGRESS', '1')
    cfg = TrainConfig(max_steps=20, val_every=10, device='cpu')
    Learner(_model(), _batch, _mse, cfg, val_fn=lambda m: 0.5, desc='flow').fit()
    err = capsys.readouterr().err
    assert 'flow: ' in err and 'loss=' in err and 'val=0.5' in err and '20/20' in err, err[-500:]
    assert '<' in err.splitlines()[-1] or '<' in err                     # tqdm's elapsed<remaining (the ETA)
    monkeypatch.delenv('SCBIG_PROGRESS')
    Learner(_model(), _batch, _mse, TrainConfig(max_steps=5, device='cpu'), desc='flow').fit()
    assert capsys.readouterr().err == ''                                   # not a terminal: no bar
