"""Write README.md from nbs/index.ipynb (Quarto's `nbdev-readme` cannot run where Quarto is missing).

Usage: python tools/make_readme.py [--check]

Markdown cells are copied; visible code cells become ```python blocks followed by their saved
plain-text outputs (a figure becomes a line pointing to the documentation, which shows it); `#| hide`
cells are dropped; links to notebooks and pages of the docs site become
absolute links to the published documentation. `--check` exits 1 when README.md differs.
"""
import json, re, sys, tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, then run `make readme`. -->\n\n'

def _doc_url(root:Path) -> str:
    proj = tomllib.loads((root/'pyproject.toml').read_text())['project']
    return proj.get('urls', {}).get('Documentation', '').rstrip('/') + '/'

def _page(nb_name:str) -> str:
    "The published page of a notebook: nbdev drops the number prefix ('00_core.ipynb' -> 'core.html')."
    return re.sub(r'^\d+[a-z]?_', '', nb_name).removesuffix('.ipynb') + '.html'

def _links(md:str, doc_url:str) -> str:
    def fix(m):
        target = m.group(2)
        if re.match(r'^[a-z]+://|^#|^mailto:', target): return m.group(0)
        path, _, anchor = target.partition('#')
        if path.endswith('.ipynb'): path = _page(Path(path).name)
        return f"{m.group(1)}({doc_url}{path}{'#' + anchor if anchor else ''})"
    return re.sub(r'(\[[^\]]*\])\(([^)\s]+)\)', fix, md)

def _directives(src:str):
    lines = src.splitlines()
    return {l[3:].split(':')[0].strip() for l in lines if l.startswith('#|')}, [l for l in lines if not l.startswith('#|')]

def readme(root:Path=ROOT) -> str:
    nb = json.loads((root/'nbs'/'index.ipynb').read_text())
    doc_url, parts = _doc_url(root), []
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown': parts.append(_links(src, doc_url))
        elif c['cell_type'] == 'code':
            flags, lines = _directives(src)
            if 'hide' in flags or not '\n'.join(lines).strip(): continue
            block = '```python\n' + '\n'.join(lines).strip() + '\n```'
            figs = [o for o in c.get('outputs', []) if 'image/png' in o.get('data', {})]
            outs = [''.join(o.get('text') or o.get('data', {}).get('text/plain', ''))
                    for o in c.get('outputs', []) if o not in figs]
            outs = [o for o in outs if o.strip()]
            if outs: block += '\n\n```\n' + '\n'.join(o.rstrip('\n') for o in outs) + '\n```'
            if figs: block += f'\n\n*The figure is drawn on the [documentation home page]({doc_url}).*'
            parts.append(block)
    return HEADER + '\n\n'.join(p.strip('\n') for p in parts) + '\n'

if __name__ == '__main__':
    text, dst = readme(), ROOT/'README.md'
    if '--check' in sys.argv[1:]:
        ok = dst.exists() and dst.read_text() == text
        print('README.md is in sync with nbs/index.ipynb' if ok else 'README.md is out of date: run `make readme`')
        sys.exit(0 if ok else 1)
    dst.write_text(text)
    print(f'wrote {dst.relative_to(ROOT)} ({len(text.splitlines())} lines)')
