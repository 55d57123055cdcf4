"""Synthetic PARS exports (spec v1): seeded, calibrated to published figures, optionally defective.

`generate(out, scale, years, seed, defects)` writes one export directory; see core.generate.
"""

from .core import generate

__all__ = ["generate"]
