"""What a profile hands to the writer, and the checks every profile shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polars as pl
import yaml

from .profiles import ReleaseError

RESEARCH_MODELS = Path(__file__).resolve().parents[2] / "models" / "marts" / "research"
#: Column names that would carry money; ACCME never releases a provider's dollar amounts.
MONEY = re.compile(r"income|amount|fee|grant|donation|dollar|revenue|expense|_usd$")


@dataclass
class Content:
    tables: dict[str, pl.DataFrame]
    risk: dict
    columns: dict[str, dict[str, str]]
    #: input identifiers that must appear in no text cell: a set, or a polars Series for millions of them
    forbidden: set[str] | pl.Series = field(default_factory=set)
    #: hierarchies a profile builds from the data, by table and column (utility.py reads the policy's files itself)
    hierarchies: dict[str, dict] = field(default_factory=dict)


@cache
def research_descriptions() -> dict[str, str]:
    """Column descriptions of the research marts' .yml files (the dictionary starts from them)."""
    found: dict[str, str] = {}
    for path in sorted(RESEARCH_MODELS.glob("*.yml")):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            for column in model.get("columns", []):
                found.setdefault(column["name"], " ".join(str(column.get("description", "")).split()))
    return found


def describe_columns(table: str, names: list[str], overrides: dict[str, str]) -> dict[str, str]:
    known = research_descriptions()
    missing = [n for n in names if n not in overrides and n not in known]
    if missing:
        raise ReleaseError(f"table {table}: no data-dictionary description for column(s) {missing}")
    return {n: overrides.get(n) or known[n] for n in names}


def forbid_money(frame: pl.DataFrame) -> None:
    money = [c for c in frame.columns if MONEY.search(c)]
    if money:
        raise ReleaseError(f"column(s) {money} look like dollar amounts; a release never carries them")


def l_diversity(rows: pl.DataFrame, qis: list[str], sensitive: list[str]) -> dict[str, int]:
    """Distinct l of each sensitive attribute: the fewest distinct values in any class of the released QIs."""
    if not sensitive:
        return {}
    per_class = rows.group_by(qis).agg(pl.col(s).n_unique() for s in sensitive)
    return {s: int(per_class[s].min()) for s in sensitive}
