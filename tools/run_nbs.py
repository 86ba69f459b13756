"""Execute notebooks and save their outputs, so the docs site (which runs no code) shows them.

Usage: python tools/run_nbs.py [NOTEBOOK ...]   (default: every notebook in nbs/)

Runs each notebook top to bottom in its own folder, at full budgets (IN_TEST unset), with progress bars
off (SCBIG_PROGRESS=0: a bar saved in a page's output is noise), skipping cells
flagged with `tst_flags` (slow, cuda, notest) unless `--flags slow` forces them, then runs
`nbdev-clean` on them. A notebook that fails is left unchanged and the script exits 1.
"""
import argparse, os, subprocess, sys, time
from pathlib import Path
from execnb.shell import CaptureShell
from fastcore.nbio import read_nb, write_nb
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.test import _skip_cell

def run_nb(fn:Path, skip_flags, force_flags) -> bool:
    "Execute `fn` and write its outputs back; False (file untouched) when a cell fails."
    nb = read_nb(fn)
    from nbdev.process import NBProcessor
    proc = NBProcessor(fn, rm_directives=False, process=True).nb
    skip = _skip_cell(proc, skip_flags, force_flags)
    skipped = {c.id for c in proc.cells if skip(c)}
    os.environ.pop('IN_TEST', None)
    os.environ['SCBIG_PROGRESS'] = '0'
    shell = CaptureShell(fn)
    cwd = os.getcwd(); os.chdir(fn.parent)
    try: shell.run_all(nb, exc_stop=True, preproc=lambda c: c.cell_type != 'code' or c.id in skipped)
    except Exception:
        sys.stderr.write(shell.prettytb(fname=fn) + '\n'); return False
    finally: os.chdir(cwd)
    write_nb(nb, fn)
    return True

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', type=Path)
    ap.add_argument('--flags', default='', help='space-separated flags to run anyway (e.g. "slow")')
    a = ap.parse_args()
    cfg = get_config()
    nbs = [p.resolve() for p in a.notebooks] or sorted(nbglob(cfg.nbs_path, as_path=True))
    ok = True
    for fn in nbs:
        t = time.time()
        res = run_nb(fn, cfg.tst_flags.split(), a.flags.split())
        print(f"{'ok  ' if res else 'FAIL'} {fn.relative_to(cfg.config_path)} ({time.time() - t:.1f} s)")
        ok &= res
    for fn in nbs: subprocess.run([Path(sys.executable).parent/'nbdev-clean', '--fname', str(fn)], check=True, cwd=cfg.config_path)
    sys.exit(0 if ok else 1)

if __name__ == '__main__': main()
