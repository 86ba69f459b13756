"""bench/gpu_check.py runs on the CPU with the tiny budget (SYNTHETIC data) and writes its table."""
import os, re, subprocess, sys
from conftest import ROOT

def test_gpu_check_tiny(tmp_path):
    out = tmp_path/'gpu_check.txt'
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', SCBIG_PROGRESS='0'); env.pop('IN_TEST', None)
    r = subprocess.run([sys.executable, str(ROOT/'bench'/'gpu_check.py'), '--budget', 'tiny', '--out', str(out)],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    text = out.read_text()
    assert text.startswith('bench/gpu_check.py --budget tiny: SYNTHETIC norman_sized'), text
    rows = re.findall(r'^\s+colab-t4\s+cpu\s+off\s+(autoencoder|flow)\s+4\s+([\d.]+)\s+nan$', text, re.M)
    assert [s for s, _ in rows] == ['autoencoder', 'flow'], text
    assert all(float(v) > 0 for _, v in rows), text
    assert "preset 'paper'" in text or re.search(r'^\s+paper\s+cpu\s+off\s+flow', text, re.M), text
