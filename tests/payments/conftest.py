"""Builders for payment tests and a fake YooKassa on 127.0.0.1 that follows its documented API."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import Account, Bill, Supplier
from kabinet.identity.models import User
from kabinet.payments.selectors import line_key
from tests.documents.sample import make_two_recipient_bill
from tests.factories import make_customer, make_link

SHOP_ID = "100500"
SECRET = "test_secret-key"


@pytest.fixture
def customer() -> User:
    return make_customer(email="payer@example.ru")


@pytest.fixture
def bill() -> Bill:
    """Two recipients: ТЭСК (electricity 684.70) and УК Жилсервис (maintenance 1400.00 and
    penalties 12.34)."""
    return make_two_recipient_bill()


@pytest.fixture
def account(bill: Bill, customer: User) -> Account:
    make_link(customer, bill.account)
    return bill.account


@pytest.fixture
def energy(account: Account) -> Supplier:
    return Supplier.objects.get(short_name="ТЭСК")


@pytest.fixture
def housing(account: Account) -> Supplier:
    return Supplier.objects.get(short_name="УК Жилсервис")


class CommittingClient(Client):
    """A test client after whose requests what they queued "on commit" runs, as in production.

    Tests run inside a transaction that never commits; the sandbox's call-back and e-mail
    delivery are queued on commit.
    """

    capture: Any = None

    def request(self, **request: Any) -> Any:
        with self.capture(execute=True):
            return super().request(**request)


@pytest.fixture
def client(django_capture_on_commit_callbacks: Any) -> Client:
    committing = CommittingClient()
    committing.capture = django_capture_on_commit_callbacks
    return committing


@pytest.fixture
def client_in(client: Client, customer: User) -> Client:
    client.force_login(customer)
    return client


def form(account: Account, **overrides: Any) -> dict[str, Any]:
    """A filled-in payment form: every line at its due amount, e-mail receipt, consent given."""
    data: dict[str, Any] = {
        f"amount-{key}": amount
        for key, amount in zip(keys(account).values(), ["684,70", "1400,00", "12,34"], strict=True)
    }
    data.update(
        receipt_channel="email",
        receipt_email="payer@example.ru",
        agree="on",
        idempotency_key=str(uuid.uuid4()),
        action="pay",
    )
    data.update(overrides)
    return data


def url(account: Account) -> str:
    return reverse("payments:pay", args=[account.pk])


def keys(account: Account) -> dict[str, str]:
    """Line keys by service name."""
    from kabinet.payments.selectors import payment_lines

    return {line.title: line.key for line in payment_lines(account).lines}


def supplier_key(supplier: Supplier, service_id: int | None) -> str:
    return line_key(supplier.pk, service_id)


# --- The fake YooKassa -------------------------------------------------------------------------


@dataclass
class FakeYooKassa:
    """POST /v3/payments (idempotent by key, Basic auth checked), GET /v3/payments/{id},
    POST /v3/refunds. ``mode`` "timeout" or "500" makes every request hang or fail."""

    url: str = ""
    mode: str = "ok"
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    refunds_by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    # "pending": refunds stay pending until finish_refund (as YooKassa's sometimes do).
    refund_status: str = "succeeded"

    def finish_refund(self, refund_id: str) -> None:
        refund = next(r for r in self.refunds_by_key.values() if r["id"] == refund_id)
        refund["status"] = "succeeded"
        self._add_refunded(self.payments[refund["payment_id"]], refund["amount"]["value"])

    @staticmethod
    def _add_refunded(paid: dict[str, Any], value: str) -> None:
        refunded = Decimal(paid.get("refunded_amount", {}).get("value", "0")) + Decimal(value)
        paid["refunded_amount"] = {"value": f"{refunded:.2f}", "currency": "RUB"}

    def posted_refunds(self) -> list[tuple[str, Any]]:
        """(Idempotence-Key, body) of every refund request, in order."""
        return [
            (headers["Idempotence-Key"], body)
            for method, path, headers, body in self.requests
            if (method, path) == ("POST", "/v3/refunds")
        ]

    def set_status(self, provider_id: str, status: str, **extra: Any) -> None:
        payment = self.payments[provider_id]
        payment["status"] = status
        payment["paid"] = status == "succeeded"
        if status == "succeeded":
            payment["captured_at"] = "2026-10-20T09:00:00.000Z"
        payment.update(extra)

    def posted_payments(self) -> list[dict[str, Any]]:
        return [
            body
            for method, path, _, body in self.requests
            if (method, path) == ("POST", "/v3/payments")
        ]


def _handler(fake: FakeYooKassa) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"{SHOP_ID}:{SECRET}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _begin(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            fake.requests.append((self.command, self.path, dict(self.headers), body))
            if fake.mode == "timeout":
                fake.release.wait(5)
                return None
            if fake.mode == "500":
                self._answer(500, {"type": "error", "code": "internal_server_error"})
                return None
            if self.headers.get("Authorization") != expected:
                self._answer(401, {"type": "error", "code": "invalid_credentials"})
                return None
            return body if body is not None else {}

        def do_GET(self) -> None:
            if self._begin() is None:
                return
            provider_id = self.path.removeprefix("/v3/payments/")
            payment = fake.payments.get(provider_id)
            if payment is None:
                self._answer(404, {"type": "error", "code": "not_found"})
            else:
                self._answer(200, payment)

        def do_POST(self) -> None:
            body = self._begin()
            if body is None:
                return
            key = self.headers.get("Idempotence-Key")
            if not key:
                self._answer(400, {"type": "error", "code": "invalid_request"})
                return
            if self.path == "/v3/payments":
                if key in fake.by_key:
                    self._answer(200, fake.payments[fake.by_key[key]])
                    return
                provider_id = f"2f{uuid.uuid4().hex[:6]}-000f-5000-8000-{uuid.uuid4().hex[:12]}"
                payment = {
                    "id": provider_id,
                    "status": "pending",
                    "paid": False,
                    "amount": body["amount"],
                    "confirmation": {
                        "type": "redirect",
                        "confirmation_url": f"{fake.url}/checkout/{provider_id}",
                    },
                    "created_at": "2026-10-20T08:59:00.000Z",
                    "description": body.get("description", ""),
                    "metadata": body.get("metadata", {}),
                    "recipient": {"account_id": SHOP_ID, "gateway_id": "1"},
                    "refundable": False,
                    "test": True,
                }
                fake.payments[provider_id] = payment
                fake.by_key[key] = provider_id
                self._answer(200, payment)
            elif self.path == "/v3/refunds":
                if key in fake.refunds_by_key:
                    self._answer(200, fake.refunds_by_key[key])
                    return
                paid = fake.payments.get(body.get("payment_id", ""))
                if paid is None or paid["status"] != "succeeded":
                    self._answer(400, {"type": "error", "code": "invalid_request"})
                    return
                if fake.refund_status == "succeeded":
                    fake._add_refunded(paid, body["amount"]["value"])
                refund = {
                    "id": f"rf-{uuid.uuid4().hex[:8]}",
                    "status": fake.refund_status,
                    "amount": body["amount"],
                    "payment_id": paid["id"],
                }
                fake.refunds_by_key[key] = refund
                self._answer(200, refund)
            else:
                self._answer(404, {"type": "error", "code": "not_found"})

    return Handler


@pytest.fixture
def fake_yookassa(settings: Any) -> Iterator[FakeYooKassa]:
    fake = FakeYooKassa()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PAYMENT_PROVIDER = "yookassa"
    settings.YOOKASSA_API_URL = f"{fake.url}/v3"
    settings.YOOKASSA_SHOP_ID = SHOP_ID
    settings.YOOKASSA_SECRET_KEY = SECRET
    settings.YOOKASSA_TIMEOUT = 0.3
    settings.YOOKASSA_NOTIFY_NETWORKS = ["127.0.0.1/32"]
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
