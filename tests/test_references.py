"""No reference that a reader cannot follow: every document, page and section the project cites is in it.

The rule (also on the design page, 'References'). Scanned: the notebooks in `nbs/` (every cell's source, not
outputs), `scbig/*.py`, `README.md`, `bench/*.py`, `tools/*.py`, `pyproject.toml` and the `Makefile`.

(a) A **cited document** must be a file of the repository. A citation is an ALL-CAPS `*.md` name (`NOTES.md`), a
    path under a `docs/` folder ending in `.md`, or a `.md` name right after "see". Lower-case names such as
    `report.md`, which the code writes, are outputs, not citations, and are not checked. A section number (`§3.2`)
    cites a numbered document, which this project does not have: it is always dangling.
(b) A **relative markdown link** in a notebook's markdown or the README (`](path)`, `](path#anchor)`) must resolve,
    from the page it is on, to a repository file or to a page the site renders: `nbs/NN_name.ipynb` renders as
    `NN_name.html` and `name.html`, `nbs/dir/name.ipynb` as `dir/name.html`. Links to the published site
    (`https://scbig-dev.github.io/scbig/...`) are checked the same way, wherever they appear.
(c) An **anchor** into an explanation page (`explanation/*.html#id`) must be the id of one of its headings: the
    heading's own `{#id}`, else the id Pandoc derives from its text (`pandoc_id`). A section named in prose or a
    docstring ("method page, 'Flow loss'", also "design page" and "metric definitions page") must be the text of a
    heading of that page.
"""
import json, re
from pathlib import Path
import pytest
from conftest import ROOT

SITE = 'https://scbig-dev.github.io/scbig/'
PAGES = {'method': 'explanation/method.ipynb', 'design': 'explanation/design.ipynb',
         'metric definitions': 'explanation/metric_definitions.ipynb'}
SKIP_DIRS = {'.git', '.venv', '_docs', '_proc', '__pycache__', '.ipynb_checkpoints', 'node_modules'}

# ------------------------------------------------------------------------------------------------ headings

def pandoc_id(text:str) -> str:
    "A heading's id by Pandoc's rules, as Quarto makes it: lower case, no punctuation, '-' for spaces."
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', text)          # a link counts by its text
    kept = ''.join(c.lower() for c in text if c.isalnum() or c.isspace() or c in '_-.')
    out = '-'.join(kept.split())
    i = next((i for i, c in enumerate(out) if c.isalpha()), len(out))   # from the first letter
    return out[i:] or 'section'

HEADING = re.compile(r'^(#{1,6})\s+(.*?)\s*(?:\{#([\w.:-]+)[^}]*\})?\s*$')

def headings(nb:Path) -> dict:
    "{id: heading text} of a notebook's markdown headings, code fences skipped."
    res = {}
    for cell in json.loads(nb.read_text(encoding='utf-8'))['cells']:
        if cell['cell_type'] != 'markdown': continue
        fence = False
        for line in ''.join(cell['source']).splitlines():
            if line.lstrip().startswith('```'): fence = not fence
            m = None if fence else HEADING.match(line)
            if m:
                text = re.sub(r'[*`]', '', m.group(2))
                res.setdefault(m.group(3) or pandoc_id(text), text)
    return res

# ------------------------------------------------------------------------------------------------ the project

def repo_files(root:Path=ROOT) -> set:
    "Every file of the repository as a posix path relative to root (build outputs and environments left out)."
    out = set()
    for p in root.rglob('*'):
        rel = p.relative_to(root)
        if p.is_file() and not SKIP_DIRS & set(rel.parts): out.add(rel.as_posix())
    return out

def rendered_pages(files:set) -> set:
    "The pages the site renders, as paths relative to nbs/: each notebook's .html, and nbdev's name without the number."
    pages = set()
    for f in files:
        if f.startswith('nbs/') and f.endswith('.ipynb'):
            rel = Path(f[4:]).with_suffix('.html')
            pages |= {rel.as_posix(), (rel.parent/re.sub(r'^\d+_', '', rel.name)).as_posix()}
    return pages

