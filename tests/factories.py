"""Small factories for the data model; each returns a saved object with sensible defaults.

Plain functions with keyword arguments: a test names only what it is about and takes the rest from
here. What a customer files (requests, appeals, documents) goes through the support services, as
the portal does, so numbers, history and audit rows are there too.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import itertools
import struct
import zlib
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from kabinet.billing import versions
from kabinet.billing.models import (
    Account,
    AccountLink,
    Bill,
    BillSection,
    Branch,
    Charge,
    ImportBatch,
    Premises,
    Service,
    Supplier,
    Tariff,
)
from kabinet.identity.models import User
from kabinet.metering.models import Meter, Reading
from kabinet.payments.models import Payment, PaymentSplit
from kabinet.staff.models import StaffMember
from kabinet.support import services as support
from kabinet.support.models import (
    Appeal,
    CatalogItem,
    RequestType,
    ServiceRequest,
    SocialNormDocument,
)

PASSWORD = "Secret-Pass-2024x"
STAFF_PASSWORD = "Staff-Pass-2024x"

_seq = itertools.count(1)


# --- people ------------------------------------------------------------------------------------


def make_customer(**kwargs: Any) -> User:
    """A customer who registered by phone (confirmed) and gave an e-mail (not confirmed yet).

    ``password`` defaults to PASSWORD; ``phone=None`` or ``email=None`` leave either out.
    """
    n = next(_seq)
    defaults: dict[str, Any] = {
        "username": f"customer{n}",
        "last_name": "Иванова",
        "first_name": "Мария",
        "phone": f"+7916000{n:04d}",
        "phone_confirmed_at": timezone.now(),
        "email": f"customer{n}@example.ru",
    }
    defaults.update(kwargs)
    password = defaults.pop("password", PASSWORD)
    return User.objects.create_user(password=password, **defaults)


def make_email_customer(email: str | None = None, *, confirmed: bool = True, **kwargs: Any) -> User:
    """A customer who registered by e-mail: no phone, the address confirmed unless told not."""
    n = next(_seq)
    defaults: dict[str, Any] = {
        "username": f"reader{n}",
        "last_name": "Петрова",
        "first_name": "Мария",
        "phone": None,
        "phone_confirmed_at": None,
        "email": email or f"reader{n}@example.org",
        "email_confirmed_at": timezone.now() if confirmed else None,
    }
    defaults.update(kwargs)
    return make_customer(**defaults)


def make_staff(supplier: Supplier | None = None, **kwargs: Any) -> User:
    """A staff user with an active StaffMember (``supplier`` None = every supplier)."""
    n = next(_seq)
    defaults: dict[str, Any] = {
        "username": f"operator{n}",
        "last_name": "Сотрудникова",
        "first_name": f"Ольга{n}",
        "is_staff": True,
    }
    defaults.update(kwargs)
    password = defaults.pop("password", STAFF_PASSWORD)
    user = User.objects.create_user(password=password, **defaults)
    StaffMember.objects.create(user=user, supplier=supplier, position="Оператор")
    return user


def make_link(user: User, account: Account, **kwargs: Any) -> AccountLink:
    """The customer's link to ``account``, as its owner unless ``relation`` says otherwise."""
    defaults: dict[str, Any] = {"relation": AccountLink.Relation.OWNER}
    defaults.update(kwargs)
    return AccountLink.objects.create(user=user, account=account, **defaults)


# --- billing -----------------------------------------------------------------------------------


def make_supplier(**kwargs: Any) -> Supplier:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "code": f"sup{n}",
        "name": f"ООО «Поставщик {n}»",
        "short_name": f"Поставщик {n}",
        "kind": Supplier.Kind.ENERGY,
        "inn": "7701234567",
        "kpp": "770101001",
        "bank_name": "ПАО Сбербанк",
        "bic": "044525225",
        "settlement_account": "40702810938000000001",
        "correspondent_account": "30101810400000000225",
    }
    defaults.update(kwargs)
    return Supplier.objects.create(**defaults)


def make_branch(supplier: Supplier, **kwargs: Any) -> Branch:
    n = next(_seq)
    defaults: dict[str, Any] = {"code": f"br{n}", "name": f"Филиал {n}"}
    defaults.update(kwargs)
    return Branch.objects.create(supplier=supplier, **defaults)


