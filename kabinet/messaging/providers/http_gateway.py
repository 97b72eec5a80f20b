"""An HTTP SMS gateway in the SMSC.ru style (SMS_BACKEND=http).

One POST per SMS to SMS_GATEWAY_URL with a form body:
login, psw, phones (digits, no "+"), mes (the text), sender, id (Kabinet's message id),
charset=utf-8 and fmt=3 (answer in JSON). The gateway answers `{"id": 123, "cnt": 1}` when it
accepted the message, or `{"error": "…", "error_code": 7}` when it did not.

Credentials travel in the body, never in the URL, so they stay out of proxy and server logs.
"""

from __future__ import annotations

import json
import logging
import urllib.parse

from django.conf import settings

from kabinet.core.outbound import HttpAnswer, NotHttpUrl, Unreachable, exchange
from kabinet.messaging.providers.base import DeliveryError, SmsResult, SmsToSend

logger = logging.getLogger(__name__)

# SMSC error codes that a later retry can get past: 3 — no money on the account (the operator
# tops it up), 4 — our IP is blocked for a while, 9 — too many requests in a row. Every other code
# (bad parameters or credentials, forbidden text or sender, invalid or unreachable number) fails
# the same way however often it is retried.
TEMPORARY_ERROR_CODES = frozenset({3, 4, 9})


def post_form(url: str, fields: dict[str, str], *, timeout: float) -> HttpAnswer:
    """POST a form and return the status and body, whatever the status.

    The one place this gateway touches the network (tests may patch it, but they normally run a
    fake gateway on 127.0.0.1). Connection failures and timeouts raise a temporary DeliveryError.
    """
    data = urllib.parse.urlencode(fields).encode("ascii")
    try:
        return exchange(
            "POST",
            url,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            body=data,
            timeout=timeout,
        )
    except NotHttpUrl:
        raise DeliveryError(
            f"SMS_GATEWAY_URL must be an http(s) URL, got {url!r}", permanent=True
        ) from None
    except Unreachable as exc:
        raise DeliveryError(f"SMS gateway unreachable: {exc}") from exc


class HttpSmsGateway:
    def __init__(
        self,
        *,
        url: str,
        login: str,
        password: str,
        sender: str,
        timeout: float,
    ) -> None:
        self.url = url
        self.login = login
        self.password = password
        self.sender = sender
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> HttpSmsGateway:
        if not settings.SMS_GATEWAY_URL:
            raise DeliveryError("SMS_BACKEND=http needs SMS_GATEWAY_URL", permanent=True)
        return cls(
            url=settings.SMS_GATEWAY_URL,
            login=settings.SMS_GATEWAY_LOGIN,
            password=settings.SMS_GATEWAY_PASSWORD,
            sender=settings.SMS_SENDER,
            timeout=settings.SMS_GATEWAY_TIMEOUT,
        )

    def send(self, message: SmsToSend) -> SmsResult:
        fields = {
            "login": self.login,
            "psw": self.password,
            "phones": message.to.removeprefix("+"),
            "mes": message.text,
            "sender": message.sender or self.sender,
            "id": str(message.message_id),
            "charset": "utf-8",
            "fmt": "3",
        }
        response = post_form(self.url, fields, timeout=self.timeout)
        if response.status >= 500 or response.status == 429:
            raise DeliveryError(f"SMS gateway answered HTTP {response.status}")
        if response.status >= 400:
            # Wrong URL, rejected credentials or a malformed request: resending will not fix it.
            raise DeliveryError(f"SMS gateway answered HTTP {response.status}", permanent=True)
        try:
            answer = json.loads(response.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            # A proxy's HTML error page or a half-written answer: the gateway may recover.
            raise DeliveryError(
                f"SMS gateway answered something other than JSON: {response.body[:200]!r}"
            ) from None
        if not isinstance(answer, dict):
            raise DeliveryError(f"SMS gateway answered unexpected JSON: {answer!r}")
        if "error" in answer or "error_code" in answer:
            code = answer.get("error_code")
            text = f"SMS gateway error {code}: {answer.get('error', '')}"
            permanent = not (isinstance(code, int) and code in TEMPORARY_ERROR_CODES)
            raise DeliveryError(text, permanent=permanent)
        if answer.get("id") in (None, ""):
            raise DeliveryError(f"SMS gateway answer has no message id: {answer!r}")
        logger.info("SMS #%s accepted by the gateway as %s", message.message_id, answer["id"])
        return SmsResult(provider_message_id=str(answer["id"]))
