"""YooKassa (API v3): redirect confirmation, Idempotence-Key, 54-FZ receipt data.

- ``POST /payments`` with HTTP Basic ``shopId:secretKey`` and ``Idempotence-Key`` (our payment's
  key), ``capture: true``, ``confirmation: {type: redirect, return_url}`` and a receipt (ФФД
  1.2) with one item per supplier line: the supplier's VAT code, ``measure: piece``,
  ``payment_subject: service``, the payment mode, and — unless the supplier is the merchant
  itself — ``agent_type`` and ``supplier`` {name, INN, phone}. The customer is sent to
  ``confirmation.confirmation_url``.
- ``GET /payments/{id}`` reads the status; notifications are not signed, so the view accepts
  them only from YOOKASSA_NOTIFY_NETWORKS and the service always re-reads the payment here.
- ``POST /refunds`` returns money, with its own Idempotence-Key and the refund receipt's items.

A timeout, a refused connection or a 5xx is a temporary ProviderError: the same request with
the same key is safe to send again. A 4xx is permanent.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from kabinet.core.outbound import HttpAnswer, NotHttpUrl, Unreachable, exchange
from kabinet.payments.providers.base import (
    Notification,
    ProviderError,
    ProviderState,
    ProviderStatus,
    Receipt,
    ReceiptItem,
    RefundResult,
    StartRequest,
    StartResult,
)

logger = logging.getLogger(__name__)

STATES: dict[str, ProviderState] = {
    "pending": "pending",
    # Only with capture=false, which Kabinet never sends; still money not yet ours.
    "waiting_for_capture": "pending",
    "succeeded": "succeeded",
    "canceled": "canceled",
}


def http_request(
    method: str, url: str, *, headers: dict[str, str], body: bytes | None, timeout: float
) -> HttpAnswer:
    """The one place this provider touches the network; any status comes back as an answer.

    Connection failures and timeouts raise a temporary ProviderError.
    """
    try:
        return exchange(method, url, headers=headers, body=body, timeout=timeout)
    except NotHttpUrl:
        raise ProviderError(
            f"YOOKASSA_API_URL must be an http(s) URL, got {url!r}", permanent=True
        ) from None
    except Unreachable as exc:
        raise ProviderError(f"YooKassa unreachable: {exc}") from exc


def _money(value: Decimal) -> dict[str, str]:
    return {"value": f"{value:.2f}", "currency": "RUB"}


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0.00")


def _datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _receipt_item(item: ReceiptItem) -> dict[str, Any]:
    body: dict[str, Any] = {
        "description": item.description[:128],
        "quantity": "1.00",
        # ФФД 1.2 requires the measure of every item; a service is counted in pieces.
        "measure": "piece",
        "amount": _money(item.amount),
        "vat_code": item.vat_code,
        "payment_mode": item.payment_mode,
        "payment_subject": "service",
    }
    if item.agent_type:
        body["agent_type"] = item.agent_type
        body["supplier"] = {
            "name": item.supplier_name[:256],
            "inn": item.supplier_inn,
            **({"phone": item.supplier_phone} if item.supplier_phone else {}),
        }
    return body


class YooKassaProvider:
    name = "yookassa"

    def __init__(
        self,
        *,
        api_url: str,
        shop_id: str,
        secret_key: str,
        timeout: float,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.shop_id = shop_id
        self.secret_key = secret_key
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> YooKassaProvider:
        if not settings.YOOKASSA_SHOP_ID or not settings.YOOKASSA_SECRET_KEY:
            raise ProviderError(
                "PAYMENT_PROVIDER=yookassa needs YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY",
                permanent=True,
            )
        return cls(
            api_url=settings.YOOKASSA_API_URL,
            shop_id=settings.YOOKASSA_SHOP_ID,
            secret_key=settings.YOOKASSA_SECRET_KEY,
            timeout=settings.YOOKASSA_TIMEOUT,
        )

    def _call(
        self, method: str, path: str, payload: dict[str, Any] | None = None, key: str = ""
    ) -> dict[str, Any]:
        credentials = base64.b64encode(f"{self.shop_id}:{self.secret_key}".encode()).decode()
        headers = {"Authorization": f"Basic {credentials}", "Accept": "application/json"}
        body = None
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotence-Key"] = key
        answer = http_request(
            method, f"{self.api_url}{path}", headers=headers, body=body, timeout=self.timeout
        )
        if answer.status >= 500 or answer.status == 429:
            raise ProviderError(f"YooKassa answered HTTP {answer.status}")
        try:
            # YooKassa writes amounts as strings; a number, should one come, stays exact.
            data = json.loads(answer.body.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, ValueError):
            raise ProviderError(
                f"YooKassa answered HTTP {answer.status} with something other than JSON"
            ) from None
        if not isinstance(data, dict):
            raise ProviderError("YooKassa answered unexpected JSON")
        if answer.status >= 400:
            description = data.get("description") or data.get("code") or ""
            raise ProviderError(
                f"YooKassa answered HTTP {answer.status}: {description}", permanent=True
            )
        return data

    def _receipt(self, receipt: Receipt) -> dict[str, Any]:
        customer: dict[str, str] = {}
        if receipt.email:
            customer["email"] = receipt.email
        if receipt.phone:
            customer["phone"] = receipt.phone.removeprefix("+")
        return {"customer": customer, "items": [_receipt_item(item) for item in receipt.items]}

    def start(self, request: StartRequest) -> StartResult:
        payload: dict[str, Any] = {
            "amount": _money(request.amount),
            "capture": True,
            "confirmation": {"type": "redirect", "return_url": request.return_url},
            "description": request.description[:128],
            "metadata": {"kabinet_payment_id": str(request.payment_id)},
        }
        if request.items:
            payload["receipt"] = self._receipt(
                Receipt(
                    email=request.receipt_email, phone=request.receipt_phone, items=request.items
                )
            )
        data = self._call("POST", "/payments", payload, key=request.idempotency_key)
        status = self._status(data)
        confirmation = data.get("confirmation") or {}
        url = confirmation.get("confirmation_url", "") if isinstance(confirmation, dict) else ""
        if status.status == "pending" and not url:
            raise ProviderError("YooKassa created a payment without a confirmation URL")
        return StartResult(
            provider_id=status.provider_id, confirmation_url=url, status=status.status
        )

    def fetch(self, provider_id: str) -> ProviderStatus:
        # The id goes into a URL path: YooKassa ids are letters, digits and dashes.
        if not provider_id or not all(c.isalnum() or c in "-_" for c in provider_id):
            raise ProviderError(f"not a YooKassa payment id: {provider_id!r}", permanent=True)
        return self._status(self._call("GET", f"/payments/{provider_id}"))

    def refund(
        self,
        provider_id: str,
        amount: Decimal,
        idempotency_key: str,
        receipt: Receipt | None = None,
    ) -> RefundResult:
        payload: dict[str, Any] = {"payment_id": provider_id, "amount": _money(amount)}
        if receipt is not None and receipt.items:
            payload["receipt"] = self._receipt(receipt)
        data = self._call("POST", "/refunds", payload, key=idempotency_key)
        status = data.get("status")
        if status not in ("pending", "succeeded", "canceled"):
            raise ProviderError(f"YooKassa answered an unknown refund status {status!r}")
        return RefundResult(refund_id=str(data.get("id", "")), status=status)

    def _status(self, data: dict[str, Any]) -> ProviderStatus:
        provider_id = data.get("id")
        raw = data.get("status")
        if not isinstance(provider_id, str) or not provider_id or raw not in STATES:
            raise ProviderError(f"YooKassa answered a payment without id or status: {data!r}")
        amount = data.get("amount") or {}
        refunded = data.get("refunded_amount") or {}
        details = data.get("cancellation_details") or {}
        return ProviderStatus(
            provider_id=provider_id,
            status=STATES[raw],
            raw_status=raw,
            amount=_decimal(amount.get("value") if isinstance(amount, dict) else None),
            paid_at=_datetime(data.get("captured_at")) if raw == "succeeded" else None,
            failure_code=str(details.get("reason", "")) if isinstance(details, dict) else "",
            refunded_amount=_decimal(
                refunded.get("value", "0") if isinstance(refunded, dict) else 0
            ),
        )

    def parse_notification(self, body: bytes) -> Notification | None:
        try:
            data = json.loads(body, parse_float=Decimal)
            event = data["event"]
            obj = data["object"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(obj, dict) or not isinstance(event, str):
            return None
        # refund.* events carry the refund; its payment is named by payment_id.
        provider_id = obj.get("payment_id") if event.startswith("refund.") else obj.get("id")
        if not isinstance(provider_id, str) or not provider_id:
            return None
        return Notification(provider_id=provider_id[:64], event=event[:64])
