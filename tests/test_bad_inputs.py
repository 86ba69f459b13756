"""A hostile table of bad inputs and faults, for the API and the `scbig` command: each one must give ONE clear
line that names the problem (the expected fragment), before any expensive work, or, where the user asked for it
(`unknown='drop'`, `absent='drop'`), a warning that lists what was left out. Never a traceback, never silence.

For the command: exit code 2 (130 for an interrupt), no `Traceback` on stderr, the input files unchanged
(sha256) and no partial output. Most command cases fail before any data are read, so the table is quick; data
cases read small SYNTHETIC AnnData written to a temporary folder. `python tests/test_bad_inputs.py` prints how
many cases are clear, misleading (an error, but not the expected one), tracebacks or silent: run it against an
older checkout (PYTHONPATH=...) to count what the checks changed."""
import contextlib, errno, hashlib, io, os, signal, subprocess, sys, time, warnings
from pathlib import Path
import numpy as np
import pandas as pd
import anndata as ad
import pytest

ROOT = Path(__file__).resolve().parents[1]
needs_data = pytest.mark.skipif(not os.environ.get('SCBIG_DATA_DIR'), reason='needs $SCBIG_DATA_DIR (../shared/data)')

# ---------------------------------------------------------------------------------------------------------------
# SYNTHETIC inputs: random log-normalised values over real gene symbols (so the prior checks have something to match)
GENES = ['KLF1', 'TP53', 'MAP2K6', 'CBL', 'CNN1', 'MAPK1', 'TGFBR2', 'SET', 'SGK1', 'TBX3', 'GATA1', 'MYC',
         'JUN', 'FOS', 'EGR1', 'ACTB', 'GAPDH', 'HBG1', 'HBG2', 'TMSB4X', 'STAT1', 'IRF1', 'JAK2', 'CD274',
         'SPI1', 'CEBPA', 'RUNX1', 'ETV6', 'ELK1', 'BCL2', 'PERM1', 'RNF223', 'NPPA', 'KAZN', 'FHAD1',
         'TMEM82', 'PADI4', 'PHC2', 'CSMD2', 'RAB3B', 'PLPP3', 'NFIA', 'SGIP1', 'LRRC7', 'NEGR1', 'CLCA2',
         'NTNG1', 'INKA2', 'PRR9', 'S100A4', 'NES', 'ETV3L', 'HSPA6', 'PRRX1', 'RGS16', 'HMCN1', 'PTGS2',
         'ASPM', 'CHI3L1', 'OPTC']   # 60: enough for every preset's programs

def syn(labels, X=None, var=None, key='condition', seed=0) -> ad.AnnData:
    "SYNTHETIC: one cell per label, log1p of Poisson counts scaled by 1.37 (not integers), over real symbols."
    rng = np.random.default_rng(seed)
    n = len(labels)
    if X is None: X = np.log1p(rng.poisson(2.0, (n, len(var or GENES))) * 1.37)
    return ad.AnnData(np.asarray(X,
                                 dtype=np.float32), obs=pd.DataFrame({key: pd.Series(labels, dtype=object).values},
                                                                     index=[f'c{i}' for i in range(n)]),
                      var=pd.DataFrame(index=var or GENES))

def block(**conds) -> list:
    "Labels: `n` cells of each condition, e.g. block(control=20, KLF1=20)."
    return [c for c, n in conds.items() for _ in range(n)]

GOOD = block(control=20, KLF1=12, TP53=12, MAP2K6=12, CBL=12, CNN1=12) + ['KLF1+TP53'] * 12 + ['CBL+MAP2K6'] * 12
ONE_GENE = np.zeros((len(GOOD), len(GENES))); ONE_GENE[:, 3] = np.log1p(np.arange(len(GOOD)) % 5)
COUNTS_ROUNDOFF = np.random.default_rng(1).poisson(3.0, (len(GOOD), len(GENES))) + 1e-6

# ---------------------------------------------------------------------------------------------------------------
# The model cases need one fitted model: the tiny preset, few steps, on the real Norman subset (built once).
_CACHE = {}

def norman():
    if 'norman' not in _CACHE:
        from scbig.datasets import load
        from scbig.data import PerturbData
        _CACHE['norman'] = PerturbData(load('norman19_subset', verbose=False))
    return _CACHE['norman']

