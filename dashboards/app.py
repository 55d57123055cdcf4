"""PARS Analytics dashboards: the entry file only signs in and routes (st.navigation); pages live in pages/.

Start it with `pars serve`, which serves it through dashboards/serve.py (the sign-in cookie routes and the guard of
Streamlit's own endpoints) and sets the paths of the warehouse, the releases, the users file and the audit log.
"""

import streamlit as st

from dashboards import auth
from dashboards.data import WarehouseUnavailable
from dashboards.ui import plain
from dashboards.url_filters import sync_url

# emoji: a :material: icon is fetched. The sidebar (the menu and the sign-out) is "auto" (Streamlit hides it below
# 768 px) and starts 240 px wide, not 300: at 800 px the page keeps about 520 px for its charts and tiles.
SIDEBAR_WIDTH = 240
st.set_page_config(page_title="PARS Analytics", page_icon="📊", layout="wide", initial_sidebar_state=SIDEBAR_WIDTH)

user = auth.current_user()  # checked on every run: a signed-out, expired, removed or re-roled user shows here
if user is None:
    # Every page's URL runs the sign-in page while signed out, so a deep link (/provider-review?provider=...)
    # asks for a sign-in and then opens itself, instead of "page not found".
    sign_in = [st.Page("pages/sign_in.py", title="Sign in", url_path="sign-in", default=True)]
    sign_in += [st.Page("pages/sign_in.py", title=page[1], url_path=page[3]) for page in auth.PAGES.values()]
    page = st.navigation(sign_in, position="hidden")
else:
    keys = auth.ROLE_PAGES[user["role"]]
    pages = [
        st.Page(auth.PAGES[k][0], title=auth.PAGES[k][1], icon=auth.PAGES[k][2], url_path=auth.PAGES[k][3])
        for k in keys
    ]
    # The default page answers "/" only (Streamlit ignores its url_path): the first page is listed twice, as "/" and
    # under its own path, so that a bookmark of /annual-report (or /provider-review, /releases) opens it too.
    home = st.Page(auth.PAGES[keys[0]][0], title=auth.PAGES[keys[0]][1], url_path="home", default=True)
    # Another role's URL (an old bookmark, a link from a colleague) opens this role's first page with a word of
    # explanation, instead of Streamlit's "Page not found" box: those URLs run the first page's own script (which
    # checks the role itself), and the menu is drawn here with the role's pages only.
    elsewhere = [
        st.Page(auth.PAGES[keys[0]][0], title=auth.PAGES[keys[0]][1], url_path=auth.PAGES[k][3])
        for k in auth.PAGES
        if k not in keys
    ]
    page = st.navigation([home, *pages, *elsewhere], position="hidden")
    with st.sidebar:
        st.caption(auth.SECTION[user["role"]])
        for own in pages:
            st.page_link(own)
        st.divider()
        if cookie := st.session_state.pop("cookie-url", None):  # just signed in: the browser gets its cookie
            auth.fetch_cookie(cookie)
        st.caption(f"Signed in as **{plain(user['name'])}** ({plain(user['role'])})")
        if st.button("Sign out", icon=":material/logout:", key="sign-out"):
            auth.sign_out()  # sends the browser to /pars-auth/sign-out, which deletes the cookie and starts afresh
            st.stop()  # (a rerun now could drop that message before it leaves)
    if page in elsewhere:
        asked = next(v[1] for v in auth.PAGES.values() if v[3] == page.url_path)
        st.info(f"The page {asked!r} is not open to the role {user['role']}: here is your own first page.")
try:
    page.run()
except WarehouseUnavailable as exc:  # a missing or outdated warehouse: say so instead of a redacted error
    st.error(f"No data: {plain(exc)}.")
finally:
    if user is not None:
        sync_url()  # the page's filters into the address bar (also when the page stopped early)
