"""Every notebook in nbs/ through nbdev's own test runner: one pytest test per notebook.

Cells flagged with `tst_flags` (notest, slow, cuda) are skipped; `make test TEST_FLAGS=slow` (the
SCBIG_TEST_FLAGS variable) forces flagged cells to run, as `nbdev-test --flags slow` does.
"""
import io, os, sys
from unittest import mock
import pytest
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.test import test_nb as run_notebook   # not named test_*: pytest would collect it
from conftest import ROOT

CFG = get_config(ROOT)
NOTEBOOKS = sorted(p for p in nbglob(CFG.nbs_path, as_path=True) if not (p.parent/'.notest').exists())

def test_notebooks_found():
    "The runner sees the notebooks (an empty list would make every other test vacuous)."
    names = {p.name for p in NOTEBOOKS}
    assert {'index.ipynb', '00_core.ipynb'} <= names, names

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.relative_to(CFG.nbs_path).as_posix())
def test_notebook(nb):
    skip = CFG.tst_flags.split()
    force = os.environ.get('SCBIG_TEST_FLAGS', '').split()
    os.environ.setdefault('SCBIG_PROGRESS', '0')   # no bars in captured outputs (off without a terminal anyway)
    err = io.StringIO()   # nbdev writes the failing cell's traceback to sys.__stderr__: keep it for the report
    with mock.patch.object(sys, '__stderr__', err):
        ok, secs = run_notebook(nb, skip_flags=skip, force_flags=force, basepath=CFG.config_path, showerr=True)
    assert ok, f"{nb.name} failed:\n{err.getvalue()}"
