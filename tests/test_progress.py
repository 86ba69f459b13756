"""Progress bars under a test run: stderr is no terminal and no Jupyter kernel runs, so the auto rule turns
every bar off; $SCBIG_PROGRESS and `quiet` override it."""
import sys
from scbig.core import progress, progress_enabled

def test_bar_off_under_pytest(capsys, monkeypatch):
    monkeypatch.delenv('SCBIG_PROGRESS', raising=False)
    assert not sys.stderr.isatty()                      # capsys: pytest's captured stderr
    bar = progress(range(5), desc='x')
    assert bar.disable and list(bar) == list(range(5))
    assert capsys.readouterr().err == ''                 # nothing drawn

def test_env_and_quiet_override(capsys, monkeypatch):
    monkeypatch.setenv('SCBIG_PROGRESS', '1')
    assert progress_enabled() and not progress_enabled(quiet=True)
    list(progress(range(3), desc='shown'))
    assert 'shown: 100%' in capsys.readouterr().err
    monkeypatch.setenv('SCBIG_PROGRESS', '0')
    assert not progress_enabled(quiet=False)

def test_tty_turns_bars_on(monkeypatch):
    monkeypatch.delenv('SCBIG_PROGRESS', raising=False)
    monkeypatch.setattr(sys.stderr, 'isatty', lambda: True, raising=False)
    assert progress_enabled() and not progress_enabled(quiet=True)

# The bars of long work name what they count (shown here by forcing them on; stderr is pytest's).
import os
import numpy as np
import pytest

def test_grc_bar(capsys, monkeypatch):
    from scbig.grc import GRC
    monkeypatch.setenv('SCBIG_PROGRESS', '1')
    E = np.random.default_rng(0).normal(size=(60, 8))
    GRC(4, n_steps=3, n_init=1).fit(E)
    assert 'GRC: 100%' in capsys.readouterr().err
    GRC(4, n_steps=3, n_init=1).fit(E, quiet=True)
    assert capsys.readouterr().err == ''

@pytest.mark.skipif(not os.environ.get('SCBIG_DATA_DIR'), reason='needs the priors in $SCBIG_DATA_DIR')
def test_priors_bar(capsys, monkeypatch):
    from scbig.priors import gene_embeddings
    monkeypatch.setenv('SCBIG_PROGRESS', '1')
    gene_embeddings(['KLF1', 'SET'], dim=16)
    err = capsys.readouterr().err
    assert 'priors: 100%' in err and '2/2' in err, err
