"""The monthly mailing: fanned out in chunks, each paperless subscriber gets their bill once,
whatever happens, and staff see how far it got."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kabinet.billing.models import Bill
from kabinet.documents import services
from kabinet.documents.models import BillDelivery, BillMailing, BillMailingChunk
from kabinet.documents.selectors import mailing_progress
from kabinet.documents.tasks import mail_new_bills, requeue_stale_mailing_chunks
from kabinet.identity.models import User
from kabinet.messaging.models import OutgoingMessage
from tests.documents.sample import PERIOD
from tests.factories import make_account, make_bill, make_customer, make_email_customer, make_link

pytestmark = pytest.mark.django_db

Chunk = BillMailingChunk.Status


def subscribers(bill: Bill, count: int) -> list[User]:
    users = [make_email_customer(f"u{i}@example.org") for i in range(count)]
    for user in users:
        make_link(user, bill.account, paperless=True)
    return users


def sent_to() -> Counter[str]:
    return Counter(message.to[0] for message in mail.outbox)


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the job catches it and nothing after it runs."""


def test_a_second_run_sends_nothing_and_unconfirmed_subscribers_are_skipped(
    two_recipient_bill: Bill, django_capture_on_commit_callbacks: Any
) -> None:
    first = make_email_customer("first@example.org")
    second = make_email_customer("second@example.org")
    unconfirmed = make_email_customer("third@example.org", confirmed=False)
    paper = make_email_customer("paper@example.org")
    for user in (first, second, unconfirmed):
        make_link(user, two_recipient_bill.account, paperless=True)
    make_link(paper, two_recipient_bill.account, paperless=False)

    with django_capture_on_commit_callbacks(execute=True):
        mail_new_bills.call_local(PERIOD)
        mail_new_bills.call_local(PERIOD)

    assert sorted(m.to[0] for m in mail.outbox) == ["first@example.org", "second@example.org"]
    assert all(len(m.attachments) == 1 for m in mail.outbox)
    deliveries = BillDelivery.objects.filter(bill=two_recipient_bill)
    assert {d.user_id for d in deliveries} == {first.pk, second.pk}
    assert all(d.message is not None for d in deliveries)


