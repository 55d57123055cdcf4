"""Sign in with a name and password from the users file, or with OpenID Connect when it is configured."""

import time

import streamlit as st

from dashboards import audit, auth, settings

MAX_FAILURES, LOCKOUT_SECONDS = 5, 30

st.title("PARS Analytics")
st.caption("Annual report, MOC, REMS and provider reviews for staff and reviewers; research releases for researchers.")

failures = st.session_state.setdefault("sign_in_failures", [])
recent = [t for t in failures if time.time() - t < LOCKOUT_SECONDS]
st.session_state["sign_in_failures"] = recent

with st.form("sign-in", border=True, width=420):
    name = st.text_input("User name", key="sign-in-name")
    password = st.text_input("Password", type="password", key="sign-in-password")
    submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")

if submitted:
    if len(recent) >= MAX_FAILURES:
        st.error(f"Too many failed attempts: wait {LOCKOUT_SECONDS} seconds.")
    else:
        try:
            role = auth.verify(settings.users_file(), name.strip(), password)
        except auth.UsersFileError as exc:
            st.error(str(exc))
            st.stop()
        if role is None:
            recent.append(time.time())
            audit.record(settings.audit_log(), user=name.strip()[:100], role="", action="sign-in failed",
                         what="password sign-in")
            st.error("Unknown user name or wrong password.")
        else:
            st.session_state["user"] = {"name": name.strip(), "role": role, "via": "password"}
            audit.record(settings.audit_log(), user=name.strip(), role=role, action="sign-in", what="password sign-in")
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
        st.warning(f"{st.user.get('email')} has no role in the users file: ask an administrator.")
        if st.button("Sign out of single sign-on"):
            st.logout()
