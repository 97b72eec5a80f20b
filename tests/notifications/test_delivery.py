"""Deliveries: e-mail by default, SMS where the supplier allows and the customer chose, quiet
hours, the unsubscribe link, and nothing sent twice."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client

from kabinet.billing.models import Account, Supplier
from kabinet.core.audit import Action
from kabinet.core.models import AuditEntry
from kabinet.identity.models import User
from kabinet.messaging.models import OutgoingMessage
from kabinet.notifications import services
from kabinet.notifications.models import Channel, Delivery, Kind, Notification, Subscription
from tests.factories import make_customer, make_link
from tests.notifications.conftest import NOON

pytestmark = pytest.mark.django_db


def notify(user: User, account: Account | None, kind: str = Kind.NEW_BILL, key: str = "k") -> None:
    services.raise_notifications(
        [
            Notification(
                user=user,
                account=account,
                kind=kind,
                key=key,
                payload={"period": "2026-10-01", "total": "1545.13", "due_date": "2026-11-25"},
            )
        ]
    )


Deliver = Callable[..., int]


def test_a_notification_is_e_mailed_once_with_its_action_and_an_unsubscribe_link(
    deliver: Deliver, account: Account, reader: User
) -> None:
    notify(reader, account)

    assert deliver() == 1
    assert deliver() == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [reader.email]
    assert message.subject == "Новая квитанция"
    assert "Выставлена квитанция за Октябрь 2026 на сумму 1\xa0545,13\xa0₽" in message.body
    assert f"/accounts/{account.pk}/pay/" in message.body
    assert "/notifications/unsubscribe/" in message.body
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SENT
    outbox = OutgoingMessage.objects.get()
    assert (outbox.template, outbox.status) == ("notification_new_bill", "sent")


def test_no_e_mail_to_an_unconfirmed_address(deliver: Deliver, account: Account) -> None:
    unconfirmed = make_customer()  # e-mail given, not confirmed
    make_link(unconfirmed, account)
    notify(unconfirmed, account)

    assert deliver() == 0
    assert mail.outbox == []
    assert Notification.objects.get(user=unconfirmed).dispatched_at is not None


def test_a_kind_switched_off_is_not_e_mailed_but_still_shown(
    deliver: Deliver, account: Account, reader: User
) -> None:
    services.update_subscriptions(user=reader, choices={(Kind.NEW_BILL, Channel.EMAIL): False})
    notify(reader, account)

    assert deliver() == 0
    assert mail.outbox == []
    assert Notification.objects.filter(user=reader).count() == 1


def test_at_night_the_e_mail_waits_for_the_morning_in_the_suppliers_zone(
    deliver: Deliver, supplier: Supplier, account: Account, reader: User
) -> None:
    supplier.time_zone = "Asia/Yekaterinburg"  # UTC+5
    supplier.save()
    night = dt.datetime(2026, 11, 18, 18, 30, tzinfo=dt.UTC)  # 23:30 in Yekaterinburg
    notify(reader, account)

    assert deliver(night) == 0
    delivery = Delivery.objects.get()
    assert delivery.deliver_after == dt.datetime(2026, 11, 19, 3, 0, tzinfo=dt.UTC)  # 8:00 there

    assert deliver(dt.datetime(2026, 11, 19, 2, 59, tzinfo=dt.UTC)) == 0
    assert deliver(dt.datetime(2026, 11, 19, 3, 0, tzinfo=dt.UTC)) == 1
    assert len(mail.outbox) == 1


def test_quiet_hours_end_the_same_morning_after_midnight() -> None:
    zone = services.zone_named("Europe/Moscow")
    early = dt.datetime(2026, 11, 18, 1, 0, tzinfo=dt.UTC)  # 4:00 in Moscow

    assert services.after_quiet_hours(early, zone) == dt.datetime(2026, 11, 18, 5, 0, tzinfo=dt.UTC)
    assert services.after_quiet_hours(NOON, zone) == NOON


def test_sms_only_for_kinds_the_supplier_allows_and_the_customer_chose(
    deliver: Deliver, supplier: Supplier, account: Account
) -> None:
    texter = make_customer()
    make_link(texter, account)
    services.update_subscriptions(
        user=texter,
        choices={(Kind.DEBT, Channel.SMS): True, (Kind.NEW_BILL, Channel.SMS): True},
    )
    supplier.sms_notification_kinds = [Kind.DEBT]
    supplier.save()
    notify(texter, account, Kind.NEW_BILL)
    notify(texter, account, Kind.DEBT)

    deliver()

    sms = OutgoingMessage.objects.filter(channel=OutgoingMessage.Channel.SMS)
    assert [m.to for m in sms] == [texter.phone]
    assert "Задолженность" in sms[0].body


def test_an_sms_over_the_cap_fails_and_is_not_retried(
    deliver: Deliver, settings: object, supplier: Supplier, account: Account
) -> None:
    settings.SMS_LIMIT_PER_NUMBER = 1  # type: ignore[attr-defined]
    texter = make_customer()
    make_link(texter, account)
    services.update_subscriptions(user=texter, choices={(Kind.DEBT, Channel.SMS): True})
    supplier.sms_notification_kinds = [Kind.DEBT]
    supplier.save()
    notify(texter, account, Kind.DEBT, "one")
    notify(texter, account, Kind.DEBT, "two")

    deliver()

    statuses = sorted(Delivery.objects.values_list("status", "error"))
    assert statuses == [("failed", "limit_target"), ("sent", "")]
    assert OutgoingMessage.objects.filter(channel="sms").count() == 1


def test_the_unsubscribe_link_works_without_login_and_is_audited(
    deliver: Deliver, client: Client, account: Account, reader: User
) -> None:
    notify(reader, account)
    deliver()
    link = re.search(r"https?://\S+/notifications/unsubscribe/\S+/", str(mail.outbox[0].body))
    assert link is not None

    response = client.get("/" + link.group(0).split("://", 1)[1].split("/", 1)[1])

    assert response.status_code == 200
    assert "больше не будут приходить" in response.content.decode()
    assert (
        Subscription.objects.get(user=reader, kind=Kind.NEW_BILL, channel="email").enabled is False
    )
    assert AuditEntry.objects.filter(
        actor_id=reader.pk, action=Action.NOTIFICATION_UNSUBSCRIBED
    ).exists()
    notify(reader, account, key="next month")
    assert deliver() == 0


def test_a_forged_unsubscribe_link_changes_nothing(client: Client, reader: User) -> None:
    token = services.unsubscribe_token(reader.pk, Kind.NEW_BILL)

    response = client.get(f"/notifications/unsubscribe/{token[:-2]}xx/")

    assert response.status_code == 400
    assert not Subscription.objects.exists()


def test_a_crash_after_dispatch_is_resumed_and_sends_once(
    deliver: Deliver, account: Account, reader: User
) -> None:
    notify(reader, account)
    services.dispatch_pending(now=NOON)  # the worker dies here

    assert deliver() == 1
    assert deliver() == 0
    assert len(mail.outbox) == 1


def test_support_events_are_shown_in_the_portal_and_not_mailed_again(
    deliver: Deliver, account: Account, reader: User
) -> None:
    from kabinet.core.events import customer_event

    for _ in range(2):
        customer_event.send(
            sender=None,
            kind=Kind.APPEAL_ANSWERED,
            user_id=reader.pk,
            account_id=account.pk,
            key="appeal:1:2",
            payload={"appeal_id": 1, "number": "A-1"},
        )

    assert Notification.objects.filter(user=reader, kind=Kind.APPEAL_ANSWERED).count() == 1
    assert deliver() == 0