def model():
    if 'model' not in _CACHE:
        from scbig.model import SCBIG, preset
        d = norman()
        cfg = preset('tiny', ae_steps=4, flow_steps=4, val_every=2, quiet=True)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            _CACHE['model'] = SCBIG(cfg).fit(d, d.split('kfold', fold=0))
    return _CACHE['model']

def nan_model():
    import copy, torch
    m = copy.deepcopy(model())
    with torch.no_grad():
        for p in m.field.parameters(): p.fill_(float('nan'))
    return m

def pred_real(shift_counts=False, extra=None):
    "A MeanBaseline prediction of two Norman conditions and the real cells of those two (observed)."
    from scbig.baselines import MeanBaseline
    from scbig.metrics import observed
    d = norman()
    conds = ['KLF1', 'KLF1+MAP2K6']
    p = MeanBaseline().fit(d, [c for c in d.perturbations if c not in conds]).predict(conds + (extra or []))
    if shift_counts: p.X = np.expm1(p.X) * 1000                        # the counts scale
    return p, observed(d, conds)

# ---------------------------------------------------------------------------------------------------------------
# API cases: (id, call, expected fragment, what: 'error' or 'warn')
def _pd(labels, **kw):
    from scbig.data import PerturbData
    X = kw.pop('X', None); var = kw.pop('var', None)
    return lambda: PerturbData(syn(labels, X=X, var=var), min_cells=kw.pop('min_cells', 3), **kw)

def _fit(cls_name, labels, **kw):
    def go():
        from scbig.data import PerturbData
        d = PerturbData(syn(labels), min_cells=3)
        if cls_name == 'SCBIG':
            from scbig.model import SCBIG
            return SCBIG('tiny').fit(d, None, **kw)
        import scbig.baselines as B
        return getattr(B, cls_name)().fit(d, None, **kw)
    return go

def _predict(**kw): return lambda: model().predict(['KLF1'], **kw)
def _evaluate(**kw):
    def go():
        from scbig.metrics import evaluate
        p, r = pred_real(kw.pop('counts', False), kw.pop('extra', None))
        if kw.pop('nan', False): p.X[0, 0] = np.nan
        return evaluate(p, r, 'scbig', **kw)
    return go

UNKNOWN = GOOD + ['KLF1X'] * 12 + ['NOTAGENE+TP53'] * 12
LOGX = np.log1p(np.arange(len(GOOD) * len(GENES)).reshape(len(GOOD), len(GENES)) % 7 * 1.3)

