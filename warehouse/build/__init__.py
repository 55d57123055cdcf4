"""Building the marts: dbt on a copy of the warehouse, published atomically (`pars build`, `pars docs`)."""

from .docs import generate_docs, serve
from .results import BuildResult, NodeFailure
from .runner import build
from .workcopy import BuildError

__all__ = ["BuildError", "BuildResult", "NodeFailure", "build", "generate_docs", "serve"]
