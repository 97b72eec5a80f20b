"""API tokens: the logins of the customer's mobile apps, one per device.

A token is ``secrets.token_urlsafe(32)`` handed out once at login; only its SHA-256 is stored
(ApiToken.key_hash). A plain hash is enough here, unlike for SMS codes: 256 random bits cannot
be guessed from a stolen table.

Every token expires ``API_TOKEN_TTL_DAYS`` after it was last used: each use moves the date on,
so a phone in daily use stays logged in and a lost or forgotten one stops working by itself.
The use is written at most once per ``TOUCH_INTERVAL`` (expiry and "last used" together), so a
busy app does not turn every request into a write. Changing or recovering the password and
deleting the account revoke tokens; the person sees their devices in the profile and the API
and can revoke any of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone

from kabinet.core.audit import Action, record
from kabinet.identity.models import ApiToken, User

# "Last used" is for the person's list of devices, not an access log, and a day-long expiry
# does not need second precision: one write per token per interval at most.
TOUCH_INTERVAL = dt.timedelta(minutes=5)


def token_ttl() -> dt.timedelta:
    return dt.timedelta(days=settings.API_TOKEN_TTL_DAYS)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(*, user: User, label: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the key is returned here and never again.

    The caller audits the issue inside its own transaction (the API login does).
    """
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        key_hash=token_hash(key),
        label=label[:100],
        created_at=now,
        last_used_at=now,
        expires_at=now + token_ttl(),
    )
    return token, key


def authenticate_token(key: str) -> ApiToken | None:
    """The live token of ``key`` with its active user loaded, or None; counts as a use.

    None for an unknown, expired or revoked key and for a deactivated user.
    """
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        token.last_used_at = now
        token.expires_at = now + token_ttl()
        ApiToken.objects.filter(pk=token.pk).update(
            last_used_at=token.last_used_at, expires_at=token.expires_at
        )
    return token


def live_tokens(user: User) -> models.QuerySet[ApiToken]:
    """The person's devices that can still call the API, most recently used first."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by(
        models.F("last_used_at").desc(nulls_last=True), "-created_at", "-pk"
    )


@transaction.atomic
def revoke_token(*, user: User, token_id: int) -> None:
    """Log the device out: its token stops working at once.

    Http404 for a token of someone else, one that does not exist and one already gone alike.
    """
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404
    record(actor=user, action=Action.API_TOKEN_REVOKED, obj=user, tokens_revoked=1)
    token.delete()


def revoke_all_tokens(*, user: User, keep: ApiToken | None = None) -> int:
    """Delete every token of ``user`` except ``keep``; returns how many went.

    No audit row of its own: it is a step of an act (a password change or recovery, the «log
    out everywhere» button) that the caller audits in its transaction.
    """
    tokens = ApiToken.objects.filter(user=user)
    if keep is not None:
        tokens = tokens.exclude(pk=keep.pk)
    revoked, _counts = tokens.delete()
    return revoked


@transaction.atomic
def log_out_devices(*, user: User, keep: ApiToken | None = None) -> int:
    """«Выйти на всех устройствах»: revoke every token but ``keep``, audited."""
    revoked = revoke_all_tokens(user=user, keep=keep)
    record(actor=user, action=Action.API_TOKEN_REVOKED, obj=user, tokens_revoked=revoked)
    return revoked
