"""The `scbig` command end to end on the real shared data (tiny preset): train, predict, evaluate and
benchmark, every output file and report section, and the one-line errors for bad input."""
import json, os, shutil, subprocess, sys
from pathlib import Path
import anndata as ad
import pandas as pd
import pytest
from conftest import ROOT, built_once

SCBIG = shutil.which('scbig', path=str(Path(sys.executable).parent)) or 'scbig'
needs_data = pytest.mark.skipif(not os.environ.get('SCBIG_DATA_DIR'), reason='needs $SCBIG_DATA_DIR (../shared/data)')

def scbig(*args, cwd=None):
    return subprocess.run([SCBIG, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=900)

def test_help(capsys):
    r = scbig()                                   # the installed console command, once
    assert r.returncode == 0 and all(k in r.stdout for k in ('datasets', 'fetch', 'train', 'predict', 'evaluate', 'benchmark'))
    from scbig.cli import main                    # each command's help in-process (a subprocess costs ~7 s of imports)
    for cmd in ('datasets', 'fetch', 'train', 'predict', 'evaluate', 'benchmark'):
        with pytest.raises(SystemExit) as e: main([cmd, '--help'])
        out = capsys.readouterr().out
        assert e.value.code == 0 and out.startswith(f'usage: scbig {cmd}'), (cmd, out)

@needs_data
def test_datasets_lists_local_files():
    r = scbig('datasets')
    assert r.returncode == 0
    line = next(l for l in r.stdout.splitlines() if l.startswith('norman19_subset'))
    assert 'local' in line

@pytest.fixture(scope='session')
def trained(tmp_path_factory):
    "A folder with a model trained once by `scbig train` (tiny preset), for the tests that predict with it."
    def build(d):
        r = scbig('train', '--data', 'norman19_subset', '--preset', 'tiny', '--out', d/'model')
        assert r.returncode == 0, r.stderr
    return built_once(tmp_path_factory, 'cli', build)

@needs_data
def test_train_predict_evaluate(trained):
    d = trained
    assert sorted(p.name for p in (d/'model').iterdir()) == ['checkpoints', 'config.json', 'manifest.json', 'split.json', 'tensors.npz']
    meta = json.loads((d/'model'/'config.json').read_text())
    split = json.loads((d/'model'/'split.json').read_text())
    assert meta['format'] == 'scbig.model/1' and meta['config']['n_programs'] == 16
    assert not set(meta['train_conditions']) & set(split['test'])
    r = scbig('predict', '--model', d/'model', '--conditions', 'KLF1', 'CBL+CNN1', 'MAP2K6+KLF1', '--n-cells', 30, '--out', d/'pred.h5ad')
    assert r.returncode == 0, r.stderr
    p = ad.read_h5ad(d/'pred.h5ad')
    assert p.obs.condition.value_counts().to_dict() == {'CBL+CNN1': 30, 'KLF1': 30, 'KLF1+MAP2K6': 30, 'control': 30}
    assert p.n_vars == 500 and p.uns['scbig']['model'] == 'scbig'
    r = scbig('evaluate', '--pred', d/'pred.h5ad', '--real', 'norman19_subset', '--profile', 'cell_eval', '--out', d/'table.csv')
    assert r.returncode == 0, r.stderr
    assert "profile 'cell_eval'" in r.stdout and 'pearson_delta' in r.stdout
    t = pd.read_csv(d/'table.csv', index_col=0)
    assert sorted(t.index) == ['CBL+CNN1', 'KLF1', 'KLF1+MAP2K6'] and t.pearson_delta.notna().all()

@needs_data
def test_benchmark_writes_every_output(tmp_path):
    r = scbig('benchmark', '--dataset', 'norman19_subset', '--split', 'additive', '--preset', 'tiny', '--ceiling-repeats', 1, '--out', tmp_path/'bench')
    assert r.returncode == 0, r.stderr[-2000:]
    out = tmp_path/'bench'
    for f in ('metrics.csv', 'summary.csv', 'targets.csv', 'run.json', 'report.md', 'report.html'): assert (out/f).is_file(), f
    m = pd.read_csv(out/'metrics.csv')
    assert {'scbig', 'additive', 'linear', 'mean', 'ceiling'} <= set(m.method)
    assert {'scbig:r_all', 'scbig:pds', 'cell_eval:discrimination_score_l1'} <= set(m.columns)
    md = (out/'report.md').read_text()
    from scbig.benchmark import REPORT_SECTIONS
    for sec in REPORT_SECTIONS: assert f'## {sec}' in md, sec
    for fig in ('metric by method', 'predicted vs real deltas', 'program map', 'training curves'): assert fig in md, fig
    assert (out/'report.html').read_text().count('<img') == 4
    assert 'scbig benchmark --dataset norman19_subset' in md

@needs_data
@pytest.mark.parametrize('args, expect', [
    (['train', '--data', '/nonexistent/cells.h5ad'], 'no file /nonexistent/cells.h5ad'),
    (['benchmark', '--dataset', 'norman2091'], "'norman2091'"),
    (['train', '--data', 'norman19_subset', '--preset', 'huge'], "unknown preset 'huge'"),
    (['evaluate', '--pred', '/nonexistent/pred.h5ad', '--real', 'norman19_subset'], 'no file /nonexistent/pred.h5ad'),
    (['frobnicate'], "unknown command 'frobnicate'"),
])
def test_user_errors(args, expect):
    r = scbig(*args)
    assert r.returncode == 2, (r.returncode, r.stderr[-1500:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('scbig: error: ') and 'Fix:' in lines[0] and expect in lines[0], r.stderr

@needs_data
def test_bad_condition_and_wrong_column(trained, tmp_path):
    d = trained
    r = scbig('predict', '--model', d/'model', '--conditions', 'KLF1++SET', '--out', tmp_path/'x.h5ad')
    assert r.returncode == 2 and "'KLF1++SET'" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    p = tmp_path/'cells.h5ad'
    import numpy as np
    ad.AnnData(np.ones((4, 3), np.float32), obs=pd.DataFrame({'perturbation': ['control', 'control', 'A', 'A']}, index=list('abcd'))).write_h5ad(p)
    r = scbig('train', '--data', p, '--condition-key', 'guide_target', '--preset', 'tiny', '--out', tmp_path/'m')
    assert r.returncode == 2 and "'guide_target'" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr

# --- the flags of `scbig train` / `scbig benchmark`: checked before any data is read, and passed on ---

def _main(*args):
    "Run `scbig args...` in this process: (exit status, stdout, stderr)."
    import contextlib, io
    from scbig.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: main([str(a) for a in args]); code = 0
        except SystemExit as e: code = e.code if isinstance(e.code, int) else 1
    return code, out.getvalue(), err.getvalue()

@pytest.fixture
def no_loading(monkeypatch):
    "Make any data loading by the command fail the test: a bad argument must be caught before."
    import scbig.cli
    def boom(*a, **k): raise AssertionError('data was loaded before the arguments were checked')
    monkeypatch.setattr(scbig.cli, 'load', boom)

@pytest.mark.parametrize('args, expect', [
    (['train', '--set', 'gcae.dropot=0.1'], "'gcae.dropot'. Fix: did you mean 'gcae.dropout'? valid keys: n_programs,"),
    (['train', '--set', 'flow.sigma=abc'], "'abc' is not of type float"),
    (['train', '--set', 'n_programs=2.5'], "'2.5' is not of type int"),
    (['train', '--set', 'seed'], "--set 'seed' is not key=value"),
    (['train', '--set', 'gcae=3'], 'set one field of it, e.g. gcae.d_model='),
    (['train', '--set', 'compose=sum'], "compose in ('additive', 'pool')"),
    (['train', '--set', 'gcae.dropout=0.1', '--set', 'align.every=0'], 'every >= 1'),
    (['train', '--n-programs', '1'], 'n_programs >= 2'),
    (['train', '--n-programs', 'x'], "invalid int value: 'x'"),
    (['train', '--preset', 'huge'], "unknown preset 'huge'"),
    (['train', '--min-cells', '0'], '--min-cells 0'),
    (['train', '--pair-sep', '_'], '--pair-sep applies to files only'),
    (['train', '--gene-aliases', '/nonexistent/aliases.csv'], 'no gene alias file /nonexistent/aliases.csv'),
    (['train', '--split', 'kfol'], "unknown split 'kfol' (did you mean 'kfold'?)"),
    (['train', '--split', '/nonexistent/split.json'], 'no split file /nonexistent/split.json'),
    (['train', '--fold', '-1'], '--fold -1'),
    (['train', '--out', __file__], 'is an existing file'),
    (['benchmark', '--set', 'flow.sigmaa=1'], "did you mean 'flow.sigma'?"),
    (['benchmark', '--n-programs', '1'], 'n_programs >= 2'),
    (['benchmark', '--min-cells', '-3'], '--min-cells -3'),
    (['benchmark', '--folds', '0'], '--folds 0'),
    (['benchmark', '--out', __file__], 'is an existing file'),
])
def test_bad_arguments_fail_before_loading(no_loading, args, expect):
    import time
    t0 = time.perf_counter()
    code, out, err = _main(*args[:1], '--data', 'norman19_subset', *args[1:])
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert lines[-1].startswith(('scbig: error: ', 'scbig train: error: ', 'scbig benchmark: error: ')), err
    assert expect in lines[-1], err
    assert len(lines) == 1 or 'usage:' in err, err             # argparse's own errors come after its usage line
    assert time.perf_counter() - t0 < 5

@pytest.mark.skipif(__import__('torch').cuda.is_available(), reason='checks the error without a GPU')
def test_device_cuda_without_gpu_fails_at_once(no_loading):
    code, _, err = _main('train', '--data', 'norman19_subset', '--device', 'cuda')
    assert code == 2 and "device 'cuda' was asked for but is not available" in err, err
    assert len(err.strip().splitlines()) == 1, err

def test_parse_sets():
    from scbig.cli import parse_sets, setting_keys
    o = parse_sets(['gcae.dropout=0.1', 'flow.sigma=0.5', 'gain_grid=1,1.5', 'anchor=none', 'gain=auto',
                    'target_effect=false', 'n_programs=24', 'align.every=500', 'ae_steps=1e3'])
    assert o == {'gcae': {'dropout': 0.1}, 'flow': {'sigma': 0.5}, 'align': {'every': 500}, 'gain_grid': (1, 1.5),
                 'anchor': None, 'gain': 'auto', 'target_effect': False, 'n_programs': 24, 'ae_steps': 1000}
    assert parse_sets(['gain=1.5']) == {'gain': 1.5} and parse_sets([]) == {}
    assert parse_sets(['anchor=None']) == {'anchor': None}
    assert {'seed', 'gcae.dropout', 'flow.sigma', 'align.lambda_ot'} <= set(setting_keys())

@needs_data
def test_data_flags_reach_the_data_and_the_model(tmp_path, monkeypatch):
    "'_' pairs, old symbols, a small condition: --pair-sep, --gene-aliases, --min-cells, --set, --n-programs arrive."
    import numpy as np
    import scbig.cli
    from scbig.datasets import load
    a = load('norman19_subset', verbose=False)
    keep = a.obs.condition.isin(['control', 'KLF1', 'KLF1+MAP2K6', 'CBL+CNN1', 'MAP2K6']).values
    a = a[keep].copy()
    a.obs['condition'] = a.obs.condition.astype(str).str.replace('+', '_', regex=False).replace({'KLF1': 'OLDKLF1'})
    small = np.flatnonzero((a.obs.condition == 'MAP2K6').values)[5:]
    a = a[np.setdiff1d(np.arange(a.n_obs), small)].copy()                 # MAP2K6: 5 cells, under --min-cells 6
    g0 = a.var_names[0]
    a.write_h5ad(tmp_path/'cells.h5ad')
    (tmp_path/'aliases.csv').write_text(f'old_symbol,new_symbol\nOLDKLF1,KLF1\n{g0},{g0}_NEW\n')
    seen = {}
    class Stop(Exception): pass
    class Fake:
        def __init__(self, cfg, gene_embeddings=None): seen.update(cfg=cfg, table=gene_embeddings)
        def fit(self, data, split, out_dir=None, resume=False, unknown='raise'):
            seen.update(data=data, out_dir=out_dir, resume=resume, unknown=unknown); raise Stop
    monkeypatch.setattr(scbig.cli, 'SCBIG', Fake)
    with pytest.raises(Stop):
        _main('train', '--data', tmp_path/'cells.h5ad', '--condition-key', 'condition', '--pair-sep', '_',
              '--gene-aliases', tmp_path/'aliases.csv', '--min-cells', 6, '--n-programs', 8,
              '--set', 'gcae.dropout=0.1', '--set', 'flow.sigma=0.5', '--preset', 'tiny', '--out', tmp_path/'m')
    d, cfg = seen['data'], seen['cfg']
    assert d.conditions == ['CBL+CNN1', 'KLF1', 'KLF1+MAP2K6', 'control'] and d.dropped == {'MAP2K6': 5}
    assert d.genes[0] == f'{g0}_NEW' and list(d.genes[1:]) == list(a.var_names[1:])
    assert (cfg.n_programs, cfg.gcae.dropout, cfg.flow.sigma, cfg.gcae.n_modules) == (8, 0.1, 0.5, 4)   # onto 'tiny'
    assert seen['resume'] is False and Path(seen['out_dir']) == tmp_path/'m'/'checkpoints' and seen['table'] is None
    assert seen['unknown'] == 'raise'

@needs_data
def test_train_resume_equals_uninterrupted(tmp_path, monkeypatch):
    "`scbig train` stopped part-way through the flow (as SIGTERM does), then `--resume`: the straight model, bitwise."
    import signal
    import numpy as np
    from scbig.train import Learner
    from scbig.model import ComposedField
    args = ['train', '--data', 'norman19_subset', '--preset', 'tiny', '--device', 'cpu', '--set', 'ae_steps=20',
            '--set', 'flow_steps=20', '--set', 'val_every=10', '--set', 'align.every=5']
    code, out, err = _main(*args, '--out', tmp_path/'straight'); assert code == 0, err
    one_step = Learner._one_step
    def stop_at_7(self):
        loss = one_step(self)
        if isinstance(self.model, ComposedField) and self.step + 1 == 7: self.stop_requested = signal.SIGTERM
        return loss
    monkeypatch.setattr(Learner, '_one_step', stop_at_7)
    code, out, err = _main(*args, '--out', tmp_path/'cut')
    assert code == 2 and 'during the flow, at step 7 of 20' in err and '--resume' in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path/'cut'/'tensors.npz').exists()
    monkeypatch.setattr(Learner, '_one_step', one_step)
    code, out, err = _main(*args, '--out', tmp_path/'cut')                # without --resume: refused
    assert code == 2 and 'holds the checkpoints of an earlier run' in err and '--resume' in err, err
    code, out, err = _main(*args, '--set', 'seed=1', '--out', tmp_path/'cut', '--resume')
    assert code == 2 and "other settings 'seed'" in err, err
    code, out, err = _main(*args, '--out', tmp_path/'cut', '--resume'); assert code == 0, err
    assert 'resumed from' in out and 'at step 7' in out
    A, B = np.load(tmp_path/'straight'/'tensors.npz'), np.load(tmp_path/'cut'/'tensors.npz')
    assert sorted(A.files) == sorted(B.files)
    for k in A.files: assert np.array_equal(A[k], B[k]), k
    assert (tmp_path/'straight'/'split.json').read_text() == (tmp_path/'cut'/'split.json').read_text()
