import shutil, sys
from pathlib import Path
import pytest

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