API = [
    ('label unassigned', _pd(GOOD + ['unassigned'] * 5), "name no gene (5 cells): 'unassigned' x5", 'error'),
    ('label multiple', _pd(GOOD + ['multiple'] * 4), "'multiple' x4", 'error'),
    ('label NA', _pd(GOOD + ['NA'] * 4), "'NA' x4", 'error'),
    ('label nan string', _pd(GOOD + ['nan'] * 4), "'nan' x4", 'error'),
    ('label empty', _pd(GOOD + [''] * 4), "'' x4", 'error'),
    ('label missing value', _pd(GOOD + [None] * 4), "'nan' x4", 'error'),
    ('label unknown', _pd(GOOD + ['Unknown'] * 4), "'Unknown' x4", 'error'),
    ('labels all placeholders at once', _pd(GOOD + ['unassigned', 'NA', 'multiplet', 'doublet']),
     "4 labels in 'condition' name no gene", 'error'),
    ('label placeholder dropped', _pd(GOOD + ['unassigned'] * 5, unknown='drop'),
     "left out 5 cells whose label names no gene", 'warn'),
    ('pair written A_B', _pd(GOOD + ['KLF1_TP53'] * 5), "pass sep='_'", 'error'),
    ('pair written A|B', _pd(GOOD + ['KLF1|TP53'] * 5), "sep='|'", 'error'),
    ('pair written A/B', _pd(GOOD + ['KLF1/TP53'] * 5), "pass sep='/'", 'error'),
    ('pair written A:B', _pd(GOOD + ['KLF1:TP53'] * 5), "pass sep=':'", 'error'),
    ('guide names KLF1_g1', _pd(GOOD + ['KLF1_g1'] * 5), "if they name guides, map each to its target gene", 'error'),
    ('control is a gene with pairs', _pd(GOOD, control='KLF1'), "control='KLF1' is also a perturbed gene", 'error'),
    ('control is a gene, singles', _pd(block(control=20, KLF1=15, TP53=15), control='KLF1'),
     "the control spelling 'control'", 'error'),
    ('Ensembl var_names', _pd(GOOD, var=[f'ENSG{i:011d}' for i in range(len(GENES))]), "are Ensembl IDs", 'error'),
    ('binarised X', _pd(GOOD, X=(LOGX > 1).astype(float)), "looks binarised", 'error'),
    ('constant X', _pd(GOOD, X=np.full((len(GOOD), len(GENES)), 2.5)), "is constant (every value is 2.5)", 'error'),
    ('X zero but one gene', _pd(GOOD, X=ONE_GENE), "only 1 gene(s) ever detected", 'error'),
    ('counts with float round-off', _pd(GOOD, X=COUNTS_ROUNDOFF), "X holds raw counts", 'error'),
    ('X with NaN', _pd(GOOD, X=np.where(LOGX > 2, np.nan, LOGX)), "NaN or infinite values", 'error'),
    ('X negative', _pd(GOOD, X=LOGX - 1), "negative values", 'error'),
    ('X all zeros', _pd(GOOD, X=np.zeros((len(GOOD), len(GENES)))), "X is all zeros", 'error'),
    ('unknown= typo', _pd(GOOD, unknown='skip'), "unknown='skip'", 'error'),
    ('missing condition column', lambda: __import__('scbig.data').data.PerturbData(syn(GOOD, key='perturbation')),
     "column 'condition' is missing", 'error'),
    ('gene without prior: SCBIG.fit', _fit('SCBIG', UNKNOWN),
     "2 perturbed genes have no prior knowledge, so 2 of 9 training conditions", 'error'),
    ('gene without prior: close match', _fit('SCBIG', UNKNOWN), "KLF1X (close: KLF1", 'error'),
    ('gene without prior: MeanBaseline', _fit('MeanBaseline', UNKNOWN), "have no prior knowledge", 'error'),
    ('gene without prior: AdditiveBaseline', _fit('AdditiveBaseline', UNKNOWN), "have no prior knowledge", 'error'),
    ('gene without prior: LinearBaseline', _fit('LinearBaseline', UNKNOWN), "have no prior knowledge", 'error'),
    ('gene without prior: ControlBaseline', _fit('ControlBaseline', UNKNOWN), "have no prior knowledge", 'error'),
    ('gene without prior dropped: baseline', _fit('MeanBaseline', UNKNOWN, unknown='drop'),
     "left out: ['KLF1X', 'NOTAGENE+TP53']", 'warn'),
    ('fit unknown= typo', _fit('MeanBaseline', GOOD, unknown='ignore'), "unknown='ignore'", 'error'),
    ('predict n_cells=0', _predict(n_cells=0), "n_cells must be an integer >= 1, got 0", 'error'),
    ('predict n_cells<0', _predict(n_cells=-5), "got -5", 'error'),
    ('predict n_cells=2.5', _predict(n_cells=2.5), "got 2.5", 'error'),
    ('predict n_cells=True', _predict(n_cells=True), "got True", 'error'),
    ('predict n_cells str', _predict(n_cells='10'), "got '10'", 'error'),
    ('control_cells NaN', lambda: model().predict(['KLF1'], control_cells=np.full((5, len(model().genes)), np.nan)),
     "control_cells holds", 'error'),
    ('control_cells negative', lambda: model().predict(['KLF1'], control_cells=-np.ones((5, len(model().genes)))),
     "negative values", 'error'),
    ('control_cells wrong genes', lambda: model().predict(['KLF1'], control_cells=np.ones((5, 7))),
     "expected (cells, 500)", 'error'),
    ('control_cells counts',
     lambda: model().predict(['KLF1'], control_cells=np.random.default_rng(0).poisson(3, (5, 500)).astype(float)),
     "holds raw counts", 'error'),
    ('predict unknown gene', lambda: model().predict(['KLF1X']), "no prior embedding", 'error'),
    ('predict malformed condition', lambda: model().predict(['KLF1++MAP2K6']), "has an empty gene name", 'error'),
    ('model with NaN weights', lambda: nan_model().predict(['KLF1'], n_cells=5), "NaN or infinite values", 'error'),
    ('evaluate counts vs log', _evaluate(counts=True), "pred looks like raw counts", 'error'),
    ('evaluate condition absent from real', _evaluate(extra=['CBL']), "1 predicted conditions are not in the real data",
     'error'),
    ('evaluate absent dropped', _evaluate(extra=['CBL'], absent='drop'), "they are left out", 'warn'),
    ('evaluate absent= typo', _evaluate(absent='skip'), "absent='skip'", 'error'),
    ('evaluate NaN prediction', _evaluate(nan=True), "NaN or infinite", 'error'),
    ('split JSON malformed',
     lambda: __import__('scbig.data').data.Split.from_json('{"format": "scbig.split/1", "kind": '), "not valid JSON",
     'error'),
    ('negative seed', lambda: __import__('scbig.core').core.set_seed(-1), "seed must be an integer", 'error'),
]

