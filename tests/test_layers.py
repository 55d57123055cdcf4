"""Layers and SQL hygiene read from the files themselves: the Python of the dashboards and reports names only
marts, and no SQL file holds a `//` or `#` that sqlfmt would read as a comment."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The schemas a consumer may read: the marts (research feeds only anonymize/, so it is not among them).
MART_SCHEMAS = frozenset({"core", "annual_report", "moc", "rems", "review", "ops"})
# The warehouse's other schemas: loaded tables, dbt's staging and intermediate views, seeds (main), build state.
OTHER_SCHEMAS = ("raw", "staging", "intermediate", "main", "meta", "research")
# The one exception: the methods appendix dates the build from meta.build_watermarks. No mart can hold the build's
# own date: two builds of the same data give identical marts (tests/test_build_replay.py).
BUILD_STATE = frozenset({"meta.build_watermarks"})
OUTSIDE = re.compile(rf"\b(?:{'|'.join(OTHER_SCHEMAS)})\.[a-z_][a-z0-9_]*\b|\b(?:stg|int)_[a-z0-9_]+__[a-z0-9_]+\b")


def consumer_strings(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module (f-string parts included), without docstrings: the SQL it can send."""
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    strings = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]
    return [(node.lineno, node.value) for node in sorted(strings, key=lambda n: (n.lineno, n.col_offset))]


# In SQL text (a string with `select`): the relation after each FROM or JOIN (not a table function).
SQL_TEXT = re.compile(r"\bselect\b", re.IGNORECASE)
READ = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)\b(?!\s*\()", re.IGNORECASE)


def outside_marts(text: str) -> list[str]:
    """The relations `text` names outside the marts: any staging/raw/meta/main/intermediate/research name, and in
    SQL any FROM/JOIN whose relation is not qualified by a mart schema (an unqualified seed resolves to main)."""
    named = OUTSIDE.findall(text)
    if SQL_TEXT.search(text):
        named += [
            r
            for r in READ.findall(text)
            if r.split(".")[0] not in MART_SCHEMAS | {"information_schema"} or "." not in r
        ]
    return [r for r in dict.fromkeys(named) if r not in BUILD_STATE]


def relations_outside_marts(path: Path) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line}: {r}" for line, text in consumer_strings(path) for r in outside_marts(text)
    ]


def test_the_scan_sees_relations_outside_the_marts(tmp_path):
    planted = tmp_path / "page.py"
    planted.write_text(
        '"""Reads raw.load_history (a docstring: not SQL)."""\n'
        'A = "select * from staging.stg_pars__load_history"\n'
        'B = f"select * from {x} join main.organization_types using (y)"\n'
        'C = "select * from int_review__completeness_problems"\n'
        'D = "select * from ops.load_history join core.dim_providers using (provider_id)"\n'
        'E = "select o.* from annual_report.enterprise_size e join organization_types o on true"\n'
        'F = "select * from read_parquet(?) where x in (select y from review.current_term)"\n'
        'G = "Read the password from the first line"\n'
    )
    found = [r for _, text in consumer_strings(planted) for r in outside_marts(text)]
    assert found == [
        "staging.stg_pars__load_history",
        "main.organization_types",
        "int_review__completeness_problems",
        "organization_types",
    ]


CONSUMERS = sorted(p for d in ("dashboards", "reports") for p in (ROOT / d).rglob("*.py"))


def test_dashboards_and_reports_read_only_marts():
    """Every relation a dashboard or report names is in a mart schema (core, annual_report, moc, rems, review,
    ops); staging and intermediate views, raw and meta tables, seeds (main) and research marts are not read
    (but for the build's date, BUILD_STATE)."""
    assert len(CONSUMERS) > 10
    outside = [hit for path in CONSUMERS for hit in relations_outside_marts(path)]
    assert outside == [], "relations outside the marts:\n" + "\n".join(outside)


# sqlfmt lexes quoted strings, quoted names and comments; whatever remains is code, where `//` (DuckDB's integer
# division) and `#` start a comment for sqlfmt: it once turned `x // 12` into `x -- 12`.
JINJA_COMMENT = re.compile(r"{#.*?#}", re.DOTALL)
NOT_CODE = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)


def comment_markers(sql: str) -> list[str]:
    """The lines of `sql` whose code (outside Jinja comments, strings, quoted names and SQL comments) holds `//`
    or `#`."""
    code = NOT_CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), JINJA_COMMENT.sub(" ", sql))
    return [line.strip() for line in code.splitlines() if "//" in line or "#" in line]


def test_the_scan_sees_comment_markers_in_code():
    sql = (
        "{#- a Jinja comment with # and // -#}\n"
        "select x // 12 as years,\n"
        "  '#1 // not code' as label, -- a comment with # and //\n"
        "  y # z\n"
        "from t\n"
    )
    assert comment_markers(sql) == ["select x // 12 as years,", "y # z"]


SQL_FILES = sorted(p for d in ("models", "macros", "data-tests") for p in (ROOT / d).rglob("*.sql"))


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_sql_has_no_slash_slash_or_hash_in_code(path):
    assert comment_markers(path.read_text()) == [], "use divide(a, b) for integer division; comments are -- or {# #}"
