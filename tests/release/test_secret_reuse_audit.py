"""The register's audit of a reused secret runs in DuckDB under the release's cap (anonymize/release/secret_reuse.py)
and gives the verdict, and the message, of the polars code it replaced (kept here as the oracle: `polars_audit`,
the code of anonymize/release/register.py `secret_reuse_audit` before the change). Before, at 10x, a learners
release made with --reuse-secret beside a registered one peaked at 4,333 MiB in that audit (benchmarks/RESULTS-10x.md).

Column names come from register entries and are treated as hostile: checked against the file's columns and quoted,
never SQL; a register entry that names a column its data lacks stops the release with one line, nothing written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anonymize.release import register
from anonymize.release.pseudonyms import key_id
from warehouse.cli import main

# --- the oracle: secret_reuse_audit as it was (polars), reading the registered tables with Registered.table --------


def _polars_signatures(frame: pl.DataFrame, pseudonym: str, qis: list[str], column: str) -> pl.DataFrame:
    row = pl.concat_str([pl.col(q).cast(pl.Utf8).fill_null("\x00") for q in qis], separator="\x1f")
    return (
        frame.select(pl.col(pseudonym), row.alias("_row"))
        .unique()
        .group_by(pseudonym)
        .agg(pl.col("_row").sort().str.join("\x1e").alias(column))
    )


def polars_audit(candidate: register.Candidate, registered: list[register.Registered]) -> list[str]:
    reasons = []
    for table, link in candidate.linkable.items():
        same = [
            (r, t)
            for r in registered
            if r.entry["key_id"] == candidate.key_id
            for t, other in (r.entry.get("linkable") or {}).items()
            if other["pseudonym"] == link["pseudonym"] and other["prefix"] == link["prefix"]
        ]
        if not same:
            continue
        pseudonym, k = link["pseudonym"], int(link["k"])
        combined = _polars_signatures(candidate.tables[table], pseudonym, link["quasi_identifiers"], "_new")
        columns = ["_new"]
        for i, (release, name) in enumerate(same):
            other = release.entry["linkable"][name]
            column = f"_r{i}"
            combined = combined.join(
                _polars_signatures(release.table(name), pseudonym, other["quasi_identifiers"], column),
                on=pseudonym,
                how="full",
                coalesce=True,
            )
            columns.append(column)
        combined = combined.with_columns(pl.col(c).fill_null("absent") for c in columns)
        sizes = combined.group_by(columns).agg(pl.len().alias("_n"))
        joined = combined.join(sizes, on=columns, how="left")
        below = joined.filter(pl.col("_n") < k)
        if below.height:
            ids = ", ".join(r.entry["release_id"] for r, _ in same)
            reasons.append(
                f"secret {candidate.key_id} is reused: joined on {pseudonym!r} with {len(same)} registered "
                f"release(s) made with it ({ids}), {below.height:,} of {joined.height:,} {pseudonym}s fall in "
                f"combined classes smaller than k={k} (smallest {int(joined['_n'].min())}); make the release with a "
                f"new secret (a new --secret-file, without --reuse-secret)"
            )
    return reasons


# --- helpers -------------------------------------------------------------------------------------------------------

#: quasi-identifier columns of the generated releases; two names that would break SQL written around them
TEXT, QUOTED, HOSTILE, NUMBER = "board", 'credits"by year', "q'); drop table x; --", "completions"
SCHEMA = {"learner": pl.Utf8, TEXT: pl.Utf8, QUOTED: pl.Utf8, HOSTILE: pl.Utf8, NUMBER: pl.Int64}
QIS = [TEXT, QUOTED, HOSTILE, NUMBER]


def link(qis: list[str], k: int, prefix: str = "L-") -> dict:
    return {"learners": {"pseudonym": "learner", "prefix": prefix, "quasi_identifiers": qis, "k": k}}


def record(db: Path, n: int, key: str, frame: pl.DataFrame, linkable: dict) -> None:
    """Register `frame` as the learners table of release number `n` made with secret `key`."""
    entry = {"release_id": f"{n:012x}", "released_at": f"2026-01-01T00:00:{n:02d}.000000Z", "key_id": key}
    register.record(db, {**entry, "linkable": linkable}, {"learners": frame})


def candidate(frame: pl.DataFrame, qis: list[str], k: int, db: Path, key: str = "k1") -> register.Candidate:
    return register.Candidate("learners", [2022], key, True, {"learners": frame}, link(qis, k), db=db)


def both(cand: register.Candidate, db: Path) -> tuple[list[str], list[str]]:
    """The audit's reasons and the oracle's, over the same register."""
    entries = register.entries(db)
    return register.secret_reuse_audit(cand, entries), polars_audit(cand, entries)


# --- equivalence with the polars code on generated releases ---------------------------------------------------------


@st.composite
def tables(draw, pool: list[str | None]) -> pl.DataFrame:
    """Rows over a few pseudonyms (some with several rows, some rows repeated), values from tiny domains (so
    signatures repeat across pseudonyms) with nulls."""
    rows = draw(st.integers(0, 14))
    text = st.sampled_from(["a", "b", "*", None])
    return pl.DataFrame(
        {
            "learner": draw(st.lists(st.sampled_from(pool), min_size=rows, max_size=rows)),
            TEXT: draw(st.lists(text, min_size=rows, max_size=rows)),
            QUOTED: draw(st.lists(text, min_size=rows, max_size=rows)),
            HOSTILE: draw(st.lists(st.sampled_from(["x", None]), min_size=rows, max_size=rows)),
            NUMBER: draw(st.lists(st.sampled_from([1, 2, None]), min_size=rows, max_size=rows)),
        },
        schema=SCHEMA,
    )


@st.composite
def registers(draw):
    """A candidate and 1-3 registered releases: with the candidate's secret or another one, the same kind of
    pseudonym or another prefix, each with its own subset of the quasi-identifiers; pseudonyms absent on either
    side (a pool of 8, drawn per release), a null pseudonym now and then."""
    pool = [f"L-{i}" for i in range(8)] + draw(st.sampled_from([[], [None]]))
    qis = st.lists(st.sampled_from(QIS), min_size=1, max_size=4, unique=True)
    registered = [
        (
            draw(tables(pool)),
            draw(st.sampled_from(["k1", "k1", "k1", "k2"])),
            draw(st.sampled_from(["L-", "L-", "L-", "X-"])),
            draw(qis),
        )
        for _ in range(draw(st.integers(1, 3)))
    ]
    return draw(tables(pool)), draw(qis), draw(st.integers(1, 4)), registered


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=registers())
def test_the_verdict_and_message_are_the_polars_codes_on_generated_registers(case, tmp_path_factory):
    frame, qis, k, registered = case
    db = tmp_path_factory.mktemp("register") / "w.duckdb"
    for n, (table, key, prefix, its_qis) in enumerate(registered):
        record(db, n, key, table, link(its_qis, k, prefix))
    ours, oracle = both(candidate(frame, qis, k, db), db)
    assert ours == oracle


def test_a_refusal_counts_like_the_polars_code_with_two_registered_releases(tmp_path):
    """A fixed case with every kind of pseudonym: in all three, in two, in one only; duplicated rows."""
    db = tmp_path / "w.duckdb"
    people = [f"L-{i}" for i in range(30)]
    first = pl.DataFrame({"learner": people[:20], TEXT: ["a"] * 20, NUMBER: [1] * 20}, schema_overrides=SCHEMA)
    second = pl.DataFrame({"learner": people[10:] * 2, TEXT: ["b"] * 40, NUMBER: [2] * 40}, schema_overrides=SCHEMA)
    record(db, 1, "k1", first, link([TEXT, NUMBER], 6))
    record(db, 2, "k1", second, link([TEXT], 6))
    new = pl.DataFrame({"learner": people[5:25], TEXT: ["c"] * 20, NUMBER: [3] * 20}, schema_overrides=SCHEMA)
    ours, oracle = both(candidate(new, [TEXT, NUMBER], 6, db), db)
    # classes: 0-4 (first only) 5, 5-9 (first, new) 5, 10-19 (all) 10, 20-24 (second, new) 5, 25-29 (second) 5
    assert ours == oracle and len(ours) == 1
    assert "20 of 30 learners fall in combined classes smaller than k=6 (smallest 5)" in ours[0]
    assert "with 2 registered release(s) made with it (000000000001, 000000000002)" in ours[0]


# --- what the polars code got wrong: signatures as joined strings ----------------------------------------------------


def test_rows_that_only_look_alike_once_joined_into_one_string_are_different_rows(tmp_path):
    """Two learners whose rows differ ("x<US>y", "z") and ("x", "y<US>z"): the polars code joined each row into one
    string with the unit separator between values, the same string for both, so the class of two passed k=2;
    an attacker holding both releases sees two different rows, each alone. Likewise a null and a "\\x00"."""
    db = tmp_path / "w.duckdb"
    rows = {
        "learner": ["L-1", "L-2", "L-3", "L-4"],
        TEXT: ["x\x1fy", "x", None, "\x00"],
        QUOTED: ["z", "y\x1fz", "", ""],
    }
    frame = pl.DataFrame(rows, schema_overrides=SCHEMA)
    record(db, 1, "k1", frame, link([TEXT, QUOTED], 2))
    ours = register.secret_reuse_audit(candidate(frame, [TEXT, QUOTED], 2, db), register.entries(db))
    assert len(ours) == 1 and "4 of 4 learners fall in combined classes smaller than k=2 (smallest 1)" in ours[0]


def test_a_learner_absent_from_a_release_is_not_one_whose_value_reads_absent(tmp_path):
    """The polars code wrote "absent" for a learner missing from a registered release: with one quasi-identifier, a
    learner released there with the value "absent" joined the class of those missing from it."""
    db = tmp_path / "w.duckdb"
    record(db, 1, "k1", pl.DataFrame({"learner": ["L-2"], TEXT: ["absent"]}), link([TEXT], 2))
    new = pl.DataFrame({"learner": ["L-1", "L-2"], TEXT: ["a", "a"]})
    ours = register.secret_reuse_audit(candidate(new, [TEXT], 2, db), register.entries(db))
    assert len(ours) == 1 and "2 of 2 learners fall in combined classes smaller than k=2 (smallest 1)" in ours[0]


# --- hostile names and paths ----------------------------------------------------------------------------------------


def test_a_column_name_from_a_register_entry_never_becomes_sql(tmp_path):
    """A register entry naming a quasi-identifier that would close the query and write a file if it were pasted into
    SQL: when the registered file has no such column, the audit refuses (RegisterError, one line); when the file has
    a column of exactly that name, it is read as that column and the verdict is the polars code's."""
    db, planted = tmp_path / "w.duckdb", tmp_path / "planted.csv"
    hostile = f"board\" from v1); copy (select 42 as x) to '{planted}'; select (\"board"
    frame = pl.DataFrame({"learner": [f"L-{i}" for i in range(4)], TEXT: ["a", "a", "b", "b"]})
    record(db, 1, "k1", frame, link([TEXT, hostile], 2))
    with pytest.raises(register.RegisterError, match="has no column") as refused:
        register.secret_reuse_audit(candidate(frame, [TEXT], 2, db), register.entries(db))
    assert "\n" not in str(refused.value) and "release register" in str(refused.value)
    assert not planted.exists()

    db2 = tmp_path / "second" / "w.duckdb"
    db2.parent.mkdir()
    named = frame.with_columns(pl.Series(hostile, ["1", "2", "3", "3"]))
    record(db2, 1, "k1", named, link([TEXT, hostile], 2))
    ours, oracle = both(candidate(frame, [TEXT], 2, db2), db2)
    assert ours == oracle and "2 of 4 learners" in ours[0] and not planted.exists()


