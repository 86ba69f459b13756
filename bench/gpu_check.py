"""One short GPU check: training speed and GPU memory of the GPU presets on a Norman-sized SYNTHETIC dataset.

Usage: python bench/gpu_check.py [--budget full|tiny] [--out bench/results/gpu_check.txt]

For the day a GPU is lent (about 5-8 minutes on one GPU at --budget full). The data: `scbig.synthetic.norman_sized`
(SYNTHETIC: 91,000 cells x 5,000 genes, 280 conditions, from the real Norman subset's control statistics and the real
priors), the first k-fold split. For each preset (colab-t4, and 'paper' when scbig.model.PRESETS has it; a line says
so when not), with AMP on (amp='auto': bf16 on compute capability 8.0+, scaled fp16 below) and off, `SCBIG.fit` runs
a fixed number of autoencoder and flow steps (the split's training conditions, no val conditions); per stage:
steps/s (the stage's steps over its wall time, the autoencoder's validations included) and peak GPU memory
(torch.cuda.max_memory_allocated, reset at each stage). The same steps run on the CPU (fewer of them: the rate is
what is compared) for the GPU/CPU ratio.

--budget tiny: a 2,400-cell x 200-gene SYNTHETIC set, 4 steps per stage, on the CPU when there is no GPU: seconds;
tests/test_gpu_check.py runs it.
"""
import argparse, functools, os, sys, tempfile, time, warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGETS = {'full': dict(cells=91_000, genes=5_000, conditions=280, gpu_steps=200, cpu_steps=5),
           'tiny': dict(cells=2_400, genes=200, conditions=24, gpu_steps=4, cpu_steps=4,   # checks the script only:
                        overrides=dict(batch_size=128, ae_batch=64, flow_train=dict(grad_accum=2)))}  # small batches
OVERRIDES = {}   # the budget's own changes to every preset (tiny: small batches; set by main)
HEADER = f"  {'preset':<10} {'device':<6} {'amp':<5} {'stage':<12} {'steps':>6} {'steps/s':>9} {'peak GPU GB':>12}"


def run(data, split, name, device, amp, steps):
    "One short fit: {stage: (steps, steps/s, peak GPU GB or nan)}."
    import torch
    import scbig.model as M, scbig.train as T
    from scbig.model import SCBIG, preset
    from scbig.priors import PriorWarning
    cuda = device == 'cuda'
    cfg = preset(name, **{**OVERRIDES, 'ae_steps': steps, 'flow_steps': steps, 'val_every': steps, 'device': device,
                          'quiet': True, 'seed': 0})
    out, marks, active = {}, [], []
    orig = {'fit_gcae': M.fit_gcae, 'Learner.fit': M.Learner.fit, 'TrainConfig': M.TrainConfig}
    def timed(f, label):
        @functools.wraps(f)
        def g(*a, **k):
            if active: return f(*a, **k)                                 # fit_gcae's own Learner.fit: not the flow
            if cuda: torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
            t0 = time.perf_counter(); active.append(label)
            try: return f(*a, **k)
            finally:
                active.pop()
                if cuda: torch.cuda.synchronize()
                mem = torch.cuda.max_memory_allocated() / 1e9 if cuda else float('nan')
                marks.append((label, time.perf_counter() - t0, mem))
        return g
    M.fit_gcae, M.Learner.fit = timed(M.fit_gcae, 'autoencoder'), timed(M.Learner.fit, 'flow')
    M.TrainConfig = functools.partial(T.TrainConfig, amp=amp)          # fit's stages run with this AMP setting
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', PriorWarning)
            SCBIG(cfg).fit(data, split.train)        # no val conditions: no flow validation nor gain search
    finally:
        M.fit_gcae, M.Learner.fit, M.TrainConfig = orig['fit_gcae'], orig['Learner.fit'], orig['TrainConfig']
    for label, secs, mem in marks: out[label] = (steps, steps / secs, mem)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--budget', choices=list(BUDGETS), default='full')
    ap.add_argument('--presets', nargs='+', default=['colab-t4', 'paper'])
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'gpu_check.txt'))
    a = ap.parse_args()
    import torch
    from scbig.model import PRESETS
    from scbig.synthetic import norman_sized
    from scbig.data import PerturbData
    from scbig.benchmark import default_splits
    b = BUDGETS[a.budget]
    OVERRIDES.update(b.get('overrides', {}))
    has_cuda = torch.cuda.is_available()
    if a.budget == 'full' and not has_cuda: sys.exit("gpu_check: no CUDA GPU here; --budget full is for a GPU "
                                                     "(run --budget tiny to check the script on the CPU)")
    gpu = torch.cuda.get_device_name(0) if has_cuda else 'none'
    lines = [f"bench/gpu_check.py --budget {a.budget}: SYNTHETIC norman_sized, {b['cells']:,} cells x {b['genes']:,} "
             f"genes, {b['conditions']} conditions (k-fold split 0); seed 0; GPU: {gpu}; {os.cpu_count()} CPUs; "
             f"torch {torch.__version__}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"]
    if OVERRIDES: lines.append(f"  every preset with {OVERRIDES} (this budget checks the script, it measures nothing)")
    say = lambda s: (lines.append(s), print(s, flush=True))
    print('\n'.join(lines), flush=True)
    t = time.perf_counter()
    adata = norman_sized(n_cells=b['cells'], n_genes=b['genes'], n_conditions=b['conditions'], seed=0)
    data = PerturbData(adata); split = default_splits(data)[0]
    say(f"  SYNTHETIC data made in {time.perf_counter() - t:.0f} s")
    presets = []
    for p in a.presets:
        if p in PRESETS: presets.append(p)
        else: say(f"  preset {p!r}: not in scbig.model.PRESETS ({', '.join(PRESETS)}): skipped")
    say(HEADER)
    rates = {}
    for p in presets:
        runs = ([('cuda', 'auto', b['gpu_steps']), ('cuda', 'off', b['gpu_steps'])] if has_cuda else []) + \
               [('cpu', 'off', b['cpu_steps'])]
        for dev, amp, steps in runs:
            t = time.perf_counter()
            for stage, (n, rate, mem) in run(data, split, p, dev, amp, steps).items():
                rates[(p, dev, amp, stage)] = rate
                amp_s = 'on' if amp == 'auto' else 'off'
                say(f"  {p:<10} {dev:<6} {amp_s:<5} {stage:<12} {n:6d} {rate:9.2f} {mem:12.2f}")
            print(f"    ({p}, {dev}, amp {amp}: {time.perf_counter() - t:.0f} s)", flush=True)
        for stage in ('autoencoder', 'flow'):
            cpu = rates.get((p, 'cpu', 'off', stage))
            for amp in ('auto', 'off'):
                g = rates.get((p, 'cuda', amp, stage))
                on = 'on' if amp == 'auto' else 'off'
                if g and cpu: say(f"  {p}: {stage} GPU (amp {on}) / CPU steps/s = {g / cpu:.1f}x")
    say("  steps/s = the stage's steps / its wall time (validations included); peak GPU GB = "
        "torch.cuda.max_memory_allocated in the stage (nan on the CPU)")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text('\n'.join(lines) + '\n')
    print(f"written {a.out}")


if __name__ == '__main__':
    main()