# ---------------------------------------------------------------------------------------------------------------
# Command cases: (id, argv builder(tmp, files) -> argv, expected fragment); the files are written once per test run.
def write_inputs(d:Path) -> dict:
    "SYNTHETIC .h5ad inputs for the command cases, and a malformed split JSON."
    files = {}
    def w(name, a): p = d/name; a.write_h5ad(p); files[name] = p
    w('good.h5ad', syn(GOOD))
    w('unassigned.h5ad', syn(GOOD + ['unassigned'] * 5 + ['multiple'] * 5))
    w('underscore.h5ad', syn(GOOD + ['KLF1_TP53'] * 5))
    w('ensembl.h5ad', syn(GOOD, var=[f'ENSG{i:011d}' for i in range(len(GENES))]))
    w('binary.h5ad', syn(GOOD, X=(LOGX > 1).astype(float)))
    w('onegene.h5ad', syn(GOOD, X=ONE_GENE))
    w('unknown.h5ad', syn(UNKNOWN))
    w('nan.h5ad', syn(GOOD, X=np.where(LOGX > 2, np.nan, LOGX)))
    (d/'bad.json').write_text('{"format": "scbig.split/1", "kind": '); files['bad.json'] = d/'bad.json'
    (d/'list.json').write_text('[1, 2, 3]'); files['list.json'] = d/'list.json'
    (d/'afile').write_text('x'); files['afile'] = d/'afile'
    ro = d/'readonly'; ro.mkdir(); ro.chmod(0o555)
    (d/'o').mkdir()                                     # an empty folder for outputs: it must stay empty
    return files

def _model_dir():
    if 'model_dir' not in _CACHE:
        import tempfile
        p = Path(tempfile.mkdtemp(prefix='scbig-bad-'))/'model'
        model().save(p); _CACHE['model_dir'] = p
    return _CACHE['model_dir']

def M(): return str(_model_dir())