def make_service(**kwargs: Any) -> Service:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "code": f"svc{n}",
        "name": f"Услуга {n}",
        "kind": Service.Kind.ELECTRICITY,
        "unit": "кВт·ч",
        "is_metered": True,
    }
    defaults.update(kwargs)
    return Service.objects.create(**defaults)


def make_premises(**kwargs: Any) -> Premises:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "external_id": f"P{n}",
        "address": f"г. Тамбов, ул. Советская, д. {n}, кв. 1",
        "total_area": Decimal("54.30"),
        "residents": 2,
    }
    defaults.update(kwargs)
    return Premises.objects.create(**defaults)


def make_account(supplier: Supplier | None = None, **kwargs: Any) -> Account:
    n = next(_seq)
    supplier = supplier or make_supplier()
    defaults: dict[str, Any] = {
        "number": f"{100000 + n}",
        "owner_name": "Иванов Иван Иванович",
        "link_code": f"{n:06d}",
    }
    defaults.update(kwargs)
    if "premises" not in defaults:
        defaults["premises"] = make_premises()
    return Account.objects.create(supplier=supplier, **defaults)


def make_meter(account: Account, service: Service | None = None, **kwargs: Any) -> Meter:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "supplier": account.supplier,
        "external_id": f"M{n}",
        "serial_number": f"{4000000 + n}",
        "zones": 1,
        "integer_digits": 6,
        "fraction_digits": 2,
        "installed_on": dt.date(2020, 1, 15),
        "verification_due": dt.date(2032, 1, 15),
    }
    defaults.update(kwargs)
    versions.bump(account_ids=[account.pk])  # as billing's load of the meter does
    return Meter.objects.create(account=account, service=service or make_service(), **defaults)


def make_reading(meter: Meter, **kwargs: Any) -> Reading:
    """A portal reading; ``submitted_at`` may be given although the model stamps it on save."""
    submitted_at = kwargs.pop("submitted_at", None)
    defaults: dict[str, Any] = {
        "account_number": meter.account.number,
        "period": dt.date(2026, 10, 1),
        "taken_on": dt.date(2026, 10, 20),
        "source": Reading.Source.PORTAL,
        "value_1": Decimal("1234.5"),
    }
    defaults.update(kwargs)
    reading = Reading.objects.create(meter=meter, **defaults)
    if submitted_at is not None:
        Reading.objects.filter(pk=reading.pk).update(submitted_at=submitted_at)
        reading.refresh_from_db()
    versions.bump(account_ids=[meter.account_id])  # as billing's load or a submission does
    return reading


def make_payment(
    account: Account, splits: list[tuple[Supplier, Decimal]] | None = None, **kwargs: Any
) -> Payment:
    """A succeeded portal card payment, split as ``splits`` (default: all to its supplier)."""
    n = next(_seq)
    defaults: dict[str, Any] = {
        "source": Payment.Source.PORTAL,
        "channel": Payment.Channel.PORTAL_CARD,
        "status": Payment.Status.SUCCEEDED,
        "amount": Decimal("1000.00"),
        "paid_at": dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC),
        "external_id": f"pay-{n}",
    }
    defaults.update(kwargs)
    payment = Payment.objects.create(account=account, **defaults)
    for supplier, amount in splits or [(account.supplier, payment.amount)]:
        PaymentSplit.objects.create(payment=payment, supplier=supplier, amount=amount)
    versions.bump(account_ids=[account.pk])  # as the payment's writer does
    return payment


def make_tariff(supplier: Supplier, service: Service, **kwargs: Any) -> Tariff:
    defaults: dict[str, Any] = {
        "code": "T1",
        "name": f"{service.name}, одноставочный",
        "price": Decimal("5.2613"),
        "valid_from": dt.date(2026, 1, 1),
    }
    defaults.update(kwargs)
    return Tariff.objects.create(supplier=supplier, service=service, **defaults)


