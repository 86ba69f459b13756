"""scbig.priors without the data folder: importing needs nothing, and a missing prior says where it was expected."""
import os, subprocess, sys
from conftest import ROOT

def _run(code, **env_extra):
    env = {k: v for k, v in os.environ.items() if k != 'SCBIG_DATA_DIR'} | env_extra
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)

def test_import_needs_no_data():
    r = _run("import scbig.priors, scbig.grc; print('ok')")
    assert r.returncode == 0 and r.stdout.strip() == 'ok', r.stderr

def test_missing_prior_names_the_path(tmp_path):
    r = _run("from scbig.priors import load_string\nload_string()", SCBIG_DATA_DIR=str(tmp_path))
    assert r.returncode != 0
    assert 'DataNotFoundError' in r.stderr and str(tmp_path/'priors'/'string_v12_human_dmfind') in r.stderr, r.stderr
