"""The distribution a user installs: build the wheel, install it into a fresh virtual environment, import, run the command.

The fresh environment gets its dependencies (the CPU torch included) from this project's .venv through a path file,
not from PyPI: CI has no time to download them again, and a plain path line does not run that venv's own path files,
so the editable install of the working tree stays out of it. `pip check` then proves the wheel's declared
dependencies are met, and `import scbig` must come from the installed wheel.
"""
import os, shutil, subprocess, sys, sysconfig, venv, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
DIST = 'scbig-perturb'   # the PyPI name `scbig` belongs to an unrelated project (bipartite-graph embedding)

def _run(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{cmd}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return r

@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> Path:
    "The wheel, built from a copy of the sources (the working tree keeps no build/ or egg-info)."
    src = tmp_path_factory.mktemp('src')
    for f in ('pyproject.toml', 'README.md', 'LICENSE'): shutil.copy(ROOT/f, src/f)
    shutil.copytree(ROOT/'scbig', src/'scbig', ignore=shutil.ignore_patterns('__pycache__'))
    out = tmp_path_factory.mktemp('dist')
    _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', out, src])
    (whl,) = out.glob('*.whl')
    return whl

def test_wheel_contents(wheel):
    "Named scbig_perturb, it installs the import package scbig (no tests, notebooks or tools) and the scbig command."
    assert wheel.name.startswith('scbig_perturb-'), wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split('/')[0] for n in names} == {'scbig', f'scbig_perturb-{wheel.name.split("-")[1]}.dist-info'}, names
    assert 'scbig/cli.py' in names and 'scbig/_modidx.py' in names
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith('METADATA'))).decode()
    torch = [l for l in meta.splitlines() if l.startswith('Requires-Dist: torch')]
    assert f'Name: {DIST}' in meta and torch and '==' not in torch[0], torch   # Colab keeps its own CUDA torch
    eps = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith('entry_points.txt'))).decode()
    assert 'scbig = scbig.cli:main' in eps

def test_wheel_installs_and_runs(wheel, tmp_path):
    "A fresh venv: pip installs the wheel, pip check passes, `import scbig` is the wheel's, `scbig --help` runs."
    env_dir = tmp_path/'venv'
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir/'bin'/'python'
    site = Path(_run([py, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']).stdout.strip())
    (site/'dev_deps.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')   # torch & co. from this .venv
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'PYTHONHOME')}
    _run([py, '-m', 'pip', 'uninstall', '-q', '-y', 'setuptools'], env=env, cwd=tmp_path)   # venv's old copy shadows
    _run([py, '-m', 'pip', 'install', '-q', '--no-deps', '--no-index', wheel], env=env, cwd=tmp_path)
    _run([py, '-m', 'pip', 'check'], env=env, cwd=tmp_path)
    r = _run([py, '-c', 'import scbig, scbig.model, torch; print(scbig.__file__); print(torch.__version__)'],
             env=env, cwd=tmp_path)
    assert r.stdout.splitlines()[0].startswith(str(site)), r.stdout   # the installed wheel, not the working tree
    r = _run([env_dir/'bin'/'scbig', '--help'], env=env, cwd=tmp_path)
    assert 'usage: scbig COMMAND' in r.stdout and 'benchmark' in r.stdout
    _run([env_dir/'bin'/'scbig', 'train', '--help'], env=env, cwd=tmp_path)

def test_other_scbig_detected(tmp_path):
    "Files of PyPI's unrelated `scbig` in the package folder stop `import scbig` with one line that names the fix."
    shutil.copytree(ROOT/'scbig', tmp_path/'scbig', ignore=shutil.ignore_patterns('__pycache__'))
    (tmp_path/'scbig'/'run_scbig.py').write_text('import dgl\n')
    env = {**os.environ, 'PYTHONPATH': str(tmp_path)}
    r = subprocess.run([sys.executable, '-c', 'import scbig'], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode != 0 and "PyPI's unrelated 'scbig'" in r.stderr and 'pip uninstall' in r.stderr, r.stderr