def sources(root:Path=ROOT):
    "(path, kind, text) for everything scanned; kind is 'markdown' (links are markdown) or 'code'."
    for nb in sorted((root/'nbs').rglob('*.ipynb')):
        if SKIP_DIRS & set(nb.relative_to(root).parts): continue
        for cell in json.loads(nb.read_text(encoding='utf-8'))['cells']:
            yield nb, ('markdown' if cell['cell_type'] == 'markdown' else 'code'), ''.join(cell['source'])
    yield root/'README.md', 'markdown', (root/'README.md').read_text(encoding='utf-8')
    for pat in ('scbig/*.py', 'bench/*.py', 'tools/*.py', 'pyproject.toml', 'Makefile'):
        for p in sorted(root.glob(pat)): yield p, 'code', p.read_text(encoding='utf-8')

# ------------------------------------------------------------------------------------------------ the checks

CITED = [re.compile(r'(?<![\w./-])([A-Z][A-Z0-9_-]*\.md)\b'),                    # NOTES.md, METHOD.md
         re.compile(r'(?<![\w.-])((?:[\w.-]+/)*docs/[\w./-]*\.md)\b'),          # docs/X.md, ../docs/a/b.md
         re.compile(r'\bsee\s+(?:the\s+)?`?([\w./-]+\.md)\b', re.I)]            # see notes.md
