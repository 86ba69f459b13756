"""Render the documentation site offline into _docs/ (Quarto cannot be installed on every machine).

Usage: python tools/render_docs.py [--screenshots DIR]

1. `nbdev-proc-nbs` (nbdev's own docs processing: show_doc, frontmatter, directives) writes _proc/;
   Quarto's installer is skipped, since smalldocs renders instead.
2. `smalldocs render _proc` reads the same nbs/_quarto.yml and writes the HTML site.
3. The site moves to _docs/; each page also gets the name Quarto gives it (nbdev's `output-file`,
   e.g. core.html for 00_core.ipynb) as a redirect, so links written for the published site work.
With --screenshots, headless Chromium photographs the home page and every reference page.
"""
import argparse, http.server, json, os, shutil, socketserver, subprocess, sys, threading
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
                  '--no-first-run', '--disable-component-update', '--disable-sync', '--hide-scrollbars']

def proc_nbs(root:Path=ROOT) -> Path:
    "Run nbdev's docs processing into root/_proc (without installing Quarto); return that folder."
    import nbdev.quarto
    os.chdir(root)
    with mock.patch.object(nbdev.quarto, '_ensure_quarto', lambda: None):
        nbdev.quarto.nbdev_proc_nbs.__wrapped__(file_re=r'\.(?:ipynb|qmd|html)$')
    return root/'_proc'

def _output_files(proc:Path) -> dict:
    "{'00_core.html': 'core.html', 'tutorials/a.html': 'tutorials/a.html', ...} from the `output-file` that nbdev writes into each processed notebook."
    res = {}
    for nb in proc.glob('**/*.ipynb'):
        cells = json.loads(nb.read_text())['cells']
        fm = ''.join(cells[0]['source']) if cells and cells[0]['cell_type'] == 'raw' else ''
        for line in fm.splitlines():
            if line.startswith('output-file:'):
                page = nb.relative_to(proc).with_suffix('.html')   # Quarto's output-file is relative to its folder
                res[str(page)] = str(page.parent/line.split(':', 1)[1].strip())
    return res

def redirect_html(page:str, alias:str) -> str:
    "A page at `alias` (relative to the site root) that sends the reader to `page`; the link is relative to the alias."
    target = os.path.relpath(page, os.path.dirname(alias) or '.')
    if os.path.normpath(os.path.join(os.path.dirname(alias), target)) == os.path.normpath(alias):
        raise ValueError(f"redirect {alias} -> {page} would point at itself")
    return (f'<!doctype html><meta http-equiv="refresh" content="0; url={target}">'
            f'<link rel="canonical" href="{target}"><title>Redirect</title>')

def render(root:Path=ROOT) -> Path:
    "Render the whole site into root/_docs and return it."
    proc = proc_nbs(root)
    smalldocs = Path(sys.executable).parent/'smalldocs'
    subprocess.run([str(smalldocs), 'render', '--quiet', str(proc)], check=True)
    docs = root/'_docs'
    shutil.rmtree(docs, ignore_errors=True)
    shutil.move(str(proc/'_docs'), str(docs))
    for page, alias in _output_files(proc).items():
        if alias != page and not (docs/alias).exists():
            (docs/alias).write_text(redirect_html(page, alias))
    return docs

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

def screenshot(docs:Path, pages, out:Path, width:int=1280, height:int=1600) -> list:
    "Serve `docs` on 127.0.0.1 and take a headless-Chromium PNG of each page; return the PNG paths."
    chromium = shutil.which('chromium') or shutil.which('chromium-browser')
    if chromium is None: raise FileNotFoundError('chromium is not installed: apt-get install chromium')
    out.mkdir(parents=True, exist_ok=True)
    handler = lambda *a, **k: _Quiet(*a, directory=str(docs), **k)
    with socketserver.TCPServer(('127.0.0.1', 0), handler) as srv:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        port, pngs = srv.server_address[1], []
        for page in pages:
            png = out/(Path(page).stem + '.png')
            profile = out/f'.profile-{png.stem}'
            subprocess.run([chromium, *CHROMIUM_FLAGS, f'--user-data-dir={profile}', f'--window-size={width},{height}',
                            f'--screenshot={png}', f'http://127.0.0.1:{port}/{page}'],
                           check=True, timeout=120, capture_output=True)
            shutil.rmtree(profile, ignore_errors=True)
            pngs.append(png)
        srv.shutdown()
    return pngs

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--screenshots', type=Path, help='folder for PNG screenshots of the home page and reference pages')
    a = ap.parse_args()
    docs = render()
    pages = sorted(p.relative_to(docs).as_posix() for p in docs.glob('**/*.html') if p.stat().st_size > 1000)
    print(f'rendered {len(pages)} pages into {docs.relative_to(ROOT)}/: {", ".join(pages)}')
    if a.screenshots:
        for png in screenshot(docs, pages, a.screenshots): print(f'screenshot {png} ({png.stat().st_size:,} bytes)')
