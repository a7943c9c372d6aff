import os
import threading

import pytest

from tests.services import CHROMIUM, require_chromium

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def _media_not_served_by_live_server():
    """The project has no MEDIA_URL (files go through permission-checked views), which the
    live server's media handler cannot parse; an absolute URL makes that handler stand aside.
    Autouse, so it is in place before ``live_server`` starts."""
    from django.test.utils import override_settings

    with override_settings(MEDIA_URL="http://media.invalid/"):
        yield


@pytest.fixture(autouse=True)
def _one_request_at_a_time(monkeypatch):
    """The live server answers every request in a thread of its own, but on SQLite all of them
    share the test's one in-memory connection, and two queries on it at the same moment can
    hang the run (the dashboard fetches its six charts at once; Playwright's route handlers do
    not queue them, since ``route.fetch`` lets the next handler start). Requests take turns."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    turn = threading.RLock()
    answer = WSGIHandler.__call__

    def one_at_a_time(self, environ, start_response):
        with turn:
            return answer(self, environ, start_response)

    monkeypatch.setattr(WSGIHandler, "__call__", one_at_a_time)


@pytest.fixture
def _playwright():
    require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while it runs; the ORM calls the
    # test makes meanwhile are still synchronous. Set only for the test, never leaked to others
    # (a child process would inherit it and `check --deploy` rightly complains).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
