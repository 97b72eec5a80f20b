"""The one way Kabinet calls another service over HTTP (the SMS gateway, the payment provider).

Plain urllib: any status comes back as an answer for the caller to judge, and only a request
that got no answer at all raises.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes


class NotHttpUrl(ValueError):
    """urllib would also open file:// and ftp:// URLs; a provider is only ever HTTP(S)."""


class Unreachable(OSError):
    """No answer: refused connection, DNS failure, TLS error or timeout; often soon over."""


def exchange(
    method: str, url: str, *, headers: dict[str, str], body: bytes | None, timeout: float
) -> HttpAnswer:
    if not url.startswith(("https://", "http://")):
        raise NotHttpUrl(url)
    request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return HttpAnswer(status=response.status, body=response.read())
    except urllib.error.HTTPError as exc:
        # 4xx and 5xx arrive as exceptions; the caller decides by status what they mean.
        with exc:
            return HttpAnswer(status=exc.code, body=exc.read())
    except (urllib.error.URLError, OSError) as exc:
        raise Unreachable(str(exc)) from exc