def make_charge(account: Account, service: Service | None = None, **kwargs: Any) -> Charge:
    """A charge line of the account's own supplier: 100 units at 5 ₽, nothing paid yet."""
    defaults: dict[str, Any] = {
        "period": dt.date(2026, 9, 1),
        "supplier": account.supplier,
        "unit": "кВт·ч",
        "volume": Decimal("100"),
        "tariff": Decimal("5.0000"),
        "charged": Decimal("500.00"),
        "total": Decimal("500.00"),
    }
    defaults.update(kwargs)
    versions.bump(account_ids=[account.pk])  # as billing's load of the charge does
    return Charge.objects.create(account=account, service=service or make_service(), **defaults)


def make_bill(
    account: Account, sections: list[tuple[Supplier, Decimal]] | None = None, **kwargs: Any
) -> Bill:
    """A bill whose totals are the sum of ``sections`` (default: one of the account's supplier)."""
    n = next(_seq)
    parts = sections or [(account.supplier, Decimal("500.00"))]
    amount = sum((part for _, part in parts), Decimal("0.00"))
    defaults: dict[str, Any] = {
        "period": dt.date(2026, 9, 1),
        "number": f"B{n}",
        "issued_on": dt.date(2026, 10, 1),
        "due_date": dt.date(2026, 10, 25),
        "charged": amount,
        "total": amount,
    }
    defaults.update(kwargs)
    bill = Bill.objects.create(account=account, **defaults)
    for supplier, part in parts:
        BillSection.objects.create(bill=bill, supplier=supplier, charged=part, total=part)
    versions.bump(account_ids=[account.pk])  # as billing's load of the bill does
    return bill


def fill_charges(
    account: Account, energy: Supplier, waste: Supplier, electricity: Service
) -> Service:
    """Two months of an account's charges and its October bill: September's electricity; in
    October electricity with a recalculation and benefits, a penalty, and waste collection billed
    by ``waste``; the energy supplier's tariffs of 2025 and 2026 and a foreign one. Returns the
    penalty service."""
    penalty = make_service(name="Пени", kind=Service.Kind.PENALTY, unit="", sort_order=99)
    garbage = make_service(name="Обращение с ТКО", kind=Service.Kind.WASTE, unit="чел.")
    for code, price, start, end, name in [
        ("T1", "5.0000", dt.date(2025, 7, 1), dt.date(2025, 12, 31), "Одноставочный 2025"),
        ("T1", "5.2613", dt.date(2026, 1, 1), None, "Одноставочный 2026"),
        ("T9", "9.9900", dt.date(2026, 1, 1), None, "Чужой тариф"),
    ]:
        make_tariff(
            energy,
            electricity,
            code=code,
            price=Decimal(price),
            valid_from=start,
            valid_to=end,
            name=name,
        )
    make_charge(account, electricity, period=dt.date(2026, 9, 1), tariff_code="T1")
    make_charge(
        account,
        electricity,
        period=dt.date(2026, 10, 1),
        tariff_code="T1",
        volume=Decimal("210.5"),
        tariff=Decimal("5.2613"),
        opening_balance=Decimal("500.00"),
        paid=Decimal("500.00"),
        charged=Decimal("1107.50"),
        recalculation=Decimal("-12.30"),
        benefits=Decimal("100.00"),
        total=Decimal("995.20"),
    )
    make_charge(
        account,
        penalty,
        period=dt.date(2026, 10, 1),
        volume=None,
        tariff=None,
        unit="",
        charged=Decimal("3.17"),
        total=Decimal("3.17"),
    )
    make_charge(
        account,
        garbage,
        period=dt.date(2026, 10, 1),
        supplier=waste,
        volume=Decimal("3"),
        unit="чел.",
        tariff=Decimal("98.4500"),
        charged=Decimal("295.35"),
        total=Decimal("295.35"),
    )
    make_bill(
        account,
        period=dt.date(2026, 10, 1),
        due_date=dt.date(2026, 11, 25),
        sections=[(energy, Decimal("998.37")), (waste, Decimal("295.35"))],
    )
    return penalty


def make_import_batch(**kwargs: Any) -> ImportBatch:
    """A finished import of a small accounts file."""
    n = next(_seq)
    defaults: dict[str, Any] = {
        "kind": "accounts",
        "file_name": f"accounts-{n}.csv",
        "file_format": "csv",
        "encoding": "utf-8",
        "started_by": "import_billing",
        "status": ImportBatch.Status.LOADED,
        "rows": 10,
        "inserted": 8,
        "updated": 1,
        "unchanged": 1,
    }
    defaults.update(kwargs)
    return ImportBatch.objects.create(**defaults)


