"""Sending bill PDFs by e-mail: on request from the bill history and in the monthly mailing."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from kabinet.billing.models import AccountLink, Bill
from kabinet.documents.bills import bill_filename, period_title, render_bill_pdf
from kabinet.documents.models import BillDelivery, BillMailing, BillMailingChunk
from kabinet.messaging.models import OutgoingMessage
from kabinet.messaging.services import send_email

logger = logging.getLogger(__name__)

PDF = "application/pdf"


def email_bill(*, bill: Bill, user: Any, pdf: bytes | None = None) -> OutgoingMessage:
    """Queue an e-mail with the bill's PDF to the user's confirmed address.

    The caller checks that the user may see the bill and has a confirmed e-mail.
    """
    if not user.has_confirmed_email:
        raise ValueError("the user has no confirmed e-mail")
    pdf = render_bill_pdf(bill) if pdf is None else pdf
    account = bill.account
    return send_email(
        to=user.email,
        template="bill",
        context={
            "user": user,
            "account_number": account.number_display or account.number,
            "address": account.premises.address if account.premises else "",
            "period": period_title(bill.period),
            "total": bill.total,
            "due_date": bill.due_date,
        },
        attachments=[(bill_filename(bill), pdf, PDF)],
    )


# Links per chunk: a chunk renders and writes this many e-mails in one job, a few seconds'
# work, so a killed worker loses little and the sweep's staleness limit is far above a chunk's
# run time.
CHUNK_SIZE = 50
# A running chunk whose worker has said nothing for this long has died; a queued one this old was
# lost by the queue (a Redis flush, a crash between commit and enqueue). Both go back to the
# queue. Far above a chunk's run time, so a live worker is not overtaken.
STALE_CHUNK_AFTER = dt.timedelta(minutes=10)


def _due_links(period: dt.date) -> QuerySet[AccountLink]:
    """Paperless subscribers with a confirmed e-mail whose account has a bill for `period` they
    have not been sent yet."""
    delivered = BillDelivery.objects.filter(
        user=OuterRef("user"), bill__account=OuterRef("account"), bill__period=period
    )
    return (
        AccountLink.objects.filter(
            paperless=True,
            user__is_active=True,
            user__email_confirmed_at__isnull=False,
            account__bills__period=period,
        )
        .exclude(user__email__isnull=True)
        .exclude(user__email="")
        .exclude(Exists(delivered))
    )


def paperless_links(
    period: dt.date, *, first_link_id: int = 0, last_link_id: int | None = None
) -> list[tuple[AccountLink, Bill]]:
    """The due subscribers (links with ids in the given range) and their bill for `period`."""
    links = _due_links(period).filter(pk__gte=first_link_id)
    if last_link_id is not None:
        links = links.filter(pk__lte=last_link_id)
    chosen = list(links.select_related("user").order_by("pk"))
    bills = {
        bill.account_id: bill
        for bill in Bill.objects.filter(
            period=period, account_id__in={link.account_id for link in chosen}
        ).select_related("account__premises")
    }
    return [(link, bills[link.account_id]) for link in chosen]


def deliver_bill(
    *, link: AccountLink, bill: Bill, pdf: bytes, mailing: BillMailing | None = None
) -> bool:
    """Record and queue one delivery in one transaction; False when it was already recorded."""
    try:
        with transaction.atomic():
            # The e-mail first, so its record is one INSERT; a repeat rolls both back.
            message = email_bill(bill=bill, user=link.user, pdf=pdf)
            BillDelivery.objects.create(bill=bill, user=link.user, mailing=mailing, message=message)
    except IntegrityError:
        # Another run recorded it first: it has sent (or is sending) that e-mail.
        return False
    return True


def start_mailing(*, period: dt.date, chunk_size: int = CHUNK_SIZE) -> BillMailing:
    """Plan the mailing of `period`'s bills to every subscriber not yet sent theirs, and hand
    the first chunks to the queue; each finished chunk queues the next.

    While an earlier run for the period is unfinished, that run is returned instead: two runs
    would only race for the same subscribers.
    """
    if chunk_size < 1:
        raise ValueError("a chunk holds at least one link")
    running = BillMailing.objects.filter(period=period, finished_at__isnull=True).first()
    if running is not None:
        return running
    link_ids = list(_due_links(period).order_by("pk").values_list("pk", flat=True).distinct())
    with transaction.atomic():
        mailing = BillMailing.objects.create(
            period=period, chunk_size=chunk_size, total=len(link_ids)
        )
        BillMailingChunk.objects.bulk_create(
            BillMailingChunk(
                mailing=mailing,
                first_link_id=part[0],
                last_link_id=part[-1],
                planned=len(part),
            )
            for part in (
                link_ids[start : start + chunk_size]
                for start in range(0, len(link_ids), chunk_size)
            )
        )
        if not link_ids:
            mailing.finished_at = timezone.now()
            mailing.save(update_fields=["finished_at"])
        else:
            for _n in range(settings.BILL_MAILING_CHUNKS_IN_FLIGHT):
                if not _queue_next_chunk(mailing.pk):
                    break
    logger.info("Bill mailing %s for %s: %s subscriber(s) due", mailing.pk, period, len(link_ids))
    return mailing


def _enqueue_chunk(chunk_id: int) -> None:
    # Imported here: tasks imports this module.
    from kabinet.documents.tasks import mail_bill_chunk

    mail_bill_chunk(chunk_id)


def _queue_next_chunk(mailing_id: int) -> bool:
    """Move the mailing's first pending chunk to the queue (after the commit); False when none
    is left. A conditional update claims it, so two finishing chunks never queue the same one."""
    pending = BillMailingChunk.objects.filter(
        mailing_id=mailing_id, status=BillMailingChunk.Status.PENDING
    )
    for chunk_id in pending.order_by("first_link_id").values_list("pk", flat=True)[:5]:
        claimed = BillMailingChunk.objects.filter(
            pk=chunk_id, status=BillMailingChunk.Status.PENDING
        ).update(status=BillMailingChunk.Status.QUEUED, updated_at=timezone.now())
        if claimed:
            transaction.on_commit(partial(_enqueue_chunk, chunk_id))
            return True
    return False


@dataclass(frozen=True)
class ChunkOutcome:
    delivered: int
    skipped: int
    failed: int


def run_chunk(chunk_id: int) -> ChunkOutcome | None:
    """Deliver one chunk's bills; None when the chunk is not this worker's to run (done, or
    claimed by a live worker).

    Safe to run twice or after a crash mid-way: subscribers already sent their bill are no longer
    due, and the unique BillDelivery row stops a concurrent run from sending one twice. A bill
    that cannot be written (a broken address) is counted as failed and the chunk goes on; the
    next day's run tries it again.
    """
    now = timezone.now()
    claimable = Q(status=BillMailingChunk.Status.QUEUED) | Q(
        status=BillMailingChunk.Status.RUNNING, updated_at__lt=now - STALE_CHUNK_AFTER
    )
    claimed = BillMailingChunk.objects.filter(claimable, pk=chunk_id).update(
        status=BillMailingChunk.Status.RUNNING, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return None
    chunk = BillMailingChunk.objects.select_related("mailing").get(pk=chunk_id)
    mailing = chunk.mailing
    due = paperless_links(
        mailing.period, first_link_id=chunk.first_link_id, last_link_id=chunk.last_link_id
    )
    failed = 0
    last_error = ""
    pdfs: dict[int, bytes] = {}
    for link, bill in due:
        try:
            pdf = pdfs.get(bill.pk)
            if pdf is None:
                pdf = pdfs[bill.pk] = render_bill_pdf(bill)
            deliver_bill(link=link, bill=bill, pdf=pdf, mailing=mailing)
        except Exception as exc:
            # One subscriber's bad data must not hold up the other subscribers of the chunk.
            logger.exception("Bill %s to user %s not mailed", bill.pk, link.user_id)
            failed += 1
            last_error = f"{type(exc).__name__}: {exc}"
    # Counted from the records, so what a crashed run sent before it died counts too.
    sent_by_mailing = BillDelivery.objects.filter(
        mailing=mailing, user=OuterRef("user"), bill__account=OuterRef("account")
    )
    delivered = (
        AccountLink.objects.filter(pk__gte=chunk.first_link_id, pk__lte=chunk.last_link_id)
        .filter(Exists(sent_by_mailing))
        .count()
    )
    outcome = ChunkOutcome(
        delivered=delivered,
        # No longer due when the chunk ran: sent by another run, or unsubscribed meanwhile.
        skipped=max(chunk.planned - delivered - failed, 0),
        failed=failed,
    )
    with transaction.atomic():
        BillMailingChunk.objects.filter(pk=chunk_id).update(
            status=BillMailingChunk.Status.DONE,
            updated_at=timezone.now(),
            delivered=outcome.delivered,
            skipped=outcome.skipped,
            failed=outcome.failed,
            last_error=last_error,
        )
        if not _queue_next_chunk(mailing.pk):
            _finish_if_done(mailing.pk)
    return outcome


def _finish_if_done(mailing_id: int) -> None:
    unfinished = BillMailingChunk.objects.filter(mailing_id=mailing_id).exclude(
        status=BillMailingChunk.Status.DONE
    )
    if not unfinished.exists():
        BillMailing.objects.filter(pk=mailing_id, finished_at__isnull=True).update(
            finished_at=timezone.now()
        )


def requeue_stale_chunks(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again the chunks a dead worker or a lost queue entry left behind, and keep every
    unfinished mailing's queue topped up; return the ids queued."""
    now = now or timezone.now()
    stale = BillMailingChunk.objects.filter(
        status__in=[BillMailingChunk.Status.QUEUED, BillMailingChunk.Status.RUNNING],
        updated_at__lt=now - STALE_CHUNK_AFTER,
        mailing__finished_at__isnull=True,
    )
    chunk_ids = []
    for chunk_id in stale.order_by("pk").values_list("pk", flat=True)[:1000]:
        # Back to queued with a fresh time, so the next sweep gives this queue entry its time;
        # conditional, so a chunk that moved on meanwhile is left alone.
        if stale.filter(pk=chunk_id).update(status=BillMailingChunk.Status.QUEUED, updated_at=now):
            transaction.on_commit(partial(_enqueue_chunk, chunk_id))
            chunk_ids.append(chunk_id)
    # A chain of chunks broken by a crash between a chunk's end and queuing the next: top up.
    for mailing_id in BillMailing.objects.filter(finished_at__isnull=True).values_list(
        "pk", flat=True
    ):
        in_flight = BillMailingChunk.objects.filter(
            mailing_id=mailing_id,
            status__in=[BillMailingChunk.Status.QUEUED, BillMailingChunk.Status.RUNNING],
        ).count()
        for _n in range(settings.BILL_MAILING_CHUNKS_IN_FLIGHT - in_flight):
            if not _queue_next_chunk(mailing_id):
                _finish_if_done(mailing_id)
                break
    return chunk_ids