# A command line per case: {d} is the folder of the SYNTHETIC inputs, {M} a trained model's folder.
PRED = 'predict --model {M} --conditions KLF1 --out {d}/o/p.h5ad'
TRAIN = 'train --data {d}/good.h5ad --out {d}/o/m'
BENCH = 'benchmark --data {d}/good.h5ad --out {d}/o/b'
EVAL = 'evaluate --pred {d}/pred.h5ad --real {d}/good.h5ad'
CLI = [
    ('predict --n-cells 0', PRED + ' --n-cells 0', "--n-cells must be an integer >= 1, got 0"),
    ('predict --n-cells -3', PRED + ' --n-cells -3', "got -3"),
    ('predict --seed -1', PRED + ' --seed -1', "--seed must be an integer >= 0"),
    ('predict --out missing folder', PRED + ' --out {d}/nowhere/p.h5ad', "does not exist"),
    ('predict --out read-only folder', PRED + ' --out {d}/readonly/p.h5ad', "is not writable"),
    ('predict --out is a folder', PRED + ' --out {d}', "is a folder, not a file"),
    ('predict no conditions', 'predict --model {M}', "--model and --conditions are required"),
    ('predict missing model', 'predict --model {d}/nomodel --conditions KLF1 --out {d}/o/p.h5ad', "nomodel"),
    ('predict unknown gene', PRED.replace('KLF1', 'KLF1X'), "no prior embedding"),
    ('predict malformed condition', PRED.replace('KLF1', 'KLF1++X'), "empty gene name"),
    ('train --seed -1', TRAIN + ' --seed -1', "seed"),
    ('train split JSON malformed', TRAIN + ' --split {d}/bad.json', "is not valid JSON"),
    ('train split JSON not a split', TRAIN + ' --split {d}/list.json', "is not a scbig split file"),
    ('train split JSON missing', TRAIN + ' --split {d}/none.json', "no split file"),
    ('train --device cuda without GPU', TRAIN + ' --device cuda:7', "cuda:7"),
    ('train --device bogus', TRAIN + ' --device tpu', "'tpu'"),
    ('train --preset huge', TRAIN + ' --preset huge', "unknown preset 'huge'"),
    ('train missing data file', 'train --data {d}/none.h5ad --out {d}/o/m', "no file"),
    ('train --fold -1', TRAIN + ' --fold -1', "--fold -1"),
    ('train --out is a file', TRAIN + ' --out {d}/afile', "afile"),
    ('train --unknown typo', TRAIN + ' --unknown skip', "--unknown skip"),
    ('train --min-cells 0', TRAIN + ' --min-cells 0', "--min-cells 0"),
    ('train labels unassigned', TRAIN.replace('good', 'unassigned'), "name no gene (10 cells)"),
    ('train labels A_B', TRAIN.replace('good', 'underscore'), "--pair-sep '_'"),
    ('train --control KLF1', TRAIN + ' --control KLF1', "control='KLF1' is also a perturbed gene"),
    ('train Ensembl var_names', TRAIN.replace('good', 'ensembl'), "Ensembl IDs"),
    ('train binarised', TRAIN.replace('good', 'binary'), "looks binarised"),
    ('train one gene', TRAIN.replace('good', 'onegene'), "ever detected"),
    ('train X with NaN', TRAIN.replace('good', 'nan'), "NaN or infinite"),
    ('train gene without prior', TRAIN.replace('good', 'unknown'), "have no prior knowledge"),
    ('train --gene-aliases missing', TRAIN + ' --gene-aliases {d}/none.csv', "none.csv"),
    ('train --set unknown key', TRAIN + ' --set bogus=1', "unknown setting 'bogus'"),
    ('benchmark --folds 0', BENCH + ' --folds 0', "--folds 0"),
    ('benchmark --ceiling-repeats 0', BENCH + ' --ceiling-repeats 0', "--ceiling-repeats 0"),
    ('benchmark --seeds -1', BENCH + ' --seeds -1', "--seeds"),
    ('benchmark --dataset typo', 'benchmark --dataset norman2091 --out {d}/o/b', "'norman2091'"),
    ('benchmark split JSON malformed', BENCH + ' --split {d}/bad.json', "is not valid JSON"),
    ('benchmark --unknown typo', BENCH + ' --unknown maybe', "--unknown maybe"),
    ('benchmark labels unassigned', BENCH.replace('good', 'unassigned'), "name no gene"),
    ('benchmark gene without prior', BENCH.replace('good', 'unknown'), "have no prior knowledge"),
    ('evaluate missing pred', EVAL.replace('pred.h5ad', 'none.h5ad'), "no file"),
    ('evaluate --profile bogus', EVAL + ' --profile bogus', "unknown profile 'bogus'"),
    ('evaluate --out missing folder', EVAL + ' --out {d}/nowhere/t.csv', "does not exist"),
    ('evaluate counts vs log', EVAL.replace('pred.h5ad', 'pred_counts.h5ad'), "pred looks like raw counts"),
    ('evaluate condition absent from real', EVAL.replace('pred.h5ad', 'pred_extra.h5ad'), "not in the real data"),
    ('evaluate --absent typo', EVAL + ' --absent skip', "--absent skip"),
]

def argv_of(template:str, d:Path) -> list:
    "The arguments of a command-line template (the model is trained on first use only)."
    return [a.format(d=d, M=M() if '{M}' in a else '') for a in template.split()]

def write_preds(d:Path):
    "SYNTHETIC predictions over good.h5ad's genes: log scale, counts scale, one with a condition the data lack."
    rng = np.random.default_rng(2)
    labs = block(control=5, KLF1=5, TP53=5)
    syn(labs, seed=3).write_h5ad(d/'pred.h5ad')
    syn(labs, X=rng.poisson(40, (15, len(GENES))).astype(float) * 3, seed=3).write_h5ad(d/'pred_counts.h5ad')
    syn(labs + ['SGK1'] * 5, seed=4).write_h5ad(d/'pred_extra.h5ad')

# ---------------------------------------------------------------------------------------------------------------
def _one_line(text:str) -> str:
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1] if lines else ''

