"""Streamlit's AppTest, without its per-instance scan of every installed package.

`AppTest.run` discovers the installed custom components (Streamlit's components v2) once per AppTest: it reads the
metadata of every installed distribution (about 115 here), 0.4-0.7 s of CPU for each AppTest, more than a run of
most pages. The dashboards use no custom component, and the installed packages do not change during a test run:
`app_test` hands every AppTest of the process the one registry found by the first scan.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

_registry: list = []


def components():
    """The registry of installed custom components, scanned once per process (as `AppTest.run` scans it)."""
    if not _registry:
        from streamlit.components.v2.component_manager import BidiComponentManager

        manager = BidiComponentManager()
        manager.discover_and_register_components(start_file_watching=False)
        _registry.append(manager)
    return _registry[0]


def app_test(script: Path | str, default_timeout: float = 60) -> AppTest:
    """`AppTest.from_file(script)` sharing the process's component registry (a Streamlit without the attribute
    AppTest keeps it in scans as before)."""
    at = AppTest.from_file(str(script), default_timeout=default_timeout)
    if hasattr(at, "_bidi_component_manager"):
        at._bidi_component_manager = components()
    return at