def test_the_mailing_is_fanned_out_in_chunks_a_few_at_a_time(
    two_recipient_bill: Bill, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.BILL_MAILING_CHUNKS_IN_FLIGHT = 2
    subscribers(two_recipient_bill, 7)
    other_bill = make_bill(make_account(two_recipient_bill.account.supplier), period=PERIOD)
    make_link(make_email_customer("other@example.org"), other_bill.account, paperless=True)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        mailing = services.start_mailing(period=PERIOD, chunk_size=3)

    chunks = list(mailing.chunks.order_by("first_link_id"))
    assert mailing.total == 8
    assert [c.planned for c in chunks] == [3, 3, 2]
    # Only as many in the queue as the setting says; each finished chunk queues the next.
    assert [c.status for c in chunks] == [Chunk.QUEUED, Chunk.QUEUED, Chunk.PENDING]
    assert len(queued) == 2

    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()

    assert sorted(sent_to()) == sorted(
        [*(f"u{i}@example.org" for i in range(7)), "other@example.org"]
    )
    assert set(mailing.chunks.values_list("status", flat=True)) == {Chunk.DONE}
    mailing.refresh_from_db()
    assert mailing.finished_at is not None
    progress = mailing_progress(mailing.pk)
    assert (progress.total, progress.sent, progress.queued, progress.failed) == (8, 8, 0, 0)
    assert (progress.chunks, progress.chunks_done) == (3, 3)


def test_a_chunk_run_twice_sends_each_bill_once(
    two_recipient_bill: Bill, django_capture_on_commit_callbacks: Any
) -> None:
    subscribers(two_recipient_bill, 4)
    mailing = services.start_mailing(period=PERIOD, chunk_size=10)  # queue entries not run
    chunk = mailing.chunks.get()

    with django_capture_on_commit_callbacks(execute=True):
        first = services.run_chunk(chunk.pk)
        # A duplicate queue entry while the chunk is done: nothing to claim.
        assert services.run_chunk(chunk.pk) is None
        # Even forced to run again from the start, the delivery records stop every repeat.
        BillMailingChunk.objects.filter(pk=chunk.pk).update(status=Chunk.QUEUED)
        second = services.run_chunk(chunk.pk)

    assert first is not None
    assert second is not None
    assert (first.delivered, first.skipped) == (4, 0)
    assert (second.delivered, second.skipped) == (4, 0)  # the four the mailing sent, no more
    assert sent_to() == Counter({f"u{i}@example.org": 1 for i in range(4)})
    assert OutgoingMessage.objects.count() == 4
    assert BillDelivery.objects.filter(mailing=mailing).count() == 4


def test_a_worker_killed_mid_chunk_is_resumed_by_the_sweep_without_sending_twice(
    two_recipient_bill: Bill,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscribers(two_recipient_bill, 5)
    mailing = services.start_mailing(period=PERIOD, chunk_size=10)
    chunk = mailing.chunks.get()
    email_bill = services.email_bill
    calls = 0

    def dies_on_the_third(**kwargs: Any) -> OutgoingMessage:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise WorkerKilled
        return email_bill(**kwargs)

    monkeypatch.setattr(services, "email_bill", dies_on_the_third)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WorkerKilled):
        services.run_chunk(chunk.pk)

    chunk.refresh_from_db()
    assert chunk.status == Chunk.RUNNING
    assert sorted(sent_to()) == ["u0@example.org", "u1@example.org"]
    # The third delivery's record went with its e-mail.
    assert BillDelivery.objects.count() == 2
    progress = mailing_progress(mailing.pk)
    assert (progress.sent, progress.queued) == (2, 3)

    # A sweep soon after leaves the chunk to its (maybe only slow) worker.
    assert services.requeue_stale_chunks() == []
    later = timezone.now() + services.STALE_CHUNK_AFTER + dt.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_stale_chunks(now=later) == [chunk.pk]

    assert sent_to() == Counter({f"u{i}@example.org": 1 for i in range(5)})
    chunk.refresh_from_db()
    assert (chunk.status, chunk.attempts, chunk.delivered) == (Chunk.DONE, 2, 5)
    progress = mailing_progress(mailing.pk)
    assert (progress.total, progress.sent, progress.queued, progress.skipped) == (5, 5, 0, 0)
    mailing.refresh_from_db()
    assert mailing.finished_at is not None


def test_the_sweep_queues_the_next_chunks_when_the_chain_broke(
    two_recipient_bill: Bill, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A worker killed between finishing a chunk and queuing the next leaves only pending
    chunks: the periodic sweep hands them to the queue."""
    settings.BILL_MAILING_CHUNKS_IN_FLIGHT = 1
    subscribers(two_recipient_bill, 4)
    mailing = services.start_mailing(period=PERIOD, chunk_size=2)
    mailing.chunks.update(status=Chunk.PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        requeue_stale_mailing_chunks.call_local()

    assert sent_to() == Counter({f"u{i}@example.org": 1 for i in range(4)})
    assert set(mailing.chunks.values_list("status", flat=True)) == {Chunk.DONE}


def test_a_broken_address_fails_alone_and_is_mailed_by_the_next_run(
    two_recipient_bill: Bill, django_capture_on_commit_callbacks: Any
) -> None:
    users = subscribers(two_recipient_bill, 3)
    User.objects.filter(pk=users[1].pk).update(email="u1-at-example.org")

    with django_capture_on_commit_callbacks(execute=True):
        mailing = services.start_mailing(period=PERIOD)

    assert sorted(sent_to()) == ["u0@example.org", "u2@example.org"]
    chunk = mailing.chunks.get()
    assert (chunk.delivered, chunk.failed) == (2, 1)
    assert "must be an address" in chunk.last_error
    progress = mailing_progress(mailing.pk)
    assert (progress.total, progress.sent, progress.failed, progress.queued) == (3, 2, 1, 0)

    User.objects.filter(pk=users[1].pk).update(email="u1@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        again = services.start_mailing(period=PERIOD)
    last = services.start_mailing(period=PERIOD)

    assert again.total == 1
    assert last.total == 0
    assert sent_to() == Counter({f"u{i}@example.org": 1 for i in range(3)})


def test_an_unfinished_run_is_continued_not_doubled(two_recipient_bill: Bill) -> None:
    subscribers(two_recipient_bill, 2)
    mailing = services.start_mailing(period=PERIOD)  # its chunk is still in the queue
    assert services.start_mailing(period=PERIOD) == mailing
    assert BillMailing.objects.count() == 1


def test_other_periods_are_not_mailed(two_recipient_bill: Bill) -> None:
    make_link(
        make_email_customer("someone@example.org"), two_recipient_bill.account, paperless=True
    )
    mailing = services.start_mailing(period=dt.date(2026, 8, 1))
    assert mailing.total == 0
    assert mailing.finished_at is not None
    assert not OutgoingMessage.objects.exists()


def test_the_command_starts_a_mailing_and_prints_its_progress(
    two_recipient_bill: Bill, django_capture_on_commit_callbacks: Any
) -> None:
    subscribers(two_recipient_bill, 3)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("bill_mailing", "--start", "2026-09", stdout=out)
    # Printed when planned: everything still in the queue.
    assert "за 09.2026 (идёт): всего 3, в очереди 3, отправлено 0" in out.getvalue()

    out = StringIO()
    call_command("bill_mailing", stdout=out)
    assert "(завершена): всего 3, в очереди 0, отправлено 3, ошибок 0" in out.getvalue()
    assert "пачек готово 1 из 1" in out.getvalue()


def test_staff_see_each_mailing_with_its_counts(
    two_recipient_bill: Bill, django_capture_on_commit_callbacks: Any
) -> None:
    subscribers(two_recipient_bill, 3)
    with django_capture_on_commit_callbacks(execute=True):
        mailing = services.start_mailing(period=PERIOD)
    staff = Client()
    staff.force_login(make_customer(is_staff=True, is_superuser=True))

    listed = staff.get(reverse("admin:documents_billmailing_changelist"))
    detail = staff.get(reverse("admin:documents_billmailing_change", args=[mailing.pk]))

    assert listed.status_code == 200
    row = listed.context["cl"].result_list[0]
    assert (row.pk, row.sent_count, row.refused_count, row.chunks_done) == (mailing.pk, 3, 0, 1)
    assert "всего 3, в очереди 0, отправлено 3, ошибок 0" in detail.content.decode()
