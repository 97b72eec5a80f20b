"""Browser tests: Playwright's sync API, Debian's Chromium, pytest-django's live_server.

Never a downloaded browser: only /usr/bin/chromium (apt package ``chromium``, installed by
``make deps-test``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

# Playwright's sync API keeps an asyncio loop running in the test thread for the whole session,
# and Django refuses ORM calls from a thread with a running loop. The calls are in fact
# synchronous, so the guard is switched off; it stays on outside the test run.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's Chromium (`make deps-test` or "
            "`apt-get install chromium`); the tests never download a browser."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


# Runs before any script of every document, outside the page's CSP (Playwright injects it).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` in ${event.sourceFile || document.location.pathname}:${event.lineNumber}`);
});
"""


class CspViolations(list[str]):
    """Every Content-Security-Policy violation the browser reported during a test."""


@pytest.fixture
def csp_violations() -> CspViolations:
    return CspViolations()


@pytest.fixture
def page(
    browser: Browser, live_server: LiveServer, csp_violations: CspViolations
) -> Iterator[Page]:
    """A fresh browser context per test (no cookies carried over) pointed at the live server.

    The context asks for Russian, as the utilities' customers' browsers do; Chromium would
    otherwise send en-US and LocaleMiddleware would switch the site to English.

    Every test also checks the Content-Security-Policy: a page whose script, style, worker or
    image the policy blocked fails the test at teardown, with what was blocked where.
    """
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(REPORT_CSP_VIOLATIONS)

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or message.text.startswith("CSP violation"):
            csp_violations.append(message.text)

    context.on("console", on_console)
    page = context.new_page()
    yield page
    context.close()
    assert csp_violations == [], "the Content-Security-Policy blocked something"


def log_in(page: Page, identifier: str, password: str) -> None:
    """Log in through the login page, as a customer or a staff member types it."""
    page.goto("/login/")
    page.get_by_label("Телефон или E-mail").fill(identifier)
    page.get_by_label("Пароль", exact=False).first.fill(password)
    page.get_by_role("button", name="Войти").click()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # The page is still open while the call phase is reported, so the screenshot shows what the
    # browser showed when the assertion failed.
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and isinstance(page, Page):
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", item.nodeid)
        page.screenshot(path=RESULTS_DIR / f"{name}.png", full_page=True)
    return report
