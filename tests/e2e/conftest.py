"""Real-browser journeys: Debian's Chromium driven by Playwright against pytest-django's live server.

One Chromium for the whole e2e package, a new context (cookies, storage) per test. Every page
opened through `browse` records console errors, uncaught exceptions and CSP violations (Chromium
reports those as console errors); a journey that met any fails. Each page's final state is saved
as artifacts/e2e/<test>.png for people to look at.

The agencies of these tests point at the sandbox mounted on the live server itself
(`live_server.url + "/sandbox"`): the dashboard calls it over real HTTP, in the same process, so
tests turn its knobs through the in-process `sandbox` fixture.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from leadsportal.agencies.models import Agency
from tests.fixtures import BORDEAUX_CLIENT, LYON_CLIENT, PARIS_CLIENT, _agency, _seeker_agency

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google's hosts, which this
# closed network refuses; as root it needs --no-sandbox.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = E2E_DIR.parents[1] / "artifacts" / "e2e"
# Upper bound of every wait (auto-waiting assertions, clicks, navigations); not a timing test.
TIMEOUT_MS = 15_000


@pytest.hookimpl(tryfirst=True)  # before `-m` selects: `-m "not browser"` must leave these out
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this package drives the browser, marked or not."""
    for item in items:
        if E2E_DIR in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, once for the e2e package; skipped (failed in CI) where it is missing.

    Package scope, not session: Playwright's sync API keeps an asyncio loop marked as running
    in this thread while it is up, and Django refuses ORM calls from a thread with a running
    loop. DJANGO_ALLOW_ASYNC_UNSAFE lifts that only while the browser is up, and stopping it
    after the last journey keeps the check for the tests that run after this package.
    """
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}: apt-get install chromium"
        if _in_ci():
            pytest.fail(f"{message} (CI=true: the browser tests must run, not skip)")
        pytest.skip(message)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def sandbox_url(live_server) -> str:  # type: ignore[no-untyped-def]
    return f"{live_server.url}/sandbox"


# The agencies of tests/fixtures.py, wired to the live server's own sandbox.
@pytest.fixture
def paris(transactional_db: None, sandbox_url: str, sandbox) -> Agency:  # type: ignore[no-untyped-def]
    return _agency("Agence Paris Démo", PARIS_CLIENT, sandbox_url)


@pytest.fixture
def lyon(transactional_db: None, sandbox_url: str, sandbox) -> Agency:  # type: ignore[no-untyped-def]
    return _agency("Agence Lyon Démo", LYON_CLIENT, sandbox_url)


@pytest.fixture
def bordeaux(transactional_db: None, live_server, seeker_state) -> Agency:  # type: ignore[no-untyped-def]
    """An agency on AVIV Seeker Leads v1: the Seeker sandbox of the live server."""
    return _seeker_agency("Agence Bordeaux Démo", BORDEAUX_CLIENT, live_server.url)


@pytest.fixture(params=["gsl", "seeker"])
def upstream_agency(request) -> Agency:  # type: ignore[no-untyped-def]
    """The journey runs once for an agency on GSL v2 (Paris), once on Seeker Leads (Bordeaux)."""
    return request.getfixturevalue("paris" if request.param == "gsl" else "bordeaux")


def _screenshot(page: Page, path: Path) -> None:
    # caret="initial": hiding the caret leaves style="" on every input, which htmx then copies
    # while settling a swap, and the strict CSP reports that as an inline style.
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True, caret="initial")


class Browsing:
    """Opens pages in new browser contexts and collects what went wrong in them."""

    def __init__(self, browser: Browser, base_url: str, name: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.name = name
        self.problems: list[str] = []
        self.contexts: list[BrowserContext] = []
        self.pages: list[Page] = []

    def __call__(
        self, user: AbstractUser | None = None, *, path: str | None = None, **options: Any
    ) -> Page:
        """A page in a new context (French, Paris time), signed in as `user` if given.

        `options` go to Browser.new_context (viewport, java_script_enabled...). Signing in
        injects a session cookie made by Django's test client; journey 1 logs in for real.
        """
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="fr-FR",
            timezone_id="Europe/Paris",
            accept_downloads=True,
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": self.base_url}])
        page = context.new_page()
        self.pages.append(page)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught error: {error}"))
        if path is not None:
            page.goto(path)
        return page

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            location = message.location.get("url", "") if message.location else ""
            self.problems.append(f"console error: {message.text} [{location}]")

    def screenshot(self, page: Page, label: str) -> None:
        """Save an intermediate state too, as artifacts/e2e/<test>-<label>.png."""
        _screenshot(page, ARTIFACTS / f"{self.name}-{label}.png")

    def finish(self) -> None:
        for number, page in enumerate(self.pages, start=1):
            if page.is_closed():
                continue
            suffix = "" if number == 1 else f"-{number}"
            try:
                _screenshot(page, ARTIFACTS / f"{self.name}{suffix}.png")
            except Exception as error:  # a screenshot must never hide the journey's own result
                self.problems.append(f"screenshot failed: {error}")
        for context in self.contexts:
            context.close()


@pytest.fixture
def browse(chromium: Browser, live_server, request) -> Iterator[Callable[..., Page]]:  # type: ignore[no-untyped-def]
    """Factory of pages; after the test: screenshots, then a failure if the browser complained."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    browsing = Browsing(chromium, live_server.url, name)
    yield browsing
    browsing.finish()
    if browsing.problems:
        pytest.fail(
            "The browser reported problems (console errors, uncaught errors or CSP violations):\n"
            + "\n".join(f"- {problem}" for problem in browsing.problems)
        )
