"""PARS Analytics dashboards: the entry file only signs in and routes (st.navigation); pages live in pages/.

Start it with `pars serve`, which sets the paths of the warehouse, the releases, the users file and the audit log.
"""

import streamlit as st

from dashboards import auth
from dashboards.data import WarehouseUnavailable

st.set_page_config(page_title="PARS Analytics", page_icon="📊", layout="wide")  # emoji: a :material: icon is fetched

user = auth.current_user()
if user is None:
    page = st.navigation([st.Page("pages/sign_in.py", title="Sign in", url_path="sign-in",
                                  default=True)], position="hidden")
else:
    keys = auth.ROLE_PAGES[user["role"]]
    pages = [st.Page(auth.PAGES[k][0], title=auth.PAGES[k][1], icon=auth.PAGES[k][2], url_path=auth.PAGES[k][3],
                     default=(i == 0)) for i, k in enumerate(keys)]
    page = st.navigation({auth.SECTION[user["role"]]: pages})
    with st.sidebar:
        st.caption(f"Signed in as **{user['name']}** ({user['role']})")
        if st.button("Sign out", icon=":material/logout:", key="sign-out"):
            auth.sign_out()
            st.rerun()
try:
    page.run()
except WarehouseUnavailable as exc:  # a missing or outdated warehouse: say so instead of a redacted error
    st.error(f"No data: {exc}.")