def test_a_register_entry_naming_a_table_outside_its_folder_is_refused(tmp_path):
    db = tmp_path / "w.duckdb"
    frame = pl.DataFrame({"learner": ["L-1"], TEXT: ["a"]})
    record(db, 1, "k1", frame, {"../../../escape": link([TEXT], 2)["learners"]})
    with pytest.raises(register.RegisterError, match="names a table"):
        register.secret_reuse_audit(candidate(frame, [TEXT], 2, db), register.entries(db))


def test_a_warehouse_folder_with_pattern_characters_is_read_as_named_not_as_a_pattern(tmp_path):
    """DuckDB reads `w[1]/...` as a pattern matching `w1/...`: the registered file is read as named. A decoy register
    in `w1` with one learner more in the same class would make k=2 hold; the real one has that learner alone."""
    frame = pl.DataFrame({"learner": ["L-1", "L-2", "L-3"], TEXT: ["a", "a", "b"]})
    decoy = pl.DataFrame({"learner": ["L-1", "L-2", "L-3", "L-4"], TEXT: ["a", "a", "b", "b"]})
    real, fake = tmp_path / "w[1]" / "w.duckdb", tmp_path / "w1" / "w.duckdb"
    for db, table in ((real, frame), (fake, decoy)):
        db.parent.mkdir()
        record(db, 1, "k1", table, link([TEXT], 2))
    ours, oracle = both(candidate(frame, [TEXT], 2, real), real)
    assert len(ours) == 1 and "1 of 3 learners fall in combined classes smaller than k=2 (smallest 1)" in ours[0]


