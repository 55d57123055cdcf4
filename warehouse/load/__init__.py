"""The loader: validate a PARS export and append it to the warehouse's raw layer (docs/loading.md)."""

from .errors import LoadError
from .loader import load_export
from .results import FileSummary, LoadResult

__all__ = ["FileSummary", "LoadError", "LoadResult", "load_export"]
