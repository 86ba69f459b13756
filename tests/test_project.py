"""The project's own invariants: notebooks and package in sync, notebooks clean, README generated,
install and CI wiring as the README describes them."""
import filecmp, os, subprocess, sys, tomllib
from pathlib import Path
import pytest
import scbig
from conftest import ROOT

BIN = Path(sys.executable).parent
PYPROJECT = tomllib.loads((ROOT/'pyproject.toml').read_text())

def _env():
    env = dict(os.environ); env.pop('IN_TEST', None)   # nbdev-export does nothing under IN_TEST
    return env

def _tree(d:Path, pattern='*'):
    return {p.relative_to(d).as_posix(): p for p in d.rglob(pattern) if p.is_file() and '__pycache__' not in p.parts}

def test_export_in_sync(project_copy):
    "`nbdev-export` leaves scbig/ unchanged: the package is exactly what the notebooks export."
    subprocess.run([BIN/'nbdev-export'], cwd=project_copy, env=_env(), check=True, capture_output=True)
    before, after = _tree(ROOT/'scbig'), _tree(project_copy/'scbig')
    assert sorted(before) == sorted(after), f"files differ: {set(before) ^ set(after)}; run `make export`"
    changed = [f for f in before if not filecmp.cmp(before[f], after[f], shallow=False)]
    assert not changed, f"nbdev-export changes {changed}: edit the notebooks, run `make export`, commit both"

def test_export_check_can_fail(project_copy):
    "The sync check above detects a hand edit of scbig/ (so it is not a test that cannot fail)."
    core = project_copy/'scbig'/'core.py'
    core.write_text(core.read_text() + '\n# edited by hand\n')
    subprocess.run([BIN/'nbdev-export'], cwd=project_copy, env=_env(), check=True, capture_output=True)
    assert '# edited by hand' not in core.read_text()

def test_notebooks_clean(project_copy):
    "`nbdev-clean` leaves every notebook unchanged."
    subprocess.run([BIN/'nbdev-clean'], cwd=project_copy, env=_env(), check=True, capture_output=True)
    before, after = _tree(ROOT/'nbs', '*.ipynb'), _tree(project_copy/'nbs', '*.ipynb')
    changed = [f for f in before if not filecmp.cmp(before[f], after[f], shallow=False)]
    assert not changed, f"nbdev-clean changes {changed}: run `make export` and commit the cleaned notebooks"

def test_readme_in_sync():
    "README.md is what tools/make_readme.py writes from nbs/index.ipynb."
    from make_readme import readme
    assert (ROOT/'README.md').read_text() == readme(ROOT), "README.md is out of date: run `make readme`"

def test_readme_sections():
    text = (ROOT/'README.md').read_text()
    for heading in ['## Install', '## Test', '## Project layout', '## Data sources and licenses', '## Citation']:
        assert heading in text, heading
    assert 'make test' in text and 'make install' in text and '2602.04901' in text
    assert 'settings.ini' in text and 'nbs/_quarto.yml' in text   # where the nbdev 2 files went

def test_version():
    "One version, exported from scbig/__init__.py and read by setuptools."
    assert PYPROJECT['tool']['setuptools']['dynamic']['version'] == {'attr': 'scbig.__version__'}
    assert scbig.__version__.count('.') == 2

def test_dependencies():
    "Dependencies have lower bounds; torch is never pinned in [project] (Colab keeps its CUDA torch)."
    deps = PYPROJECT['project']['dependencies']
    assert all('>=' in d for d in deps), [d for d in deps if '>=' not in d]
    torch = [d for d in deps if d.startswith('torch')]
    assert torch and '==' not in torch[0] and '<' not in torch[0], torch
    assert 'torch==2.13.0' in (ROOT/'.ci'/'constraints.txt').read_text().split()
    assert PYPROJECT['tool']['nbdev']['tst_flags'] == 'notest slow cuda'

def test_ci_runs_the_readme_test_command():
    lines = [l.strip() for l in (ROOT/'.ci'/'run').read_text().splitlines() if l.strip() and not l.strip().startswith('#')]
    assert 'make install' in lines and lines[-1] in ('make test', 'exec make test'), lines[-3:]
    make = (ROOT/'Makefile').read_text()
    assert '$(BIN)/python:' in make and 'test: | $(BIN)/python' in make   # make test installs when .venv is missing

def test_imports_in_their_own_cells():
    "Docs processing executes every cell that imports, so an import must not share a cell with example code."
    import json, re
    imp = re.compile(r'^\s*(import\s|from\s+\S+\s+import\s)')
    bad = []
    for nb in sorted((ROOT/'nbs').rglob('*.ipynb')):
        for i, c in enumerate(json.loads(nb.read_text())['cells']):
            lines = [l for l in ''.join(c['source']).splitlines() if l.strip() and not l.startswith('#')]
            if c['cell_type'] != 'code' or '#| export' in ''.join(c['source']) or not any(imp.match(l) for l in lines): continue
            if not all(imp.match(l) or l.startswith(('import nbdev; nbdev.nbdev_export()',)) for l in lines): bad.append(f'{nb.name} cell {i}')
    assert not bad, f'cells mixing imports and other code: {bad}'

def test_sidebar_lists_every_notebook():
    "Every notebook has a place in the docs sidebar, and every sidebar entry exists."
    import re
    listed = re.findall(r'-\s+(\S+\.ipynb)', (ROOT/'nbs'/'sidebar.yml').read_text())
    nbs = sorted(p.relative_to(ROOT/'nbs').as_posix() for p in (ROOT/'nbs').rglob('*.ipynb')
                 if not any(part.startswith(('_', '.')) for part in p.relative_to(ROOT/'nbs').parts))
    assert sorted(listed) == nbs, (set(listed) ^ set(nbs))
