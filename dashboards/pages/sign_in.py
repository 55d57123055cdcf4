"""Sign in with a name and password from the users file, or with OpenID Connect when it is configured.

The lockout, the audit lines and the session are the server's (auth.attempt). After a password sign-in the app
reruns on the same URL, so a deep link (/provider-review?provider=...) opens its page, and the first signed-in run
has the browser fetch its session cookie (app.py), so a reload stays signed in.
"""

import streamlit as st

from dashboards import auth
from dashboards.ui import plain

st.title("PARS Analytics")
st.caption("Annual report, MOC, REMS and provider reviews for staff and reviewers; research releases for researchers.")

with st.form("sign-in", border=True, width=420):
    name = st.text_input("User name", key="sign-in-name")
    password = st.text_input("Password", type="password", key="sign-in-password")
    submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")

if submitted:
    try:
        user, message = auth.attempt(name, password)
    except auth.UsersFileError as exc:
        st.error(plain(exc))
        st.stop()
    if user is None:
        st.error(plain(message))
    else:
        st.session_state["user"] = user
        st.session_state["cookie-url"] = auth.cookie_url(user)
        st.rerun()

if auth.oidc_configured():
    st.divider()
    if st.button("Sign in with single sign-on", icon=":material/key:"):
        st.login()
    try:
        signed_in_unknown = st.user.is_logged_in
    except Exception:
        signed_in_unknown = False
    if signed_in_unknown:  # signed in with the provider but not in the users file
        st.warning(f"{plain(st.user.get('email'))} has no role in the users file: ask an administrator.")
        if st.button("Sign out of single sign-on"):
            st.logout()
