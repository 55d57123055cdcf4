"""The served app: Streamlit's ASGI app (st.App) around app.py, with the sign-in cookie's routes and a guard in
front of Streamlit's own endpoints. `pars serve` runs this file with `streamlit run`.

- GET /pars-auth/session?ticket=...[&next=/path]: a one-time ticket (made at sign-in, valid a minute) becomes the
  session cookie, signed (HMAC-SHA256 under the key in users.secret), expiring, HttpOnly and SameSite=Strict
  (then 204, or a redirect to next). Only an HTTP response can set an HttpOnly cookie, which is why the browser,
  signed in over the WebSocket, fetches this once.
- GET /pars-auth/sign-out: ends the cookie's session on the server and deletes the cookie.
- The guard: of /_stcore/*, only health, the host configuration (answered here, with no list of other hosts
  allowed to drive the app), the WebSocket and uploads are served; metrics, the script health check, the agent
  API and anything else answer 404, signed in or not.
"""

from __future__ import annotations

import json
import time
import urllib.request

import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboards import auth, settings
from dashboards.signin_state import COOKIE, secret, sign, unsign

HOST_CONFIG = json.dumps(
    {
        "allowedOrigins": [],
        "useExternalAuthToken": False,
        "enableCustomParentMessages": False,
        "enforceDownloadInNewTab": False,
        "metricsUrl": "",
        "blockErrorDialogs": False,
        "resourceCrossOriginMode": None,
    }
).encode()
PUBLIC_CORE = {"/_stcore/health"}


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


async def session(request: Request):
    ticket = request.query_params.get("ticket", "")
    redeemed = auth.signin_state().redeem(ticket) if ticket else None
    if redeemed is None:
        return _no_store(
            PlainTextResponse(
                "This sign-in link is not valid (used, expired or unknown): sign in again.", status_code=403
            )
        )
    session_id, expires = redeemed
    next_path = request.query_params.get("next")
    response = RedirectResponse(auth.safe_next(next_path), status_code=303) if next_path else Response(status_code=204)
    response.set_cookie(
        COOKIE,
        sign(secret(settings.secret_file()), session_id, expires),
        max_age=max(0, expires - int(time.time())),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return _no_store(response)


async def sign_out(request: Request):
    session_id = unsign(secret(settings.secret_file()), request.cookies.get(COOKIE))
    if session_id:
        auth.signin_state().close_session(session_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return _no_store(response)


class Guard:
    """Pure ASGI middleware (it must not buffer the WebSocket): refuses Streamlit's endpoints that tell too much."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and path.startswith("/_stcore/"):
            if scope["type"] == "websocket":
                allowed = path == "/_stcore/stream"
            elif path == "/_stcore/host-config" and scope["method"] in ("GET", "HEAD"):
                await PlainTextResponse(
                    HOST_CONFIG, media_type="application/json", headers={"Cache-Control": "no-cache"}
                )(scope, receive, send)
                return
            else:
                allowed = path in PUBLIC_CORE or (
                    path.startswith("/_stcore/upload_file/") and scope["method"] in ("PUT", "DELETE", "OPTIONS")
                )
            if not allowed:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    await PlainTextResponse("Not found", status_code=404)(scope, receive, send)
                return
        await self.app(scope, receive, send)


# app.py routes with st.navigation; Streamlit would otherwise take the pages/ folder beside it for an old-style
# multipage app in the process's first run (until st.navigation is seen), so the first visitor after a start got
# "page not found" for a deep link and a wrong menu.
try:
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
except ImportError:  # moved in another Streamlit: only the first run after a start is affected
    pass

app = st.App(
    "app.py",
    routes=[
        Route("/pars-auth/session", session, methods=["GET"]),
        Route("/pars-auth/sign-out", sign_out, methods=["GET"]),
    ],
    middleware=[Middleware(Guard)],
)


def healthy(url: str) -> bool:
    """Whether the dashboards' server at `url` answers Streamlit's health check (used to wait for a start)."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
            return response.read() == b"ok"
    except OSError:
        return False
