"""The monthly mailing: each paperless subscriber gets their bill once, whatever happens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from kabinet.billing.models import Bill
from kabinet.documents import services
from kabinet.documents.models import BillDelivery
from kabinet.documents.tasks import mail_new_bills
from kabinet.identity.models import User
from kabinet.messaging.models import OutgoingMessage
from tests.documents.sample import PERIOD
from tests.factories import make_email_customer, make_link

pytestmark = pytest.mark.django_db


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


def test_a_crash_mid_way_resumes_without_sending_twice(two_recipient_bill: Bill) -> None:
    users = [make_email_customer(f"u{i}@example.org") for i in range(3)]
    for user in users:
        make_link(user, two_recipient_bill.account, paperless=True)
    # The second subscriber's address is broken: writing their e-mail fails mid-way.
    User.objects.filter(pk=users[1].pk).update(email="u1-at-example.org")

    with pytest.raises(ValueError, match="must be an address"):
        services.mail_bills_for_period(PERIOD)
    # The crashed delivery rolled back with its e-mail: one message, one record.
    assert OutgoingMessage.objects.count() == 1
    assert BillDelivery.objects.count() == 1

    User.objects.filter(pk=users[1].pk).update(email="u1@example.org")
    assert services.mail_bills_for_period(PERIOD) == 2
    assert services.mail_bills_for_period(PERIOD) == 0
    assert OutgoingMessage.objects.count() == 3
    assert sorted(OutgoingMessage.objects.values_list("to", flat=True)) == [
        "u0@example.org",
        "u1@example.org",
        "u2@example.org",
    ]


def test_other_periods_are_not_mailed(two_recipient_bill: Bill) -> None:
    make_link(
        make_email_customer("someone@example.org"), two_recipient_bill.account, paperless=True
    )
    assert services.mail_bills_for_period(dt.date(2026, 8, 1)) == 0
    assert not OutgoingMessage.objects.exists()