SECTION_SIGN = re.compile(r'§\s?\d')
LINK = re.compile(r'\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
PUBLISHED = re.compile(re.escape(SITE) + r'([\w./-]*)(?:#([\w.:-]+))?')
NAMED = re.compile(r"\b(method|design|metric definitions) page,?\s*\(?'([^']+)'")

def strip_code(md:str) -> str:
    "Markdown without its code blocks and inline code spans."
    md = re.sub(r'^```.*?^```', '', md, flags=re.S | re.M)
    return re.sub(r'(`+)(?!`).*?(?<!`)\1(?!`)', '', md, flags=re.S)

class Checker:
    "Finds dangling references in texts of the project rooted at `root`."
    def __init__(self, root:Path=ROOT):
        self.root, self.files = root, repo_files(root)
        self.pages = rendered_pages(self.files)
        self.anchors = {Path(nb).with_suffix('.html').as_posix(): headings(root/'nbs'/nb) for nb in PAGES.values()
                        if (root/'nbs'/nb).exists()}
        self.checked = dict(cited=0, links=0, anchors=0, named=0)

    def exists(self, cited:str) -> bool:
        cited = cited.lstrip('./')
        return any(f == cited or f.endswith('/' + cited) for f in self.files)

    def page(self, target:str, base:str) -> tuple:
        "Resolve `target` (relative to the nbs/ folder `base`) to (page relative to nbs/, is it rendered)."
        parts = []
        for part in (Path(base)/target).as_posix().split('/'):
            if part == '..': parts = parts[:-1]
            elif part not in ('', '.'): parts.append(part)
        rel = '/'.join(parts)
        if rel.endswith('.ipynb'): rel = rel[:-len('.ipynb')] + '.html'
        if rel.endswith('.html.md'): rel = rel[:-len('.md')]     # the page's markdown twin, which nbdev 3 publishes
        return rel, rel in self.pages

    def anchor(self, page:str, anchor:str|None, where:str) -> list:
        if page not in self.anchors or not anchor: return []
        self.checked['anchors'] += 1
        return [] if anchor in self.anchors[page] else [f"{where}: #{anchor} is not a heading of {page}"]

    def check(self, path:Path, kind:str, text:str) -> list:
        "Every dangling reference in one text, as messages."
        rel = path.relative_to(self.root).as_posix() if path.is_absolute() else str(path)
        bad = []
        for pat in CITED:
            for m in pat.finditer(text):
                self.checked['cited'] += 1
                if not self.exists(m.group(1)): bad.append(f"{rel}: cites {m.group(1)}, which is not in the repository")
        for m in SECTION_SIGN.finditer(text):
            sec = text[m.start():m.end() + 6].split()[0]
            bad.append(f"{rel}: section number {sec!r} of a document outside the project")
        base = str(Path(rel).parent.relative_to('nbs')) if rel.startswith('nbs/') else None
        if kind == 'markdown': text = strip_code(text)   # `[x](y)` and "page, '...'" in code are examples, not links
        if kind == 'markdown':
            for m in LINK.finditer(text):
                target = m.group(1)
                if re.match(r'^[a-z][\w+.-]*:', target) or target.startswith('#'):
                    if target.startswith('#') and base is not None:
                        own = (Path(base)/Path(rel).name).with_suffix('.html').as_posix()
                        bad += self.anchor(own, target[1:], rel)
                    continue
                self.checked['links'] += 1
                file, _, anchor = target.partition('#')
                from_dir = (self.root/rel).parent.relative_to(self.root)
                if self.exists_at(from_dir, file): continue
                if base is None: bad.append(f"{rel}: link to {target}, not a file of the repository"); continue
                page, ok = self.page(file, base)
                if not ok: bad.append(f"{rel}: link to {target}, neither a repository file nor a page of the site")
                else: bad += self.anchor(page, anchor, rel)
        for m in PUBLISHED.finditer(text):
            self.checked['links'] += 1
            page, ok = self.page(m.group(1) or 'index.html', '.')
            if not ok: bad.append(f"{rel}: {m.group(0)} is not a page of the site")
            else: bad += self.anchor(page, m.group(2), rel)
        for m in NAMED.finditer(text):
            self.checked['named'] += 1
            page = Path(PAGES[m.group(1)]).with_suffix('.html').as_posix()
            if m.group(2).lower() not in {t.lower() for t in self.anchors.get(page, {}).values()}:
                bad.append(f"{rel}: \"{m.group(0)}\": no such heading on the {m.group(1)} page")
        return bad

    def exists_at(self, from_dir:Path, file:str) -> bool:
        parts = []
        for part in (from_dir/file).as_posix().split('/'):
            if part == '..': parts = parts[:-1]
            elif part not in ('', '.'): parts.append(part)
        return '/'.join(parts) in self.files

@pytest.fixture(scope='module')
def checker(): return Checker()

# ------------------------------------------------------------------------------------------------ tests

def test_pandoc_id():
    "Heading ids as Pandoc makes them."
    for text, slug in [('Flow loss', 'flow-loss'), ('Path, OT pairing and loss', 'path-ot-pairing-and-loss'),
                       ('Conventions for contributors', 'conventions-for-contributors'), ("What's new?", 'whats-new'),
                       ('`evaluate` and its result', 'evaluate-and-its-result'), ('1. Intro', 'intro'),
                       ('A.B_c-d  e', 'a.b_c-d-e'), ('See [the method](x.html)', 'see-the-method'), ('§ 3', 'section'),
                       ('Anchor, gain and target rule', 'anchor-gain-and-target-rule')]:
        assert pandoc_id(text) == slug, (text, pandoc_id(text), slug)

def test_headings(tmp_path):
    "A heading's own {#id} wins over the derived one; headings inside code fences do not count."
    nb = tmp_path/'p.ipynb'
    md = '# Title\n\n## Flow loss {#flow-loss}\n\n### Rank scores\n\n```\n# not a heading\n```'
    cells = [{'cell_type': 'markdown', 'source': md}, {'cell_type': 'code', 'source': '# x'}]
    nb.write_text(json.dumps({'cells': cells}))
    assert headings(nb) == {'title': 'Title', 'flow-loss': 'Flow loss', 'rank-scores': 'Rank scores'}

def test_explanation_pages_have_stable_ids():
    "The explanation pages exist, are in the sidebar, and set their own id on every section heading."
    sidebar = (ROOT/'nbs'/'sidebar.yml').read_text()
    for nb in PAGES.values():
        assert nb in sidebar, nb
        md = [l for c in json.loads((ROOT/'nbs'/nb).read_text())['cells'] if c['cell_type'] == 'markdown'
              for l in ''.join(c['source']).splitlines() if re.match(r'#{2,6}\s', l)]
        assert md and all(re.search(r'\{#[\w.:-]+\}\s*$', l) for l in md), [l for l in md if '{#' not in l]

def test_checker_catches_planted_references(checker):
    "The checker is not vacuous: each kind of dangling reference is caught, and what is fine is not."
    nb = ROOT/'nbs'/'08_model.ipynb'
    planted = {'cited': ('code', 'a comment: see NOTES.md for why'), 'caps': ('code', '"the loss (METHOD.md)"'),
               'docs': ('markdown', 'as in docs/architecture.md'), 'section': ('code', '"(§5.4)"'),
               'link': ('markdown', 'the [flow](06_flow_old.ipynb) page'), 'html': ('markdown', '[x](nowhere.html)'),
               'anchor': ('markdown', '[m](explanation/method.html#no-such-section)'),
               'own anchor': ('markdown', '[above](#no-such-heading)'),
               'named': ('code', "\"(method page, 'No such section')\""),
               'url': ('code', f'# {SITE}explanation/method.html#nope'), 'url page': ('code', f'# {SITE}nope.html')}
    for name, (kind, text) in planted.items():
        where = ROOT/'nbs'/'explanation'/'method.ipynb' if name == 'own anchor' else nb
        assert checker.check(where, kind, text), f"planted {name} reference not caught: {text}"
    fine = [('code', 'writes `report.md`, `summary.csv` and run.json'), ('markdown', 'see the [README](../README.md)'),
            ('markdown', '[m](explanation/method.html#flow-loss), [core](00_core.ipynb#any) and [c](core.html)'),
            ('markdown', '[q](tutorials/quickstart.ipynb), [b](https://example.org/a.md)'),
            ('code', "(method page, 'Flow loss'); (metric definitions page, 'Rank scores'); (design page, 'Errors')"),
            ('code', f'# {SITE}explanation/metric_definitions.html#ceiling')]
    for kind, text in fine: assert checker.check(nb, kind, text) == [], text
    tut = ROOT/'nbs'/'tutorials'/'quickstart.ipynb'
    assert checker.check(tut, 'markdown', '[m](../explanation/method.html#flow)') == []
    assert checker.check(tut, 'markdown', '[m](explanation/method.html#flow)')   # relative to the page

def test_no_dangling_references(checker):
    "Nothing in the project cites a file, page or section that is not there."
    bad = [msg for src in sources() for msg in checker.check(*src)]
    assert not bad, '\n'.join(bad)

def test_scan_is_not_vacuous(checker):
    "The scan reads the notebooks and the package and finds the references into the explanation pages."
    srcs = list(sources())
    assert len({p for p, _, _ in srcs}) > 30
    for src in srcs: checker.check(*src)
    n = checker.checked
    assert n['links'] >= 30 and n['anchors'] >= 30 and n['named'] >= 20, n

def test_every_metric_is_defined():
    "The metric definitions page defines every metric of every profile, by its name."
    from scbig.metrics import PROFILES
    md = ''.join(''.join(c['source']) for c in json.loads((ROOT/'nbs'/PAGES['metric definitions']).read_text())['cells']
                 if c['cell_type'] == 'markdown')
    missing = sorted({m for p in PROFILES.values() for m in p['metrics'] if f'`{m}`' not in md})
    assert not missing, missing
    assert all(f'### {name}' in md for name in PROFILES), 'a profile without its own section'
