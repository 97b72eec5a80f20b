from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.test import override_settings
from django.utils import timezone

from kabinet.billing.models import Account, Bill, BillSection, Charge, Premises, Supplier, Tariff
from kabinet.demo.people import DEMO_CUSTOMERS, DEMO_OPERATOR, credentials_path, ensure_demo_admin
from kabinet.demo.reference import ENERGY, HEAT_WATER, HOUSING, WASTE
from kabinet.demo.simulation import DemoUtility
from kabinet.metering.models import Meter, Reading
from kabinet.payments.models import Payment, PaymentSplit
from kabinet.staff.models import StaffMember
from kabinet.support.models import (
    Appeal,
    CatalogItem,
    FaqQuestion,
    RequestType,
    ServiceRequest,
    SupportContact,
)

pytestmark = pytest.mark.django_db

ACCOUNTS, MONTHS = 30, 3


def seed(var_dir: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "seed_demo",
        "--accounts",
        str(ACCOUNTS),
        "--months",
        str(MONTHS),
        "--out",
        str(var_dir / "demo"),
        *extra,
        stdout=out,
        stderr=out,
    )
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """One demo for the whole module, rolled back at its end; each test's own changes are
    rolled back by its own savepoint. Seeding per test would make this file several times slower."""
    var_dir = tmp_path_factory.mktemp("demo_var")
    with (
        override_settings(VAR_DIR=var_dir, IMPORT_ARCHIVE_DIR=var_dir / "imports"),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        # Kept for the tests of what the command printed.
        (var_dir / "seed_demo.out").write_text(seed(var_dir), encoding="utf-8")
        yield var_dir
        transaction.set_rollback(True)


def test_it_sets_up_four_suppliers_with_valid_requisites(seeded: Path) -> None:
    suppliers = {s.code: s for s in Supplier.objects.all()}
    assert {suppliers[c].kind for c in (ENERGY, HEAT_WATER, HOUSING, WASTE)} == {
        Supplier.Kind.ENERGY,
        Supplier.Kind.HEAT_WATER,
        Supplier.Kind.HOUSING,
        Supplier.Kind.WASTE,
    }
    for supplier in suppliers.values():
        supplier.full_clean()
        assert len(supplier.inn) == 10
    assert suppliers[ENERGY].branches.count() >= 2
    assert suppliers[ENERGY].readings_close_time == dt.time(17, 0)
    assert (suppliers[WASTE].readings_first_day, suppliers[WASTE].readings_last_day) == (1, 31)


def test_it_spreads_accounts_over_the_three_suppliers_and_shares_premises(seeded: Path) -> None:
    per_supplier = dict(
        Account.objects.values_list("supplier__code").annotate(n=Count("id")).order_by()
    )
    assert per_supplier == {ENERGY: 10, HEAT_WATER: 10, WASTE: 10}
    assert Premises.objects.annotate(n=Count("accounts")).filter(n__gt=1).exists()
    assert Account.objects.filter(status=Account.Status.CLOSED).exists()
    assert Account.objects.filter(automatic_readings=True).exists()
    for account in Account.objects.all():
        assert re.fullmatch(r"\d{2}[А-Я]{2}\d{6}", account.els)
        assert account.izhku.startswith(account.els + "-")
        assert account.link_code


def test_it_loads_charge_lines_whose_totals_add_up(seeded: Path) -> None:
    periods = set(Charge.objects.values_list("period", flat=True))
    assert len(periods) == MONTHS
    assert max(periods) == timezone.localdate().replace(day=1)
    for c in Charge.objects.all():
        expected = (
            c.opening_balance + c.charged + c.surcharge + c.recalculation - c.benefits - c.paid
        )
        assert c.total == expected, c


def test_it_loads_bills_whose_totals_are_the_sum_of_their_sections(seeded: Path) -> None:
    assert Bill.objects.exists()
    for bill in Bill.objects.prefetch_related("sections"):
        sections = list(bill.sections.all())
        assert sections
        for column in ("opening_balance", "charged", "penalties", "paid", "total"):
            assert getattr(bill, column) == sum(getattr(s, column) for s in sections), column


def test_it_makes_each_section_the_sum_of_its_charge_lines(seeded: Path) -> None:
    lines = {
        (row["account"], row["period"], row["supplier"]): row["total"]
        for row in Charge.objects.values("account", "period", "supplier").annotate(
            total=Sum("total")
        )
    }
    for section in BillSection.objects.select_related("bill"):
        key = (section.bill.account_id, section.bill.period, section.supplier_id)
        assert section.total == lines[key]


def test_it_bills_the_housing_company_on_the_heat_and_water_bill(seeded: Path) -> None:
    recipients = set(
        BillSection.objects.filter(bill__account__supplier__code=HEAT_WATER).values_list(
            "supplier__code", flat=True
        )
    )
    assert recipients == {HEAT_WATER, HOUSING}


def test_it_charges_penalties_to_accounts_in_debt(seeded: Path) -> None:
    penalties = Charge.objects.filter(service__code="penalty")
    assert penalties.exists()
    assert all(c.opening_balance > 0 or c.charged > 0 for c in penalties)


def test_it_records_readings_that_never_run_backwards(seeded: Path) -> None:
    assert Reading.objects.count() >= Meter.objects.count()
    values: dict[int, list[list[Decimal]]] = defaultdict(list)
    for reading in Reading.objects.order_by("meter", "taken_on", "id"):
        values[reading.meter_id].append(reading.values)
    for series in values.values():
        for before, after in itertools.pairwise(series):
            assert all(a >= b for a, b in zip(after, before, strict=True))
    two_zone = Meter.objects.filter(zones=2).first()
    if two_zone:
        assert all(len(r.values) == 2 for r in two_zone.readings.all())


def test_it_records_payments_split_between_recipients(seeded: Path) -> None:
    assert Payment.objects.filter(channel=Payment.Channel.POST).exists()
    assert Payment.objects.exclude(channel=Payment.Channel.POST).exists()
    for payment in Payment.objects.prefetch_related("splits"):
        assert payment.amount == sum(s.amount for s in payment.splits.all())
    assert PaymentSplit.objects.values("payment").annotate(n=Count("id")).filter(n=2).exists()


def test_it_has_meters_due_for_verification_within_three_months(seeded: Path) -> None:
    today = timezone.localdate()
    assert Meter.objects.filter(
        verification_due__gt=today, verification_due__lte=today + dt.timedelta(days=92)
    ).exists()


def test_it_keeps_tariff_history_with_increases_on_july_first(seeded: Path) -> None:
    versions = list(
        Tariff.objects.filter(service__code="heating")
        .order_by("valid_from")
        .values_list("valid_from", "valid_to", "price")
    )
    assert len(versions) >= 2
    assert all(v[0].month == 7 and v[0].day == 1 for v in versions)
    assert [v[2] for v in versions] == sorted(v[2] for v in versions)
    assert versions[-1][1] is None


def test_it_adds_the_apps_demo_content_itself(seeded: Path) -> None:
    """Support's catalog, FAQ and the demo customers' cases and the back-office operator come
    from seed_demo calling the demo modules: no app listens for the demo."""
    energy = Supplier.objects.get(code=ENERGY)
    assert RequestType.objects.filter(supplier=energy).exists()
    assert CatalogItem.objects.filter(supplier=energy).exists()
    assert FaqQuestion.objects.exists()
    assert SupportContact.objects.filter(supplier=energy).exists()
    customers = [login for _kind, login, *_names in DEMO_CUSTOMERS]
    assert Appeal.objects.filter(user__phone__in=customers).exists()
    assert ServiceRequest.objects.filter(user__email__in=customers).exists()
    assert StaffMember.objects.get(user__username=DEMO_OPERATOR).supplier == energy
    output = (seeded / "seed_demo.out").read_text(encoding="utf-8")
    assert "Заявки и обращения: типов заявок +" in output
    assert f"Создан оператор бэк-офиса «{DEMO_OPERATOR}»" in output


def test_it_adds_nothing_with_if_empty_on_a_seeded_database(seeded: Path) -> None:
    counts = (Account.objects.count(), Charge.objects.count(), Payment.objects.count())
    output = seed(seeded, "--if-empty")
    assert "уже" in output
    assert (Account.objects.count(), Charge.objects.count(), Payment.objects.count()) == counts


def test_it_stores_a_random_admin_password_readable_only_by_its_owner(
    seeded: Path, settings: Any, tmp_path: Path
) -> None:
    path = credentials_path()
    assert path.parent == seeded
    assert path.stat().st_mode & 0o777 == 0o600
    credentials = json.loads(path.read_text(encoding="utf-8"))
    assert credentials["username"] == "admin"
    assert authenticate(username="admin", password=credentials["password"]) is not None

    settings.VAR_DIR = tmp_path  # a second demo elsewhere must not get the same password
    get_user_model().objects.filter(username="admin").delete()
    assert ensure_demo_admin() == ("admin", True)
    again = json.loads(credentials_path().read_text(encoding="utf-8"))["password"]
    assert again != credentials["password"]
    assert len(again) >= 20


def test_it_never_changes_an_existing_admin_password(seeded: Path) -> None:
    password = json.loads(credentials_path().read_text(encoding="utf-8"))["password"]
    assert ensure_demo_admin() == ("admin", False)
    assert authenticate(username="admin", password=password) is not None
    assert json.loads(credentials_path().read_text(encoding="utf-8"))["password"] == password


def test_it_prints_the_demo_login(seeded: Path) -> None:
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    password = json.loads(credentials_path().read_text(encoding="utf-8"))["password"]
    assert "http://127.0.0.1:8000/admin/" in out.getvalue()
    assert password in out.getvalue()


def test_it_writes_the_same_files_for_the_same_seed(tmp_path: Path) -> None:
    today = dt.date(2026, 10, 20)
    first = DemoUtility(12, 2, seed=7, today=today).write(tmp_path / "a")
    second = DemoUtility(12, 2, seed=7, today=today).write(tmp_path / "b")
    for a, b in zip(first.paths, second.paths, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    other = DemoUtility(12, 2, seed=8, today=today).write(tmp_path / "c")
    assert (tmp_path / "c" / "accounts.csv").read_bytes() != first.paths[0].read_bytes()
    assert other.rows["accounts"] == 12


def test_it_writes_the_post_registry_in_windows_1251_with_comment_lines(tmp_path: Path) -> None:
    DemoUtility(60, 3, today=dt.date(2026, 10, 20)).write(tmp_path)
    raw = (tmp_path / "payments_post.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lines = raw.decode("cp1251").splitlines()
    assert lines[0].startswith("# ")
    assert lines[2].startswith("supplier;")
    assert all(json.loads(line) for line in (tmp_path / "tariffs.jsonl").read_text().splitlines())


def test_demo_customers_log_in_and_keep_their_passwords(seeded: Path) -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    from kabinet.demo.people import customers_path, ensure_demo_customers
    from kabinet.identity.services.login import log_in

    customers = json.loads(customers_path().read_text(encoding="utf-8"))
    assert [c["login"] for c in customers] == ["+79000000001", "demo@example.org"]
    assert customers_path().stat().st_mode & 0o777 == 0o600
    for customer in customers:
        request = RequestFactory().post("/login/")
        request.session = SessionStore()
        user = log_in(
            request=request,
            identifier=customer["login"],
            password=customer["password"],
            client_ip="127.0.0.1",
        )
        assert user.consents.count() == 2
        assert not user.needs_personal_details

    assert ensure_demo_customers() == []
    assert json.loads(customers_path().read_text(encoding="utf-8")) == customers
    # Each has accounts to look at, with bills; linking again adds nothing.
    from kabinet.billing.models import AccountLink
    from kabinet.demo.people import link_demo_customers

    links = AccountLink.objects.filter(user__is_staff=False)
    assert links.count() == 3
    assert all(link.account.bills.exists() for link in links)
    assert link_demo_customers() == 0
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert all(c["password"] in out.getvalue() for c in customers)


def test_heat_and_water_accounts_link_by_payment_code_surname_and_flat(seeded: Path) -> None:
    """Seed 002's way: the account number from the bill, the owner's surname and the flat."""
    from kabinet.billing import services
    from tests.factories import make_customer

    account = (
        Account.objects.filter(supplier__code=HEAT_WATER, premises__flat__gt="")
        .select_related("premises", "supplier")
        .first()
    )
    assert account is not None
    assert account.premises is not None
    assert set(services.allowed_questions(account.supplier)) >= {services.Question.SURNAME_FLAT}
    link = services.link_account(
        user=make_customer(),
        supplier=account.supplier,
        branch=account.branch,
        number=account.number,
        relation="owner",
        answer=services.Answer(
            question=services.Question.SURNAME_FLAT,
            surname=account.owner_name.split()[0].upper(),
            flat=account.premises.flat,
        ),
    )
    assert link.account_id == account.pk
    assert Supplier.objects.get(code=HOUSING).payment_commission


def test_it_shows_the_demo_customers_notifications_and_one_announcement(seeded: Path) -> None:
    from kabinet.demo.notifications import add_demo_notifications
    from kabinet.notifications.models import Announcement, Notification

    announcement = Announcement.objects.get()
    customers = Notification.objects.filter(user__is_staff=False)
    assert customers.filter(announcement=announcement).exists()
    assert customers.exclude(announcement=announcement).exists()  # raised by the rules
    suppliers = {s.code: s for s in Supplier.objects.all()}
    assert add_demo_notifications(suppliers).endswith("+0, объявление поставщика +0")
