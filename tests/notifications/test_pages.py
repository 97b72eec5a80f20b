"""The notification pages: the account's section, the global list, reading, the badge, the
subscriptions in the profile, and that nobody sees or reads someone else's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kabinet.billing.models import Account
from kabinet.identity.models import User
from kabinet.notifications import services
from kabinet.notifications.models import Channel, Kind, Notification, Subscription
from kabinet.notifications.selectors import unread_counts
from tests.factories import make_account, make_customer, make_link

pytestmark = pytest.mark.django_db


def notify(
    user: User, account: Account | None, kind: str = Kind.DEBT, key: str = "k"
) -> Notification:
    services.raise_notifications(
        [
            Notification(
                user=user,
                account=account,
                kind=kind,
                key=key,
                payload={"amount": "1545.13", "due_date": "2026-12-25", "period": "2026-11-01"},
            )
        ]
    )
    return Notification.objects.get(user=user, kind=kind, key=key)


@pytest.fixture
def signed_in(client: Client, reader: User) -> Client:
    client.force_login(reader)
    return client


def test_the_account_section_shows_the_notice_with_its_pay_button_and_marks(
    signed_in: Client, account: Account, reader: User
) -> None:
    notify(reader, account)

    page = signed_in.get(f"/accounts/{account.pk}/notifications/").content.decode()

    assert "Задолженность" in page
    assert "<details" in page
    assert f'href="/accounts/{account.pk}/pay/"' in page
    assert "Оплатить" in page
    assert 'id="toggler-unread"' in page  # the badge on the folded phone menu
    assert "Непрочитанных уведомлений: 1" in page  # the mark beside the account


def test_opening_marks_read_and_the_badge_goes(
    signed_in: Client, account: Account, reader: User
) -> None:
    notification = notify(reader, account)

    response = signed_in.post(
        f"/notifications/{notification.pk}/read/", {"next": "/notifications/"}
    )

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None
    page = signed_in.get("/notifications/").content.decode()
    assert 'id="toggler-unread"' not in page
    assert unread_counts(reader) == {}


def test_reading_someone_elses_notification_changes_nothing(
    signed_in: Client, account: Account
) -> None:
    stranger = make_customer()
    make_link(stranger, account)
    theirs = notify(stranger, account)

    signed_in.post(f"/notifications/{theirs.pk}/read/")

    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_someone_elses_account_section_is_not_found(signed_in: Client) -> None:
    other = make_account()

    assert signed_in.get(f"/accounts/{other.pk}/notifications/").status_code == 404
    assert signed_in.post("/notifications/read-all/", {"account": other.pk}).status_code == 404


def test_mark_all_read_of_one_account_leaves_the_others(
    signed_in: Client, account: Account, reader: User
) -> None:
    second = make_account()
    make_link(reader, second)
    notify(reader, account, key="first")
    notify(reader, second, key="second")

    signed_in.post("/notifications/read-all/", {"account": account.pk})

    assert unread_counts(reader) == {second.pk: 1}


def test_the_list_shows_the_last_month_by_default_and_three_on_request(
    signed_in: Client, account: Account, reader: User
) -> None:
    old = notify(reader, account, key="old")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=50))
    notify(reader, account, key="new")

    default = signed_in.get("/notifications/").content.decode()
    three = signed_in.get("/notifications/?months=3").content.decode()

    assert default.count("<details") == 1
    assert three.count("<details") == 2


def test_subscriptions_page_saves_choices_and_audits(signed_in: Client, reader: User) -> None:
    page = signed_in.get("/profile/notifications/").content.decode()
    assert "Новая квитанция" in page
    # Everything on but new bills: the form posts the checked boxes.
    data = {f"{kind}__email": "on" for kind in services.SUBSCRIBABLE if kind != Kind.NEW_BILL}

    response = signed_in.post("/profile/notifications/", data)

    assert response.status_code == 302
    assert list(
        Subscription.objects.filter(user=reader).values_list("kind", "channel", "enabled")
    ) == [(Kind.NEW_BILL, Channel.EMAIL, False)]


def test_pages_need_a_login(client: Client) -> None:
    assert client.get("/notifications/").status_code == 302
    assert client.get("/profile/notifications/").status_code == 302
