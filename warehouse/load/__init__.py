"""The loader: validate a PARS export and append it to the warehouse's raw layer (docs/loading.md)."""

from .errors import LoadError
from .loader import FileSummary, LoadResult, load_export

__all__ = ["FileSummary", "LoadError", "LoadResult", "load_export"]