def run_api(call, what='error') -> tuple:
    "('clear' | 'warned' | 'traceback' | 'silent', message)."
    from scbig.core import ScbigError
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter('always')
        try: call()
        except ScbigError as e: return ('clear' if '\n' not in str(e) else 'traceback'), f"{type(e).__name__}: {e}"
        except Exception as e: return 'traceback', f"{type(e).__name__}: {e}"
    dropped = [str(w.message) for w in ws if w.category.__name__ in ('DroppedWarning', 'PriorWarning', 'UserWarning')]
    return ('warned', ' | '.join(dropped)) if dropped else ('silent', '')

class _StillWorking(BaseException): "A command that passed its checks and started the real work (counting runs only)."

def run_cli(argv, timeout:int=0) -> tuple:
    "(outcome, exit code, stderr) of `scbig.cli.main` in this process; `timeout`: stop a command still working then."
    from scbig.cli import main
    err, out = io.StringIO(), io.StringIO()
    code = 0
    def stop(*a): raise _StillWorking()
    if timeout: signal.signal(signal.SIGALRM, stop); signal.alarm(timeout)
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try: main([str(a) for a in argv])
        except SystemExit as e: code = e.code if isinstance(e.code, int) else 1
        except _StillWorking: return 'silent', 0, f'still working after {timeout} s (no check stopped it)'
        except BaseException as e:
            import traceback; traceback.print_exc(file=err); code = 1
        finally:
            if timeout: signal.alarm(0)
    e = err.getvalue()
    if 'Traceback' in e: return 'traceback', code, e
    if code == 0: return 'silent', code, e + out.getvalue()[-300:]
    return 'clear', code, e

def sha(d:Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in d.iterdir() if p.is_file()}

@pytest.fixture(scope='module')
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp('bad_inputs')
    write_inputs(d); write_preds(d)
    yield d
    (d/'readonly').chmod(0o755)

@needs_data
@pytest.mark.parametrize('case', API, ids=[c[0] for c in API])
def test_api(case):
    name, call, frag, what = case
    outcome, msg = run_api(call, what)
    assert outcome == ('clear' if what == 'error' else 'warned'), (outcome, msg)
    assert frag in msg, msg

@needs_data
@pytest.mark.parametrize('case', CLI, ids=[c[0] for c in CLI])
def test_cli(case, inputs):
    name, argv, frag = case
    if name.endswith('read-only folder') and os.geteuid() == 0: pytest.skip('root writes into read-only folders')
    before = sha(inputs)
    outcome, code, err = run_cli(argv_of(argv, inputs))
    assert outcome == 'clear' and code == 2, (outcome, code, err[-1500:])
    line = _one_line(err)
    assert line.startswith('scbig: error: ') and frag in line, err
    assert len([l for l in err.splitlines() if l.startswith('scbig: error')]) == 1, err
    assert sha(inputs) == before                                           # inputs untouched
    assert not any((inputs/'o').rglob('*')), list((inputs/'o').rglob('*'))   # nothing written

@needs_data
def test_disk_full_leaves_no_partial_file(inputs, monkeypatch):
    "A full disk while predict writes: one line, exit 2, and no partial .h5ad left."
    def full(self, path, *a, **k):
        Path(path).write_bytes(b'partial'); raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(ad.AnnData, 'write_h5ad', full)
    (inputs/'full').mkdir(exist_ok=True)
    outcome, code, err = run_cli(['predict', '--model', M(), '--conditions', 'KLF1', '--n-cells', '5', '--out',
                                  inputs/'full'/'p.h5ad'])
    assert (outcome, code) == ('clear', 2), err
    assert 'no space left on device' in _one_line(err) and 'writing' in _one_line(err), err
    assert not any((inputs/'full').iterdir()), list((inputs/'full').iterdir())

@needs_data
def test_interrupt_while_loading_in_process(inputs, monkeypatch):
    "Ctrl-C while the data are read: one line naming the stage, exit 130, no traceback."
    import scbig.cli
    def slow(*a, **k): raise KeyboardInterrupt
    monkeypatch.setattr(scbig.cli, 'load', slow)
    outcome, code, err = run_cli(['train', '--data', inputs/'good.h5ad', '--out', inputs/'o'/'m'])
    assert code == 130 and 'Traceback' not in err, err
    assert 'interrupted while loading the data' in _one_line(err), err

