"""The browser tests wait for what they assert (issue 15, item 5: a suite that does not flake).

A Playwright read such as `locator.count()`, `inner_text()` or `all_text_contents()` returns what the page shows at
that instant; asserted right after a click or a navigation it races the app's rerun (CI once read an empty list).
Assertions on the page go through `expect(locator)...`, which retries until it holds or times out; a list that has
no `expect` form is read in a loop until it holds (`wait_for`, `eventually`, `expect_text`).

Old code: 22 such reads were asserted at once in tests/dashboards and tests/security.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent
#: Locator reads that return at once (argument-free calls of these names).
INSTANT = {"count", "inner_text", "inner_html", "text_content", "all_text_contents", "all_inner_texts", "is_visible"}


def instant_reads_asserted(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Assert):
            continue
        for call in ast.walk(node.test):  # the asserted expression (a failure message may read what it likes)
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr in INSTANT
                and not call.args
                and not call.keywords
            ):
                found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}: .{call.func.attr}()")
    return found


def test_browser_tests_assert_through_expect_not_instant_reads():
    files = sorted((ROOT / "dashboards").glob("*.py")) + sorted((ROOT / "security").glob("*.py"))
    assert files
    found = [hit for path in files for hit in instant_reads_asserted(path)]
    assert found == [], "assert these with playwright's expect (it waits):\n" + "\n".join(found)
