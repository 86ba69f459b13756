import os, shutil, sys
from pathlib import Path
import pytest
from filelock import FileLock   # a dependency of torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))

def copy_project(dst:Path, *extra) -> Path:
    "Copy what nbdev needs (pyproject.toml, nbs/, scbig/, and `extra`) into `dst`, leaving the checkout untouched."
    ign = shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints', '_proc', '_docs')
    shutil.copy(ROOT/'pyproject.toml', dst/'pyproject.toml')
    for d in ('nbs', 'scbig', *extra): shutil.copytree(ROOT/d, dst/d, ignore=ign)
    return dst

@pytest.fixture
def project_copy(tmp_path): return copy_project(tmp_path)

# Under `pytest -n N` (pytest-xdist) each worker runs torch on one thread, and so does every subprocess it
# starts (BLAS too there): N workers on N cores, not N x cores threads fighting for them. The worker's own
# numpy BLAS keeps its threads: a pytest plugin has imported numpy before this file is read.
if os.environ.get('PYTEST_XDIST_WORKER'):
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'): os.environ[var] = '1'

def built_once(tmp_path_factory, name:str, build) -> Path:
    """The folder `name`, made by `build(folder)` once per test run. Under `pytest -n` the first worker to
    need it builds it, and the others wait for it and reuse it (pytest-xdist's recipe for session fixtures)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'): base = base.parent    # the folder the workers share
    d, done = base/name, base/f'{name}.done'
    with FileLock(str(base/f'{name}.lock')):
        if not done.exists():
            shutil.rmtree(d, ignore_errors=True); d.mkdir()
            build(d); done.touch()
    return d