# --- through `pars release` -----------------------------------------------------------------------------------------


def test_a_register_entry_naming_a_column_its_data_lacks_stops_the_release_in_one_line(built_warehouse, tmp_path):
    """A learners release with --reuse-secret beside a registered one (crafted: its entry names a quasi-identifier
    that would be SQL if pasted) stops before anything is written, exit 1, one line, no traceback."""
    db = tmp_path / "w" / "warehouse.duckdb"
    db.parent.mkdir()
    shutil.copy(built_warehouse, db)
    secret = tmp_path / "secrets" / "learners.key"
    secret.parent.mkdir()
    secret.write_text("ab" * 32 + "\n")
    secret.chmod(0o600)
    planted = tmp_path / "planted.csv"
    hostile = f"board\" from v1); copy (select 1 as x) to '{planted}'; select (\"board"
    frame = pl.DataFrame({"learner": ["L-0000000000000001"], "board": ["*"]})
    record(db, 1, key_id(bytes.fromhex("ab" * 32)), frame, link(["board", hostile], 11))
    before = sorted(p.name for p in register.register_dir(db).iterdir())
    out = tmp_path / "second"
    result = CliRunner().invoke(
        main,
        ["release", "learners", "--db", str(db), "--out", str(out), "--secret-file", str(secret), "--reuse-secret"],
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, pl.exceptions.PolarsError)
    message = result.output.strip().splitlines()[-1]
    assert message.startswith("Error: release register") and "has no column" in message
    assert message.endswith("nothing was written")
    assert not out.exists() and not planted.exists()
    assert sorted(p.name for p in register.register_dir(db).iterdir()) == before
    assert json.loads(next(register.register_dir(db).glob("*/entry.json")).read_text())["key_id"] == key_id(
        bytes.fromhex("ab" * 32)
    )


@pytest.mark.parametrize(
    "linkable",
    [
        {"pseudonym": "learner", "prefix": "L-", "quasi_identifiers": "board", "k": 2},
        {"pseudonym": "learner", "prefix": "L-", "quasi_identifiers": [["board"]], "k": 2},
        {"pseudonym": "learner", "quasi_identifiers": ["board"], "k": 2},
    ],
    ids=["names-as-text", "names-not-text", "no-prefix"],
)
def test_an_unreadable_linkable_entry_stops_the_audit_in_one_line(tmp_path, linkable):
    db = tmp_path / "w.duckdb"
    frame = pl.DataFrame({"learner": ["L-1"], TEXT: ["a"]})
    record(db, 1, "k1", frame, {"learners": linkable})
    with pytest.raises(register.RegisterError, match="linkable` is unreadable") as refused:
        register.secret_reuse_audit(candidate(frame, [TEXT], 2, db), register.entries(db))
    assert "\n" not in str(refused.value)
