"""Downloads through `scbig.datasets.resolve`, against a local HTTP server on 127.0.0.1.

The server serves the real files of $SCBIG_DATA_DIR (the tests run with it set) under /data/, the same
files cut short (Content-Length of the whole file, then the connection closes) under /truncated/, and
404 for anything else. Each test gets its own cache folder and registry entry, whose relative path is
not under $SCBIG_DATA_DIR, so the resolver has to download.
"""
import os, socket, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import pytest
from scbig.core import DataError, DataNotFoundError
from scbig.datasets import DataFile, Dataset, file_sha256, load, resolve

DATA = Path(os.environ.get('SCBIG_DATA_DIR', '')).expanduser()
pytestmark = pytest.mark.skipif(not (DATA/'norman19_subset/devel.h5ad').is_file(), reason='needs $SCBIG_DATA_DIR with the real data')
DEVEL = 'norman19_subset/devel.h5ad'
DEVEL_SHA = '220998f5630c813228c8661c86dd52244b9ac87127511289af90e0d900d8429b'

class Handler(BaseHTTPRequestHandler):
    requests = []   # paths asked for, in order

    def do_GET(self):
        Handler.requests.append(self.path)
        kind, _, rel = self.path.lstrip('/').partition('/')
        p = DATA/rel
        if kind not in ('data', 'truncated') or not p.is_file():
            self.send_error(404, 'Not Found'); return
        body = p.read_bytes()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body if kind == 'data' else body[: len(body) // 2])   # truncated: the connection closes after half

    def log_message(self, *args): pass

@pytest.fixture(scope='module')
def server():
    srv = ThreadingHTTPServer(('127.0.0.1', 0), Handler)   # port 0: a free port
    t = threading.Thread(target=srv.serve_forever, daemon=True); t.start()
    yield f'http://127.0.0.1:{srv.server_address[1]}'
    srv.shutdown(); srv.server_close()

@pytest.fixture
def cache(tmp_path, monkeypatch):
    "An empty cache folder, also set as $SCBIG_CACHE; the request log starts empty."
    monkeypatch.setenv('SCBIG_CACHE', str(tmp_path/'cache'))
    Handler.requests.clear()
    return tmp_path/'cache'

def entry(url, sha256=DEVEL_SHA, size=None, path='downloads/devel.h5ad'):
    "A registry entry for one file at `url`, stored at `path` (not under $SCBIG_DATA_DIR)."
    assert not (DATA/path).exists()
    return Dataset('test_devel', (DataFile(path, url, sha256=sha256, size=size),), 'perturbench', 'BSD-3-Clause', 'test',
                   reader_kwargs={'dataset': 'norman19'})

def files_in(folder:Path) -> list:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob('*') if p.is_file()) if folder.exists() else []

def test_download_verify_cache(server, cache, capsys):
    ds = entry(f'{server}/data/{DEVEL}', size=(DATA/DEVEL).stat().st_size)
    [p] = resolve(ds)
    assert p == cache/'downloads/devel.h5ad' and file_sha256(p) == DEVEL_SHA
    err = capsys.readouterr().err
    assert 'devel.h5ad' in err and '100%' in err, err          # the progress bar
    assert files_in(cache) == ['downloads/devel.h5ad', 'sha256_verified.json']
    assert Handler.requests == [f'/data/{DEVEL}']
    assert resolve(ds) == [p] and load(ds, verbose=False).n_obs == 3375   # from the cache, no second download
    assert Handler.requests == [f'/data/{DEVEL}']

def test_explicit_cache_argument(server, tmp_path):
    "The cache folder can be passed instead of set in the environment."
    [p] = resolve(entry(f'{server}/data/{DEVEL}'), cache=tmp_path/'mine', progress=False)
    assert p == tmp_path/'mine/downloads/devel.h5ad' and p.is_file()

def test_checksum_mismatch(server, cache):
    with pytest.raises(DataError) as e: resolve(entry(f'{server}/data/{DEVEL}', sha256='0' * 64), progress=False)
    msg = str(e.value)
    assert f'downloaded from {server}/data/{DEVEL} has sha256 {DEVEL_SHA}, not the registered {"0" * 64}' in msg
    assert 'nothing was kept' in msg
    assert files_in(cache) == []                                  # neither the file nor a temp file

def test_http_404(server, cache):
    url = f'{server}/data/no/such/file.h5ad'
    with pytest.raises(DataNotFoundError) as e: resolve(entry(url), progress=False)
    msg = str(e.value)
    assert f'downloading {url} failed: HTTP 404' in msg and f'download {url} and put it at' in msg
    assert files_in(cache) == []

def test_connection_dropped(server, cache):
    url = f'{server}/truncated/{DEVEL}'
    with pytest.raises(DataNotFoundError) as e: resolve(entry(url), progress=False)
    n = (DATA/DEVEL).stat().st_size
    assert f'the download of {url} broke off after {n // 2:,} of {n:,} bytes' in str(e.value)
    assert files_in(cache) == []

def test_offline(cache):
    with socket.socket() as s:                                    # a port nobody listens on
        s.bind(('127.0.0.1', 0)); url = f'http://127.0.0.1:{s.getsockname()[1]}/devel.h5ad'
    with pytest.raises(DataNotFoundError) as e: resolve(entry(url), progress=False)
    msg = str(e.value)
    assert f'downloads/devel.h5ad (dataset \'test_devel\') is neither in $SCBIG_DATA_DIR ({DATA}/downloads/devel.h5ad)' in msg
    assert f'nor in the cache ({cache}/downloads/devel.h5ad)' in msg
    assert f'cannot reach {url}' in msg
    assert f'download {url} and put it at {DATA}/downloads/devel.h5ad or at {cache}/downloads/devel.h5ad' in msg
    assert files_in(cache) == []

def test_local_file_found_first(server, cache):
    "A file under $SCBIG_DATA_DIR is used (and verified) without any request."
    ds = Dataset('local', (DataFile(DEVEL, f'{server}/data/{DEVEL}', sha256=DEVEL_SHA),), 'perturbench', '', '')
    assert resolve(ds) == [DATA/DEVEL] and Handler.requests == []
