"""Sending SMS and e-mail: write the message with the caller's act, deliver it in a job.

`send_sms` and `send_email` only render and write an OutgoingMessage (status queued) in the
caller's transaction and queue delivery for after the commit, so a rolled-back registration sends
nothing and a committed one loses nothing. `deliver` is the job's body: it moves one message
forward and is safe to run twice or concurrently.

A message to someone who must not get it, but whose requester must not learn that (a recovery
code for a number without an account), is sent with ``withhold=True``: the request renders,
counts, writes and queues exactly as for a real one, and the job finds nothing to deliver. Work
that differs would tell who has an account as surely as a different answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from kabinet.core import ratelimit
from kabinet.core.errors import ServiceError
from kabinet.core.jobs import enqueue_or_leave_to_sweep
from kabinet.messaging.models import MessageAttachment, OutgoingMessage
from kabinet.messaging.providers import DeliveryError, SmsToSend, get_sms_gateway
from kabinet.messaging.providers.email import send_email_message

logger = logging.getLogger(__name__)

SMS_LIMIT_WINDOW = 3600  # the SMS caps are per hour

# One first attempt and five retries, 30 s apart and doubling (30 s … 8 min, ~15 min in all):
# long enough to ride out a gateway restart, short enough that a login code is still wanted.
MAX_ATTEMPTS = 6
RETRY_DELAY = dt.timedelta(seconds=30)
# A worker that claimed a message this long ago and never recorded an outcome has died. Longer
# than any provider timeout, so a slow but live worker is not overtaken (which would send twice).
STALE_SENDING_AFTER = dt.timedelta(minutes=5)
# A queued message whose time came this long ago was lost by the queue (or never queued, when a
# worker crashed between commit and enqueue); the sweep queues it again.
STUCK_QUEUED_AFTER = dt.timedelta(minutes=2)
# Clocks of app servers and workers differ a little; a retry that arrives this early still runs.
CLOCK_SKEW = dt.timedelta(seconds=5)

E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")

RefusalReason = Literal["limit_target", "limit_ip", "limit_global", "limiter_unavailable"]


class DeliveryRefused(ServiceError):
    """Sending was refused before anything was written (code ``refused``).

    A rate limit was reached or the limiter (cache) is unavailable. `reason` is one of
    "limit_target", "limit_ip", "limit_global", "limiter_unavailable"; `message` is a Russian
    sentence to show the customer.
    """

    def __init__(self, reason: RefusalReason, message: str) -> None:
        super().__init__("refused", message)
        self.reason: str = reason

    @property
    def harder_captcha_helps(self) -> bool:
        """A cap strangers can use up (per number, in total): a hard captcha gets past it."""
        return self.reason in ESCALATING_REASONS


# Caps that anyone can use up for a number or for everybody: past them a request with a hard
# captcha still goes (it costs the sender seconds of work per SMS), so strangers cannot lock a
# customer out. The cap per client IP only ever stops the requester and stays a refusal.
ESCALATING_REASONS = frozenset({"limit_target", "limit_global"})


def _render_text(template_name: str, context: Mapping[str, Any]) -> str:
    """Render a plain-text template without HTML escaping ("&" must stay "&" in an SMS)."""
    template = get_template(template_name)
    # The Django backend's wrapper escapes by default; its inner Template takes a Context whose
    # autoescape we choose.
    inner = template.template  # type: ignore[attr-defined]
    return str(inner.render(Context(dict(context), autoescape=False))).strip()


def _check_sms_caps(*, to: str, client_ip: str | None, hard_captcha: bool = False) -> None:
    """Count this SMS against the caps; raise DeliveryRefused when one is reached.

    The client's IP is checked before the number, so a single client flooding many numbers is
    stopped without using up its victims' per-number allowance; the global cap comes last so
    requests refused by the narrower caps do not use it up for everyone else. With
    ``hard_captcha`` (the requester solved a hard challenge) the caps per number and in total
    are counted but do not refuse.
    """
    checks: list[tuple[RefusalReason, str, int]] = []
    if client_ip:
        checks.append(("limit_ip", f"sms:ip:{client_ip}", settings.SMS_LIMIT_PER_IP))
    checks.append(("limit_target", f"sms:to:{to}", settings.SMS_LIMIT_PER_NUMBER))
    checks.append(("limit_global", "sms:global", settings.SMS_LIMIT_GLOBAL))
    for reason, key, limit in checks:
        try:
            allowed = ratelimit.hit(key, limit=limit, window=SMS_LIMIT_WINDOW)
        except ratelimit.LimiterUnavailable:
            # Fail closed: without counters an attacker could make us send (and pay for)
            # unlimited SMS. Customers get an apology; the operator gets an error in the log.
            logger.exception("SMS refused: the rate limiter's cache is unavailable")
            raise DeliveryRefused(
                "limiter_unavailable",
                gettext("Сейчас не удаётся отправить SMS. Попробуйте через несколько минут."),
            ) from None
        if not allowed and hard_captcha and reason in ESCALATING_REASONS:
            logger.warning("SMS past %s: the requester solved a hard captcha", reason)
        elif not allowed:
            logger.warning("SMS refused: %s reached", reason)
            raise DeliveryRefused(reason, _refusal_message(reason))


def _refusal_message(reason: RefusalReason) -> str:
    if reason == "limit_ip":
        return gettext("Слишком много запросов SMS с вашего адреса. Попробуйте через час.")
    if reason == "limit_target":
        return gettext("На этот номер уже отправлено много SMS. Попробуйте через час.")
    return gettext("Отправка SMS временно ограничена. Попробуйте позже.")


def _queue_delivery(message_id: int) -> None:
    # Imported here: tasks imports this module, and the job is needed only after a commit.
    from kabinet.messaging.tasks import deliver_message

    # The message row is committed: with the queue down, requeue_stuck_messages sends it later.
    enqueue_or_leave_to_sweep(deliver_message, message_id)


def send_sms(
    *,
    to: str,
    template: str,
    context: Mapping[str, Any],
    client_ip: str | None = None,
    hard_captcha: bool = False,
    withhold: bool = False,
) -> OutgoingMessage:
    """Queue an SMS rendered from "messaging/sms/<template>.txt" to an E.164 number.

    Checks the caps (per number, per client IP, global) before writing anything and raises
    DeliveryRefused when one is reached or the limiter is unavailable; ``hard_captcha`` (the
    requester solved a hard challenge) goes past the caps per number and in total. Otherwise
    writes the message (status queued) in the caller's transaction and queues delivery on commit.
    ``withhold``: everything the same, caps included, but the message is written withheld and
    the job sends nothing (see the module's docstring).
    Raises ValueError for a number that is not E.164 (a caller's bug: normalise first).
    """
    if not E164_RE.match(to):
        raise ValueError(f"SMS recipient must be an E.164 number, got {to!r}")
    # Render first: a missing template is a bug and must not use up the customer's allowance.
    body = _render_text(f"messaging/sms/{template}.txt", context)
    _check_sms_caps(to=to, client_ip=client_ip, hard_captcha=hard_captcha)
    message = OutgoingMessage.objects.create(
        channel=OutgoingMessage.Channel.SMS,
        to=to,
        template=template,
        body=body,
        status=_initial_status(withhold),
    )
    message_id = message.pk
    transaction.on_commit(lambda: _queue_delivery(message_id))
    return message


def _initial_status(withhold: bool) -> str:
    # A withheld message is still queued for delivery: the job's claim skips it, so the request
    # that wrote it did the same work as one that wrote a real message.
    return OutgoingMessage.Status.WITHHELD if withhold else OutgoingMessage.Status.QUEUED


def send_email(
    *,
    to: str,
    template: str,
    context: Mapping[str, Any],
    attachments: Sequence[tuple[str, bytes, str]] = (),
    withhold: bool = False,
) -> OutgoingMessage:
    """Queue an e-mail rendered from "messaging/email/<template>/subject.txt" and "body.txt".

    "body.html", when the template has one, becomes the HTML alternative. `attachments` are
    (filename, content, mimetype) triples stored with the message, so every delivery attempt
    sends them. Writes the message (status queued) in the caller's transaction and queues
    delivery on commit; ``withhold`` as in `send_sms`.
    """
    if "@" not in to:
        raise ValueError(f"E-mail recipient must be an address, got {to!r}")
    base = f"messaging/email/{template}"
    # A subject is one line whatever the template's whitespace.
    subject = " ".join(_render_text(f"{base}/subject.txt", context).split())
    body = _render_text(f"{base}/body.txt", context)
    html_body = ""
    if _template_exists(f"{base}/body.html"):
        html_body = render_to_string(f"{base}/body.html", dict(context))
    message = OutgoingMessage.objects.create(
        channel=OutgoingMessage.Channel.EMAIL,
        to=to,
        template=template,
        subject=subject,
        body=body,
        html_body=html_body,
        status=_initial_status(withhold),
    )
    if attachments:
        MessageAttachment.objects.bulk_create(
            MessageAttachment(message=message, filename=name, content=content, mimetype=mimetype)
            for name, content, mimetype in attachments
        )
    message_id = message.pk
    transaction.on_commit(lambda: _queue_delivery(message_id))
    return message


@dataclass(frozen=True)
class EmailToQueue:
    """One e-mail of a mass mailing, already rendered by its sender."""

    to: str
    template: str
    subject: str
    body: str


def queue_emails(emails: Sequence[EmailToQueue]) -> list[int]:
    """Queue many e-mails at once: one INSERT for the messages in the caller's transaction and,
    after the commit, one delivery job for all of them (`send_email` would write and queue each
    alone, which a mailing to 100,000 customers cannot afford). Returns the messages' ids."""
    for email in emails:
        if "@" not in email.to:
            raise ValueError(f"E-mail recipient must be an address, got {email.to!r}")
    messages = OutgoingMessage.objects.bulk_create(
        OutgoingMessage(
            channel=OutgoingMessage.Channel.EMAIL,
            to=email.to,
            template=email.template,
            subject=" ".join(email.subject.split())[:255],
            body=email.body,
        )
        for email in emails
    )
    ids = [message.pk for message in messages]
    if ids and all(ids):
        transaction.on_commit(lambda: _queue_many(ids))
    # Without RETURNING (SQLite before 3.35) the ids are unknown: the sweep sends them.
    return [i for i in ids if i]


def _queue_many(message_ids: list[int]) -> None:
    from kabinet.messaging.tasks import deliver_messages

    deliver_messages(message_ids)


def _template_exists(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


@dataclass(frozen=True)
class DeliveryOutcome:
    """What `deliver` did: sent, failed for good, will retry at `retry_at`, or skipped.

    Skipped means there was nothing to do: the message is already sent or failed, another worker
    is sending it, or its retry is not due yet.
    """

    result: Literal["sent", "failed", "retry", "skipped"]
    retry_at: dt.datetime | None = None


def retry_delay(attempts: int) -> dt.timedelta:
    """Back-off after the given number of failed attempts: 30 s, 1 min, 2 min, 4 min, 8 min."""
    return RETRY_DELAY * (2 ** max(attempts - 1, 0))


def deliver(message_id: int) -> DeliveryOutcome:
    """Hand one message to its provider and record the outcome; idempotent.

    The message is claimed with a conditional UPDATE (queued and due, or sending but abandoned by
    a dead worker), so two jobs for the same message send it once. The provider is called outside
    any transaction: a slow gateway must not hold database locks.
    """
    now = timezone.now()
    claimable = Q(status=OutgoingMessage.Status.QUEUED, next_attempt_at__lte=now + CLOCK_SKEW) | Q(
        status=OutgoingMessage.Status.SENDING, updated_at__lt=now - STALE_SENDING_AFTER
    )
    claimed = OutgoingMessage.objects.filter(claimable, pk=message_id).update(
        status=OutgoingMessage.Status.SENDING, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return DeliveryOutcome("skipped")
    message = OutgoingMessage.objects.get(pk=message_id)
    try:
        provider_message_id = _send_through_provider(message)
    except DeliveryError as exc:
        return _record_failure(message, str(exc), permanent=exc.permanent)
    except Exception as exc:
        # A bug in a provider or in our rendering of the request: keep the message, retry it, and
        # make the traceback visible.
        logger.exception("Unexpected error delivering message #%s", message_id)
        return _record_failure(message, f"{type(exc).__name__}: {exc}", permanent=False)
    finished = timezone.now()
    OutgoingMessage.objects.filter(pk=message_id).update(
        status=OutgoingMessage.Status.SENT,
        sent_at=finished,
        updated_at=finished,
        provider_message_id=provider_message_id[:255],
        last_error="",
    )
    return DeliveryOutcome("sent")


# A batch records what it sent every this many messages: a worker that dies mid-batch leaves at
# most these to be sent again by the sweep.
RECORD_EVERY = 100


def deliver_many(message_ids: Sequence[int]) -> int:
    """`deliver` for a mailing's batch: one UPDATE claims every due message of it, each is
    handed to its provider, and the sent ones are recorded a hundred at a time. Failures are
    recorded one by one as in `deliver`. Returns how many were sent; safe to run twice.

    The claim stamps ``updated_at`` with this run's moment, and the run reads back the rows
    carrying it: another worker's claim of the same rows fails on the status, so a message is
    claimed once.
    """
    now = timezone.now()
    claimable = Q(status=OutgoingMessage.Status.QUEUED, next_attempt_at__lte=now + CLOCK_SKEW) | Q(
        status=OutgoingMessage.Status.SENDING, updated_at__lt=now - STALE_SENDING_AFTER
    )
    ids = list(message_ids)
    OutgoingMessage.objects.filter(claimable, pk__in=ids).update(
        status=OutgoingMessage.Status.SENDING, attempts=F("attempts") + 1, updated_at=now
    )
    claimed = (
        OutgoingMessage.objects.filter(
            pk__in=ids, status=OutgoingMessage.Status.SENDING, updated_at=now
        )
        .prefetch_related("attachments")
        .order_by("pk")
    )
    sent = 0
    done: list[OutgoingMessage] = []
    for message in claimed:
        try:
            provider_message_id = _send_through_provider(message)
        except DeliveryError as exc:
            _record_failure(message, str(exc), permanent=exc.permanent)
            continue
        except Exception as exc:
            logger.exception("Unexpected error delivering message #%s", message.pk)
            _record_failure(message, f"{type(exc).__name__}: {exc}", permanent=False)
            continue
        message.provider_message_id = provider_message_id[:255]
        done.append(message)
        if len(done) >= RECORD_EVERY:
            sent += _record_sent(done)
            done = []
    return sent + _record_sent(done)


def _record_sent(messages: list[OutgoingMessage]) -> int:
    if not messages:
        return 0
    finished = timezone.now()
    # What every message shares in one UPDATE; only the provider's ids differ (a CASE per row
    # costs far more than the plain columns, in Python and in the database).
    OutgoingMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
        status=OutgoingMessage.Status.SENT, sent_at=finished, updated_at=finished, last_error=""
    )
    OutgoingMessage.objects.bulk_update(messages, ["provider_message_id"])
    return len(messages)


def _send_through_provider(message: OutgoingMessage) -> str:
    if message.channel == OutgoingMessage.Channel.SMS:
        gateway = get_sms_gateway()
        result = gateway.send(
            SmsToSend(
                message_id=message.pk, to=message.to, text=message.body, sender=settings.SMS_SENDER
            )
        )
        return result.provider_message_id
    attachments = [
        (attachment.filename, bytes(attachment.content), attachment.mimetype)
        for attachment in message.attachments.all()
    ]
    return send_email_message(
        to=message.to,
        subject=message.subject,
        body=message.body,
        html_body=message.html_body,
        attachments=attachments,
    )


def _record_failure(message: OutgoingMessage, error: str, *, permanent: bool) -> DeliveryOutcome:
    now = timezone.now()
    if permanent or message.attempts >= MAX_ATTEMPTS:
        logger.error(
            "Message #%s failed after %s attempt(s): %s", message.pk, message.attempts, error
        )
        OutgoingMessage.objects.filter(pk=message.pk).update(
            status=OutgoingMessage.Status.FAILED, last_error=error, updated_at=now
        )
        return DeliveryOutcome("failed")
    retry_at = now + retry_delay(message.attempts)
    logger.warning(
        "Message #%s attempt %s failed, retrying at %s: %s",
        message.pk,
        message.attempts,
        retry_at.isoformat(),
        error,
    )
    OutgoingMessage.objects.filter(pk=message.pk).update(
        status=OutgoingMessage.Status.QUEUED,
        last_error=error,
        next_attempt_at=retry_at,
        updated_at=now,
    )
    return DeliveryOutcome("retry", retry_at=retry_at)


def stuck_message_ids(*, now: dt.datetime | None = None) -> list[int]:
    """Messages the queue has lost: queued and overdue, or sending with a dead worker."""
    now = now or timezone.now()
    stuck = Q(
        status=OutgoingMessage.Status.QUEUED, next_attempt_at__lt=now - STUCK_QUEUED_AFTER
    ) | Q(status=OutgoingMessage.Status.SENDING, updated_at__lt=now - STALE_SENDING_AFTER)
    # Oldest first and bounded, so one sweep cannot flood the queue after a long outage.
    return list(
        OutgoingMessage.objects.filter(stuck)
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
