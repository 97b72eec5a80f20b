"""Reads of the documents app: the progress of bill mailings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from kabinet.documents.models import BillDelivery, BillMailing, BillMailingChunk
from kabinet.messaging.models import OutgoingMessage


@dataclass(frozen=True)
class MailingProgress:
    """Where a mailing's bills are, counted from its chunks and delivery records (no counters a
    crash could leave wrong).

    total: subscribers due when it was planned; sent: e-mails the mail server accepted; failed:
    bills that could not be written or e-mails the server refused for good; skipped: no longer
    due when their chunk ran (sent by another run, unsubscribed); queued: the rest, waiting for
    their chunk or for the mail server.
    """

    total: int
    queued: int
    sent: int
    failed: int
    skipped: int
    chunks: int
    chunks_done: int


def _count(queryset: QuerySet[Any], field: str = "pk", *, total: bool = False) -> Coalesce:
    """A correlated count (or sum of `field`) per mailing: two joins in one query would
    multiply each other's rows."""
    aggregate = Sum(field) if total else Count(field)
    return Coalesce(
        Subquery(
            queryset.filter(mailing=OuterRef("pk"))
            .order_by()
            .values("mailing")
            .annotate(n=aggregate)
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def mailings_with_progress() -> QuerySet[BillMailing]:
    """Mailings, newest first, each with the counts `progress_of` reads."""
    done = BillMailingChunk.objects.filter(status=BillMailingChunk.Status.DONE)
    deliveries = BillDelivery.objects.all()
    return BillMailing.objects.annotate(
        chunk_count=_count(BillMailingChunk.objects.all()),
        chunks_done=_count(done),
        chunk_failed=_count(done, "failed", total=True),
        chunk_skipped=_count(done, "skipped", total=True),
        sent_count=_count(deliveries.filter(message__status=OutgoingMessage.Status.SENT)),
        refused_count=_count(deliveries.filter(message__status=OutgoingMessage.Status.FAILED)),
    ).order_by("-created_at")


def progress_of(mailing: BillMailing) -> MailingProgress:
    """The progress of a mailing read through `mailings_with_progress`."""
    failed = mailing.chunk_failed + mailing.refused_count  # type: ignore[attr-defined]
    skipped = mailing.chunk_skipped  # type: ignore[attr-defined]
    sent = mailing.sent_count  # type: ignore[attr-defined]
    return MailingProgress(
        total=mailing.total,
        queued=max(mailing.total - sent - failed - skipped, 0),
        sent=sent,
        failed=failed,
        skipped=skipped,
        chunks=mailing.chunk_count,  # type: ignore[attr-defined]
        chunks_done=mailing.chunks_done,  # type: ignore[attr-defined]
    )


def mailing_progress(mailing_id: int) -> MailingProgress:
    return progress_of(mailings_with_progress().get(pk=mailing_id))