# --- support -----------------------------------------------------------------------------------


def png_bytes() -> bytes:
    """A real 4×4 PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_upload(name: str = "meter.png") -> SimpleUploadedFile:
    """A real PNG, as a browser uploads it."""
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


@functools.cache
def bomb_png_bytes(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid 1-bit PNG of width×height white pixels: ~110 KB on disk for 900 Mpx decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte "none", then the packed pixels
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def bomb_png_upload(name: str = "bomb.png") -> SimpleUploadedFile:
    """A decompression bomb: 30000×30000 pixels, which Pillow refuses to open."""
    return SimpleUploadedFile(name, bomb_png_bytes(), content_type="image/png")


def truncated_jpeg_upload(name: str = "cut.jpg") -> SimpleUploadedFile:
    """A real JPEG cut in half, as an interrupted phone upload leaves it."""
    buffer = io.BytesIO()
    Image.effect_noise((300, 300), 50).convert("RGB").save(buffer, format="JPEG")
    data = buffer.getvalue()
    return SimpleUploadedFile(name, data[: len(data) // 2], content_type="image/jpeg")


def pdf_upload(name: str = "passport.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def fake_pdf_upload(name: str = "invoice.pdf") -> SimpleUploadedFile:
    """A Windows executable named like a PDF, with the browser's PDF content type."""
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 60, content_type="application/pdf")


DEFAULT_REQUEST_TYPE = "Проверка прибора учёта"


def make_request_type(supplier: Supplier, **kwargs: Any) -> RequestType:
    defaults: dict[str, Any] = {"name": "Снятие показаний", "sort_order": 10}
    defaults.update(kwargs)
    return RequestType.objects.create(supplier=supplier, **defaults)


def make_catalog_item(supplier: Supplier, **kwargs: Any) -> CatalogItem:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "code": f"item-{n}",
        "name": "Замена электросчётчика",
        "price": Decimal("1500.00"),
    }
    defaults.update(kwargs)
    return CatalogItem.objects.create(supplier=supplier, **defaults)


def file_request(link: AccountLink, **kwargs: Any) -> ServiceRequest:
    """A service request the customer of ``link`` files for tomorrow morning.

    ``request_type`` defaults to the supplier's «Проверка прибора учёта», created on first use
    (a name of its own, so a test's make_request_type() does not collide with it).
    """
    supplier = link.account.supplier
    request_type = kwargs.pop("request_type", None) or (
        RequestType.objects.filter(supplier=supplier, name=DEFAULT_REQUEST_TYPE).first()
        or make_request_type(supplier, name=DEFAULT_REQUEST_TYPE)
    )
    tomorrow = timezone.localdate(timezone=ZoneInfo(supplier.time_zone)) + dt.timedelta(days=1)
    defaults: dict[str, Any] = {
        "reason": "Счётчик не показывает",
        "contact_phone": "+79161234567",
        "desired_date": tomorrow,
        "desired_slot": "09-12",
    }
    defaults.update(kwargs)
    return support.create_request(link=link, request_type=request_type, **defaults)


def file_appeal(by: User | AccountLink, supplier: Supplier | None = None, **kwargs: Any) -> Appeal:
    """An appeal about a payment, filed by a customer.

    ``by`` is a link (the appeal is about its account, to its supplier) or a user, who then
    writes to ``supplier`` about no account unless ``account`` is given.
    """
    defaults: dict[str, Any] = {"account": None, "topic": "payment", "text": "Где мой платёж?"}
    if isinstance(by, AccountLink):
        user = by.user
        supplier = supplier or by.account.supplier
        defaults["account"] = by.account
    else:
        user = by
    if supplier is None:
        raise TypeError("file_appeal(user, …) needs the supplier the appeal is addressed to")
    defaults.update(kwargs)
    return support.create_appeal(user=user, supplier=supplier, **defaults)


def file_document(link: AccountLink, **kwargs: Any) -> SocialNormDocument:
    """A certificate of residents, one scan, uploaded for the account of ``link``."""
    defaults: dict[str, Any] = {"kind": "residents", "files": [png_upload("spravka.png")]}
    defaults.update(kwargs)
    return support.upload_social_document(link=link, **defaults)
