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
