"""bench/grc_bench.py runs (on SYNTHETIC inputs, small) and reports what the issue asks for: wall time and balanced sizes."""
import os, re, subprocess, sys
from conftest import ROOT

def test_grc_bench_synthetic():
    env = dict(os.environ); env.pop('IN_TEST', None)
    r = subprocess.run([sys.executable, str(ROOT/'bench'/'grc_bench.py'), '--synthetic', '--genes', '400', '1000', '--clusters', '16'],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if 'GRC fit' in l]
    assert len(lines) == 2, r.stdout
    assert re.search(r'^\s+400 genes: GRC fit\s+[\d.]+ s .* sizes 25-25;', lines[0]), lines[0]
    assert re.search(r'1,000 genes: GRC fit\s+[\d.]+ s .* sizes 62-63;', lines[1]), lines[1]
