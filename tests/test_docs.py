"""The documentation site renders offline (nbdev-proc-nbs + smalldocs), has a page per notebook with
its title and API entries and no error output, and looks right in headless Chromium.

Screenshots are kept in _screenshots/ (ignored by git) so a person can look at them.
"""
import html, json, os, re, shutil, struct
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from conftest import ROOT, built_once, copy_project

CFG = get_config(ROOT)
NOTEBOOKS = sorted(nbglob(CFG.nbs_path, as_path=True))

@pytest.fixture(scope='session')
def site(tmp_path_factory):
    "Render the site once from a copy of the project (the checkout's _proc/ and _docs/ are left alone)."
    from render_docs import render
    def build(d):
        cwd = os.getcwd()
        try: render(copy_project(d))
        finally: os.chdir(cwd)
    return built_once(tmp_path_factory, 'site', build)/'_docs'

def _title(nb:Path) -> str:
    md = next(c for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown')
    return re.match(r'#\s+(.+)', ''.join(md['source'])).group(1).strip()

def _module(nb:Path):
    src = '\n'.join(''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code')
    m = re.search(r'^#\|\s*default_exp\s+(\S+)', src, re.M)
    return m.group(1) if m else None

def _page(site:Path, nb:Path) -> str:
    return (site/nb.relative_to(CFG.nbs_path).with_suffix('.html')).read_text()

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_page_per_notebook(site, nb):
    page = _page(site, nb)
    title = re.search(r'<title>(.*?)</title>', page, re.S).group(1)
    assert html.unescape(title).startswith(_title(nb)), (title, _title(nb))
    assert re.search(r'<h1[^>]*>\s*' + re.escape(_title(nb)), page), 'page heading'

@pytest.mark.parametrize('nb', [n for n in NOTEBOOKS if _module(n)], ids=lambda p: p.name)
def test_api_entries(site, nb):
    "Every public name of the exported module has its own entry (heading with an anchor) on the page."
    import importlib
    mod = importlib.import_module(f'scbig.{_module(nb)}')
    page = _page(site, nb)
    ids = set(re.findall(r'<h[2-4][^>]*\bid="([^"]+)"', page))
    documented = [n for n in mod.__all__ if callable(getattr(mod, n))]
    src = Path(mod.__file__).read_text()     # methods a module adds to a class with @patch (scbig.predict: SCBIG.predict)
    documented += [f'{c}.{n}' for n, c in re.findall(r'@patch\s*\ndef ([a-z]\w*)\(self:(\w+)', src)]
    missing = [n for n in documented if n.lower() not in {i.lower() for i in ids}]
    assert documented and not missing, f'no API entry for {missing}'

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_no_error_output(site, nb):
    page = _page(site, nb)
    for bad in ('Traceback (most recent call last)', 'cell-output-error', 'cell-output-stderr'):
        assert bad not in page, f'{nb.name}: rendered page shows {bad!r}'

def test_has_outputs_and_links(site):
    "Pages show the outputs saved in the notebooks, and Quarto-style page names resolve offline."
    core = (site/'00_core.html').read_text()
    assert core.count('cell-output') >= 10 and 'KLF1+MAP2K6' in core
    assert '00_core.html' in (site/'core.html').read_text()
    assert (site/'search.json').exists()

def _png_size(p:Path):
    w, h = struct.unpack('>II', p.read_bytes()[16:24]); return w, h

def test_screenshots(site):
    "Headless Chromium shows a readable home page and core page (not blank, full size)."
    if not (shutil.which('chromium') or shutil.which('chromium-browser')):
        if os.environ.get('CI'): pytest.fail('chromium is missing in CI: .ci/run installs Debian chromium')
        pytest.skip('chromium is not installed (apt-get install chromium)')
    import matplotlib.image as mpimg
    from render_docs import screenshot
    out = ROOT/'_screenshots'
    pngs = screenshot(site, ['index.html', '00_core.html'], out)
    for png in pngs:
        assert _png_size(png) == (1280, 1600), png
        img = mpimg.imread(png)[..., :3]
        ink = (img.mean(axis=-1) < 0.6).mean()        # share of dark (text) pixels
        assert 0.01 < ink < 0.5, f'{png.name}: {ink:.3f} of pixels are dark; the page looks blank or broken'
        print(f'{png}: {png.stat().st_size:,} bytes, {ink:.1%} dark pixels')

def test_redirects_lead_somewhere(site):
    "Every redirect page (a notebook's Quarto name, e.g. core.html) points at an existing page, never at itself."
    redirects = {p: re.search(r'url=([^"]+)"', p.read_text()).group(1) for p in site.glob('**/*.html')
                 if 'http-equiv="refresh"' in p.read_text()}
    assert any(p.name == 'core.html' for p in redirects), sorted(p.name for p in redirects)
    for page, target in redirects.items():
        dest = (page.parent/target).resolve()
        assert dest != page.resolve() and dest.is_file(), f'{page.relative_to(site)} -> {target}'

def test_redirect_html_never_points_at_itself():
    from render_docs import redirect_html
    assert 'url=tutorials/quickstart.html' in redirect_html('tutorials/quickstart.html', 'quickstart.html')
    assert 'url=00_core.html' in redirect_html('00_core.html', 'core.html')
    with pytest.raises(ValueError): redirect_html('tutorials/a.html', 'tutorials/a.html')
