"""axe-core over every page a customer, a staff member and a stranger can open, and over the
error states a customer runs into: no serious or critical WCAG 2.1 A/AA finding anywhere.

axe-core comes from npm (package.json's devDependencies) and is injected by Playwright as an init
script: like the CSP reporter in conftest it runs outside the page's Content-Security-Policy, so
the policy stays exactly as production sends it.

The customer and staff pages are found by following the links of the demo utility's pages, one
page per URL shape (``/accounts/N/charges/N/``), so a page added later is checked without being
listed here; the walk must reach the pages named in ``*_PAGES`` or the test fails, so a broken
walk cannot pass by checking nothing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from kabinet.billing.models import AccountLink
from kabinet.identity.models import User
from kabinet.metering.models import Meter
from tests.factories import make_customer, make_request_type
from tests.metering.conftest import (  # noqa: F401 - fixtures shared with tests/metering
    Clock,
    account,
    clock,
    customer,
    day_night,
    electricity,
    link,
    supplier,
)

# ruff: noqa: F811

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Downloads (PDF, CSV, the personal-data export), the admin (Django's own), the API and uploads
# are not pages of ours; logging out would end the walk.
NOT_PAGES = re.compile(
    r"^/(admin|api|static|media)/|/logout/|\.(pdf|csv|json|xlsx|png|jpe?g)$"
    r"|/personal-data/$|/pdf/|/download/|/file/|/photo/|/attachments?/"
)

PUBLIC_PAGES = [
    "/",
    "/login/",
    "/register/",
    "/register/email/",
    "/recover/",
    "/documents/user-agreement/",
    "/documents/personal-data/",
    "/documents/marketing/",
    "/staff/login/",
    "/no-such-page/",
]
CUSTOMER_PAGES = {
    "/",
    "/accounts/",
    "/accounts/link/",
    "/accounts/N/",
    "/accounts/N/charges/",
    "/accounts/N/charges/N/",
    "/accounts/N/details/",
    "/accounts/N/bills/",
    "/accounts/N/readings/",
    "/accounts/N/readings/history/",
    "/accounts/N/readings/report/",
    "/accounts/N/pay/",
    "/accounts/N/payments/",
    "/accounts/N/requests/",
    "/accounts/N/requests/new/",
    "/accounts/N/appeals/",
    "/accounts/N/documents/",
    "/accounts/N/edit/",
    "/accounts/N/unlink/",
    "/payments/",
    "/profile/",
    "/profile/edit/",
    "/profile/phone/",
    "/profile/email/",
    "/profile/password/",
    "/profile/devices/",
    "/profile/delete/",
    "/support/appeals/",
    "/support/appeals/N/",
    "/support/appeals/new/",
    "/support/requests/",
    "/support/catalog/",
    "/support/catalog/N/order/",
    "/support/faq/",
}
STAFF_PAGES = {
    "/staff/appeals/",
    "/staff/appeals/N/",
    "/staff/requests/",
    "/staff/customers/",
    "/staff/customers/N/",
    "/staff/documents/",
    "/staff/faq/",
    "/staff/faq/N/",
    "/staff/faq/new/",
    "/staff/catalog/",
    "/staff/catalog/N/",
    "/staff/suppliers/",
    "/staff/suppliers/N/",
    "/staff/audit/",
}

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ` + v.nodes.slice(0, 3)
      .map((n) => `${n.target.join(" ")} — ${n.failureSummary.split("\\n").slice(1).join(" ")}`)
      .join("; "));
}"""


def findings(page: Page) -> list[str]:
    """The serious and critical WCAG 2.1 A/AA findings on the page as it is now."""
    result: list[str] = page.evaluate(RUN_AXE, WCAG_TAGS)
    return result


def check(page: Page, found: dict[str, list[str]], state: str) -> None:
    """Run axe on the current page and keep what it found under ``state``."""
    problems = findings(page)
    if problems:
        found[state] = problems


@pytest.fixture
def axe(page: Page) -> Page:
    assert AXE_JS.exists(), "axe-core is missing: run `npm ci` (make deps)"
    page.context.add_init_script(path=AXE_JS)
    return page


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> None:
    """The demo utility, small: every kind of page has something to show."""
    settings.VAR_DIR = tmp_path
    settings.IMPORT_ARCHIVE_DIR = tmp_path / "imports"
    out = io.StringIO()
    call_command(
        "seed_demo",
        "--accounts",
        "6",
        "--months",
        "3",
        "--out",
        str(tmp_path / "demo"),
        stdout=out,
        stderr=out,
    )


