"""The URL-sync frame (dashboards/url_filters.py url_sync_html) never puts an older selection back into the address bar.

Every page run ends with a small same-origin frame that writes the run's filters into the address bar (in case
Streamlit's own update does not arrive). A user who changes a filter gets the new URL from Streamlit at once
(history.pushState, in the middle of the new run); the frame of the run before was still mounted until the new run
ended, and its retry (1.5 s after it was drawn) wrote its own, older query back: a reload in that moment opened
the old selection (test_a_link_carries_the_page_and_its_filters_through_sign_in_and_reload failed on a quiet
run: "Selection: 2021" after choosing 2022 and seeing year=2022 in the URL).

The frame runs here as the app draws it (a sandboxed srcdoc iframe of the page's origin, with Streamlit's sandbox
flags), in Debian's chromium, in a page served by Playwright's router: no server to start.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dashboards.url_filters import url_sync_html

from dashboard_fixtures import CHROMIUM, TIMEOUT_MS, browser  # noqa: F401  (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")

ORIGIN = "http://pars.test"
#: Streamlit's sandbox of st.iframe (static/js/IFrameUtil.*.js): allow-same-origin lets the frame reach its parent.
SANDBOX = "allow-forms allow-modals allow-popups allow-same-origin allow-scripts allow-downloads"
#: Longer than the frame's last retry (it wrote again 1.5 s after it was drawn).
QUIET_AFTER_S = 2.2


@pytest.fixture
def pg(browser):
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.route(
        f"{ORIGIN}/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<html><body></body></html>"),
    )
    page = context.new_page()
    yield page
    context.close()


def draw(pg, query: str, new: bool = False) -> None:
    """Draw a sync frame for `query` as a page run does: into the frame drawn before (Streamlit updates it in place),
    or into a frame of its own (`new`: the explorer's fragment draws a second one)."""
    pg.evaluate(
        """([html, sandbox, fresh]) => {
            let f = fresh ? null : document.querySelector('iframe');
            if (!f) { f = document.createElement('iframe'); f.setAttribute('sandbox', sandbox);
                      document.body.appendChild(f); }
            const loaded = new Promise(done => f.addEventListener('load', done, {once: true}));
            f.srcdoc = html;
            return loaded;
        }""",
        [url_sync_html(query), SANDBOX, new],
    )


def search(pg) -> str:
    return pg.evaluate("() => window.location.search")


def test_the_frame_writes_its_query_when_the_address_bar_lacks_it(pg):
    pg.goto(f"{ORIGIN}/moc")
    draw(pg, "year=2022&board=ABIM")
    assert search(pg) == "?year=2022&board=ABIM"


def test_a_newer_url_is_never_replaced_by_the_frame_of_the_run_before(pg):
    pg.goto(f"{ORIGIN}/moc?year=2021&board=ABIM")
    draw(pg, "year=2021&board=ABIM")  # the run of the page as it opened: its frame finds its query there
    time.sleep(0.4)
    # the user chooses 2022: Streamlit's own update of the new run writes it while the old frame is still drawn
    pg.evaluate("() => history.pushState({}, '', '/moc?year=2022&board=ABIM')")
    time.sleep(QUIET_AFTER_S)
    assert search(pg) == "?year=2022&board=ABIM"  # old code: "?year=2021&board=ABIM" (the old frame's retry)
    draw(pg, "year=2022&board=ABIM")  # the new run's frame changes nothing
    assert search(pg) == "?year=2022&board=ABIM"


def test_an_older_frame_gives_way_to_a_newer_one(pg):
    """The page's frame and the explorer fragment's frame: the fragment's, drawn later, wins over the page's retries."""
    pg.goto(f"{ORIGIN}/annual-report")
    draw(pg, "year=2022&accreditor=All")  # the page's run
    draw(pg, "year=2022&accreditor=ACCME", new=True)  # the fragment's run, a moment later
    time.sleep(QUIET_AFTER_S)
    assert search(pg) == "?year=2022&accreditor=ACCME"
