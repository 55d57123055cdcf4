"""Researcher: the catalogue of research releases. Reads only the releases directory, never the warehouse."""

import pandas as pd
import streamlit as st

from dashboards import auth, downloads, releases, settings, ui


def show_rows(rows: list[dict]) -> None:
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True)
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
                "release": r.name,
                "title": r.title,
                "profile": r.manifest.get("profile", "–"),
                "data as of": r.manifest.get("data_as_of", releases.NOT_REPORTED),
                "tables": ", ".join(r.row_counts()) or releases.NOT_REPORTED,
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
if counts:
    cols = st.columns(min(len(counts), 6))
    for col, (table, n) in zip(cols, counts.items(), strict=False):
        col.metric(ui.plain(f"{table} rows"), ui.number(n) if isinstance(n, (int, float)) else releases._show(n))

risk = release.risk_report()
for level, text in releases.utility_flags(risk):  # above the tabs: seen whichever tab is open
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
        show_rows(releases.guarantees(risk))
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
        st.subheader("Risk by table")
        show_rows(releases.table_risks(risk))
        rows = releases.loss_per_attribute(risk)
        if rows:
            st.subheader("Information loss per attribute")
            st.dataframe(pd.DataFrame(rows), hide_index=True)
        rows = releases.suppression_systems(risk)
        if rows:
            st.subheader("Cell suppression and its audit")
            st.dataframe(pd.DataFrame(rows), hide_index=True)
        st.caption(ui.plain(f"Privacy budget (epsilon): {releases._show(risk.get('epsilon'))}"))
with tabs[2]:
    st.json(release.manifest, expanded=1)
with tabs[3]:
    files = release.files()
    pdf = release.risk_pdf()
    listed = {f["full_path"] for f in files}
    if pdf is not None and pdf not in listed:
        files.append({"path": "risk_report.pdf", "bytes": pdf.stat().st_size, "full_path": pdf})
    if not files:
        st.info("The manifest lists no file.")
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
