"""Researcher: the catalogue of research releases. Reads only the releases directory, never the warehouse."""

import pandas as pd
import streamlit as st

from dashboards import auth, downloads, releases, settings, ui


def show_rows(rows: list[dict]) -> None:
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    else:
        st.caption(releases.NOT_REPORTED)


def show_explained(rows: list[dict]) -> None:
    """A short table whose explanations must be read whole: a static table, text wrapped, every row shown."""
    if rows:
        st.table(pd.DataFrame(rows), hide_index=True)
    else:
        st.caption(releases.NOT_REPORTED)


auth.require("releases")

st.title("Research releases")

catalogue = releases.catalogue(settings.releases())
if not catalogue:
    st.info("No release has been published yet (`pars release` writes them).")
    st.stop()

st.dataframe(
    pd.DataFrame(
        [
            {
                "Release": r.name,
                "Title": r.title,
                "Profile": r.manifest.get("profile", "–"),
                "Data as of": r.manifest.get("data_as_of", releases.NOT_REPORTED),
                "Tables": ", ".join(r.row_counts()) or releases.NOT_REPORTED,
            }
            for r in catalogue
        ]
    ),
    hide_index=True,
)
names = [r.name for r in catalogue]
name = st.selectbox("Release", names, format_func=lambda n: f"{n}: {catalogue[names.index(n)].title}", key="f-release")
release = catalogue[names.index(name)]
for problem in release.problems:
    st.warning(ui.plain(problem))

with st.container(key="selection"):
    st.header(ui.plain(release.title))
    st.markdown(ui.plain(release.description))
    m = release.manifest
    st.caption(
        ui.plain(
            f"profile {m.get('profile', releases.NOT_REPORTED)} · data as of "
            f"{m.get('data_as_of', releases.NOT_REPORTED)} · "
            f"code {m.get('code_version', releases.NOT_REPORTED)}"
        )
    )
counts = release.row_counts()
if counts:  # tiles as wide as their text (never a cut label), wrapping on a narrow window
    with st.container(horizontal=True, gap="medium", key="row-counts"):
        for table, n in counts.items():
            st.metric(
                ui.plain(f"{releases.table_label(table)} (rows)"),
                ui.number(n) if isinstance(n, (int, float)) else releases._show(n),
                help=ui.plain(f"Table {table}: data/{table}.csv and .parquet"),
                width="content",
                border=True,
            )

risk = release.risk_report()
for level, text in releases.flag_summary(risk):  # above the tabs, one per level: seen whichever tab is open
    (st.error if level == "error" else st.warning)(ui.plain(text))

tabs = st.tabs(["Data dictionary", "Risk report", "Manifest", "Downloads"])
with tabs[0]:
    dictionary = release.dictionary()
    if dictionary:
        frame = pd.DataFrame(dictionary)
        if {"utility", "description"} <= set(frame.columns):  # the shares before the long description text
            order = [c for c in frame.columns if c != "utility"]
            order.insert(order.index("description"), "utility")
            frame = frame[order]
        st.dataframe(frame, hide_index=True)
    else:
        st.info(f"Data dictionary: {releases.NOT_REPORTED}.")
with tabs[1]:
    if risk is None:
        st.info(f"Risk report: {releases.NOT_REPORTED}.")
    else:
        st.subheader("Guarantees")
        st.caption("Each guarantee the release was checked against before it was written; shares as percentages.")
        show_explained(releases.guarantees(risk))
        st.subheader("Utility per column")
        rows = releases.utility(risk)
        if rows is None:
            st.info("Utility per column: not reported (the release was made before utility was measured).")
        else:
            st.caption(
                "Share of rows (cells, for count tables) where each released column is published at full "
                "detail, generalized (a group or band) or suppressed ('*' or an empty cell); a column more "
                "than half suppressed is flagged."
            )
            show_rows(rows)
        rows = releases.table_risks(risk)
        if rows or not releases.suppression_systems(risk):  # count tables have their suppression audit instead
            st.subheader("Re-identification risk")
            show_explained(rows)
        rows = releases.loss_per_attribute(risk)
        if rows:
            st.subheader("Information loss per column")
            st.caption("How much detail generalization removed from each column: 0% = as collected, 100% = all '*'.")
            st.dataframe(pd.DataFrame(rows), hide_index=True)
        rows = releases.suppression_systems(risk)
        if rows:
            st.subheader("Cell suppression and its audit")
            st.caption(
                "Tables that share totals are protected together. Hidden (empty) cells are not zeros; a linear-program "
                "audit checks that no hidden cell can be worked out from the published numbers."
            )
            show_explained(rows)
        epsilon = risk.get("epsilon")
        st.caption(
            ui.plain(
                "Privacy budget (epsilon): "
                + (
                    "none spent: no table of this release uses differential privacy"
                    if epsilon is None
                    else releases._show(epsilon)
                )
            )
        )
        with st.expander("What these terms mean", expanded=True):
            st.markdown("\n".join(f"- **{ui.plain(term)}**: {ui.plain(text)}" for term, text in releases.GLOSSARY))
manifest_path, manifest_sha = release.manifest_file(), release.manifest_sha256()


def manifest_download(key: str) -> None:
    downloads.download(
        "Download manifest.json",
        downloads.file_reader(manifest_path),
        f"{release.name}-manifest.json",
        "application/json",
        what=f"release {release.name}: manifest.json",
        key=key,
        details={"release": release.name, "sha256": manifest_sha},
    )


with tabs[2]:
    if manifest_path is not None and manifest_sha is not None:
        st.markdown(
            "**Cite this release** with the SHA-256 of its manifest.json, which fixes every file of the release:"
        )
        with st.container(key="manifest-sha256"):
            st.code(manifest_sha, language=None)
        st.caption("Suggested citation (researchers' guide, Citing a release):")
        with st.container(key="citation"):
            st.code(release.citation(), language=None, wrap_lines=True)
        manifest_download("dl-manifest")
    st.caption("The manifest's content: each file's SHA-256 and size, to check your copy against.")
    st.json(release.manifest, expanded=1)
with tabs[3]:
    files = release.files()
    pdf = release.risk_pdf()
    listed = {f["full_path"] for f in files}
    if pdf is not None and pdf not in listed:
        files.append({"path": "risk_report.pdf", "bytes": pdf.stat().st_size, "full_path": pdf})
    if not files:
        st.info("The manifest lists no file.")
    if manifest_path is not None:
        st.caption(
            "Check each file against its SHA-256 in manifest.json (for example `sha256sum data/*.csv`); the manifest's "
            "own SHA-256 is the one to cite."
        )
        cols = st.columns([3, 1, 3])
        cols[0].code("manifest.json", language=None)
        cols[1].text(f"{manifest_path.stat().st_size:,} bytes")
        with cols[2]:
            manifest_download("dl-manifest-file")
        st.caption(ui.plain(f"SHA-256 {manifest_sha}"))
    for i, f in enumerate(files):
        cols = st.columns([3, 1, 3])
        cols[0].code(f["path"], language=None)
        size = f.get("bytes")
        cols[1].text(f"{size if isinstance(size, int) else f['full_path'].stat().st_size:,} bytes")
        with cols[2]:
            downloads.download(
                "Download",
                downloads.file_reader(f["full_path"]),
                f"{release.name}-{f['path'].replace('/', '-')}",
                "application/octet-stream",
                what=f"release {release.name}: {f['path']}",
                key=f"dl-file-{i}",
                details={"release": release.name, "sha256": f.get("sha256")},
            )