SLOW_LOAD = """
import sys, time, scbig.cli
real = scbig.cli.load
def slow(*a, **k):
    print('loading', flush=True); time.sleep(60); return real(*a, **k)
scbig.cli.load = slow
scbig.cli.main(sys.argv[1:])
"""

@needs_data
def test_sigint_while_loading(inputs):
    "A real SIGINT to a `scbig train` process while it reads the data."
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    p = subprocess.Popen([sys.executable, '-c', SLOW_LOAD, 'train', '--data', str(inputs/'good.h5ad'), '--out',
                          str(inputs/'o'/'sig')],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))   # as from a shell
    assert p.stdout.readline().strip() == 'loading'
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)   # a loaded machine (make test's other worker) is slow to tear down
    assert p.returncode == 130 and 'Traceback' not in err, err
    assert _one_line(err).startswith('scbig: error: interrupted while loading the data'), err
    assert not (inputs/'o'/'sig').exists()

# ---------------------------------------------------------------------------------------------------------------
def count(tmp:Path) -> pd.DataFrame:
    "Run every case and classify it: clear (the expected message), misleading (another error), traceback, silent."
    write_inputs(tmp); write_preds(tmp)
    rows = []
    for name, call, frag, what in API:
        o, msg = run_api(call, what)
        if o in ('clear', 'warned') and frag not in msg: o = 'misleading'
        elif o == 'warned' and what == 'error': o = 'silent'
        elif o == 'warned': o = 'clear'
        rows.append(('api', name, o, msg[:160]))
    for name, argv, frag in CLI:
        if name.endswith('read-only folder') and os.geteuid() == 0: rows.append(('cli', name, 'n/a as root',
                                                                                 '')); continue
        o, code, err = run_cli(argv_of(argv, tmp), timeout=30)
        if o == 'clear' and frag not in _one_line(err): o = 'misleading'
        rows.append(('cli', name, o, _one_line(err)[:160]))
    (tmp/'readonly').chmod(0o755)
    return pd.DataFrame(rows, columns=['kind', 'case', 'outcome', 'message'])

if __name__ == '__main__':
    import tempfile
    with tempfile.TemporaryDirectory() as t:
        r = count(Path(t))
    with pd.option_context('display.width', 250, 'display.max_colwidth', 120, 'display.max_rows',
                           500): print(r.to_string())
    print(r.groupby(['kind', 'outcome']).size().unstack(fill_value=0))
    print(r.outcome.value_counts().to_string())

@needs_data
def test_dropped_conditions_are_reported(inputs, tmp_path):
    "`--unknown drop` trains without the conditions whose genes the priors do not know, and says which, on stderr."
    outcome, code, err = run_cli(['train', '--data', inputs/'unknown.h5ad', '--unknown', 'drop', '--preset', 'tiny',
                                  '--set', 'ae_steps=2', 
                                  '--set', 'flow_steps=2', '--set', 'val_every=1', '--set', 'anchor=None',
                                  '--out', tmp_path/'m'])
    assert code == 0, err
    warn = [l for l in err.splitlines() if l.startswith('scbig: warning: ')]
    assert any("left out: ['KLF1X', 'NOTAGENE+TP53']" in l for l in warn), err
    assert 'Traceback' not in err and not [l for l in err.splitlines() if l.startswith('scbig: error')], err
    import json
    trained = json.loads((tmp_path/'m'/'config.json').read_text())['train_conditions']
    assert not {'KLF1X', 'NOTAGENE+TP53'} & set(trained) and trained

@needs_data
@pytest.mark.parametrize('cmd', [['train', '--data', 'norman19_subset', '--preset', 'tiny'], ['benchmark', '--preset', 'tiny']])
def test_too_little_space_before_any_work(cmd, inputs, monkeypatch):
    "A disk without room for what the command will write (estimated): one line at once, before the data are read."
    import shutil, scbig.cli
    monkeypatch.setattr(scbig.cli, 'load', lambda *a, **k: pytest.fail('the data were read before the space check'))
    monkeypatch.setattr(shutil, 'disk_usage', lambda p: shutil._ntuple_diskusage(10**12, 10**12 - 10**6, 10**6))
    outcome, code, err = run_cli([*cmd, '--out', inputs/'o'/'space'])
    assert (outcome, code) == ('clear', 2), err
    assert 'MiB free' in _one_line(err) and 'are needed' in _one_line(err), err
    assert not (inputs/'o'/'space').exists()