def logged_in(page: Page, live_server: LiveServer, user: User) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def walk(
    page: Page, live_server: LiveServer, start: Iterable[str]
) -> tuple[set[str], dict[str, list[str]]]:
    """Visit every page reachable by links from ``start``, one per URL shape, running axe on each.

    Returns the URL shapes visited and the findings by page.
    """
    host = urlsplit(live_server.url).netloc
    queue = list(start)
    visited: set[str] = set()
    found: dict[str, list[str]] = {}
    while queue:
        path = queue.pop(0)
        if shape(urlsplit(path).path) in visited:
            continue
        visited.add(shape(urlsplit(path).path))
        response = page.goto(path)
        assert response is not None
        assert response.status < 500, f"{path} answered {response.status}"
        check(page, found, path)
        for href in page.eval_on_selector_all("a[href]", "links => links.map((a) => a.href)"):
            url = urlsplit(href)
            if url.netloc == host and not NOT_PAGES.search(url.path):
                queue.append(url.path + (f"?{url.query}" if url.query else ""))
    return visited, found


def test_public_pages_have_no_serious_accessibility_findings(axe: Page) -> None:
    found: dict[str, list[str]] = {}
    for path in PUBLIC_PAGES:
        axe.goto(path)
        check(axe, found, path)
    assert found == {}


def test_every_customer_page_has_no_serious_accessibility_findings(
    axe: Page, live_server: LiveServer, demo: None
) -> None:
    customer = User.objects.get(username="demo-phone")
    logged_in(axe, live_server, customer)
    visited, found = walk(axe, live_server, ["/"])
    assert CUSTOMER_PAGES - visited == set(), "the walk missed pages"
    assert found == {}


def test_every_staff_page_has_no_serious_accessibility_findings(
    axe: Page, live_server: LiveServer, demo: None
) -> None:
    logged_in(axe, live_server, User.objects.get(username="operator"))
    visited, found = walk(axe, live_server, ["/staff/"])
    assert STAFF_PAGES - visited == set(), "the walk missed pages"
    assert found == {}


def send_empty(page: Page, path: str) -> None:
    """Open ``path``, empty every field the page filled in and send its form: every required
    field is refused, so the page shows its error state."""
    page.goto(path)
    form = page.locator("main form:has(button.btn-primary[type=submit])").last
    assert form.count(), f"{path} has no form to send"
    for field in form.locator("input:visible, textarea:visible").all():
        if field.get_attribute("type") in {"text", "email", "tel", "password", "number", None}:
            field.fill("")
    form.locator("button.btn-primary[type=submit]").first.click()
    page.wait_for_load_state()


def test_error_states_have_no_serious_accessibility_findings(
    axe: Page,
    live_server: LiveServer,
    clock: Clock,
    customer: User,
    link: AccountLink,
    day_night: Meter,
) -> None:
    found: dict[str, list[str]] = {}
    make_customer(phone="+79001112233")
    make_request_type(link.account.supplier)

    axe.goto("/login/")
    axe.get_by_label("Телефон или E-mail").fill("+79001112233")
    axe.get_by_label("Пароль", exact=False).first.fill("не-тот-пароль")
    axe.get_by_role("button", name="Войти").click()
    expect(axe.get_by_text("Неверный")).to_be_visible()
    check(axe, found, "failed login")
    for path in ["/login/", "/staff/login/", "/register/", "/register/email/", "/recover/"]:
        send_empty(axe, path)
        check(axe, found, f"empty form at {path}")

    logged_in(axe, live_server, customer)
    account_id = link.account_id
    axe.goto(f"/accounts/{account_id}/readings/")
    row = axe.locator("tr", has_text="007017945")
    row.get_by_label("День").fill("1")
    row.get_by_label("Ночь").fill("абв")
    axe.get_by_role("button", name="Передать показания").click()
    expect(axe.get_by_text("Введите число").first).to_be_visible()
    check(axe, found, "a reading that is not a number")
    row.get_by_label("Ночь").fill("2")
    axe.get_by_role("button", name="Передать показания").click()
    expect(axe.get_by_text("Показание не может быть меньше предыдущего").first).to_be_visible()
    check(axe, found, "a reading lower than the last one")

    for path in [
        "/accounts/link/",
        "/support/appeals/new/",
        f"/accounts/{account_id}/requests/new/",
        f"/accounts/{account_id}/edit/",
        "/profile/password/",
        "/profile/edit/",
        "/profile/email/",
        "/profile/phone/",
    ]:
        send_empty(axe, path)
        check(axe, found, f"empty form at {path}")

    # A stranger's account (404) and the staff pages for a customer (403).
    for path in ["/accounts/999999/", "/staff/appeals/"]:
        axe.goto(path)
        check(axe, found, f"error page {path}")

    assert found == {}
