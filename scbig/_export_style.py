"""nbdev-export's `__all__` within 120 characters (pyproject.toml: `[tool.nbdev] export_procs`).

Not part of scbig's API and written by hand, not exported from a notebook: it only configures the exporter. nbdev 3
wraps the list of a module's exported names at 120 characters and then writes `__all__ = ` before the first line,
so that line can reach 130. Imported by nbdev-export (as the processor below), this module makes the wrapper leave
room for that prefix; the other lines are unchanged.
"""
import textwrap
import nbdev.maker

_PREFIX = len('__all__ = ')

class _AllWrapper(textwrap.TextWrapper):
    "nbdev's wrapper of `str(__all__)`, its first line shorter by the `__all__ = ` nbdev puts before it."
    def wrap(self, text):
        self.initial_indent = ' ' * _PREFIX
        lines = super().wrap(text)
        return [lines[0][_PREFIX:], *lines[1:]] if lines else lines

nbdev.maker.TextWrapper = _AllWrapper

def keep_all_within_120(cell):
    "The export processor nbdev-export imports (the wrapper is set on import); it leaves every cell as it is."
