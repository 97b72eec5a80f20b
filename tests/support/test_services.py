"""Support acts: requests, catalog orders, appeals and their threads, documents, staff answers."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from kabinet.billing.models import AccountLink, Supplier
from kabinet.core.models import AuditEntry
from kabinet.identity.models import User
from kabinet.messaging.models import OutgoingMessage
from kabinet.support import services
from kabinet.support.models import (
    Appeal,
    Attachment,
    ServiceRequest,
    ServiceRequestEvent,
    SocialNormDocument,
)
from kabinet.support.services import SupportError
from tests.factories import (
    fake_pdf_upload,
    file_appeal,
    file_request,
    make_account,
    make_catalog_item,
    make_request_type,
    make_staff,
    make_supplier,
    pdf_upload,
    png_upload,
)
from tests.factories import make_link as link
from tests.support.conftest import tomorrow

pytestmark = pytest.mark.django_db

Status = ServiceRequest.Status


# --- requests --------------------------------------------------------------------------------


def test_a_request_gets_a_number_a_first_event_and_an_audit_row(
    customer_link: AccountLink,
) -> None:
    request = file_request(customer_link, contact_phone="8 916 123-45-67")

    year = timezone.localtime(request.created_at).year
    assert request.number == f"З-{year}-{request.pk:06d}"
    assert request.status == Status.NEW
    assert request.contact_phone == "+79161234567"
    assert request.supplier == customer_link.account.supplier
    assert [(e.status, e.actor_id, e.actor_is_staff) for e in request.events.all()] == [
        (Status.NEW, customer_link.user_id, False)
    ]
    assert AuditEntry.objects.filter(
        action="support.request_created", object_id=str(request.pk)
    ).exists()


def test_numbers_are_unique_across_many_requests(customer_link: AccountLink) -> None:
    numbers = {file_request(customer_link).number for _ in range(3)}
    assert len(numbers) == 3


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"reason": "   "}, "reason", "required"),
        ({"reason": "я" * 4001}, "reason", "too_long"),
        ({"desired_date": dt.date(2020, 1, 1)}, "desired_date", "date_in_past"),
        ({"desired_date": None}, "desired_date", "required"),
        ({"contact_phone": "123"}, "contact_phone", "invalid_phone"),
        ({"desired_slot": "00-03"}, "desired_slot", "invalid_slot"),
    ],
    ids=["blank", "too-long", "past", "no-date", "bad-phone", "bad-slot"],
)
def test_bad_request_input_is_refused_and_nothing_is_saved(
    customer_link: AccountLink, changes: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(SupportError) as error:
        file_request(customer_link, **changes)
    assert (list(error.value.fields), error.value.code) == ([field], code)
    assert not ServiceRequest.objects.exists()


def test_the_desired_date_is_judged_in_the_suppliers_time_zone(
    customer_link: AccountLink, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 23:30 in Moscow on March 10 is already March 11 in Vladivostok.
    now = dt.datetime(2026, 3, 10, 20, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    supplier = customer_link.account.supplier
    supplier.time_zone = "Asia/Vladivostok"
    supplier.save()
    with pytest.raises(SupportError) as error:
        file_request(customer_link, desired_date=dt.date(2026, 3, 10))
    assert error.value.code == "date_in_past"
    assert file_request(customer_link, desired_date=dt.date(2026, 3, 11)).pk


def test_a_type_of_another_supplier_or_inactive_is_refused(customer_link: AccountLink) -> None:
    foreign = make_request_type(make_supplier())
    inactive = make_request_type(customer_link.account.supplier, is_active=False)
    for request_type in (foreign, inactive):
        with pytest.raises(SupportError) as error:
            file_request(customer_link, request_type=request_type)
        assert list(error.value.fields) == ["request_type"]


def test_the_customer_cancels_a_new_request_and_the_history_shows_it(
    customer_link: AccountLink,
) -> None:
    request = file_request(customer_link)
    services.cancel_request(request=request, user=customer_link.user, reason="Передумал")
    request.refresh_from_db()
    assert request.status == Status.CANCELED_BY_CUSTOMER
    assert request.cancel_reason == "Передумал"
    assert [e.status for e in request.events.all()] == [Status.NEW, Status.CANCELED_BY_CUSTOMER]


def test_a_request_already_in_work_cannot_be_canceled_by_the_customer(
    customer_link: AccountLink, staff: User
) -> None:
    request = file_request(customer_link)
    services.change_request_status(request=request, staff=staff, status=Status.IN_PROGRESS)
    with pytest.raises(SupportError) as error:
        services.cancel_request(request=request, user=customer_link.user)
    assert error.value.code == "not_cancellable"
    assert "В работе" in error.value.message
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


def test_only_the_owner_cancels(customer_link: AccountLink, stranger: User) -> None:
    request = file_request(customer_link)
    with pytest.raises(PermissionDenied):
        services.cancel_request(request=request, user=stranger)


def _race(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
    """Run ``first`` in a transaction on its own connection and keep that transaction open until
    ``second``, started on another connection, waits for a row lock; then commit ``first`` and
    let ``second`` finish. Returns what each returned, or the SupportError code it raised."""
    from django.db import connections, transaction

    done_first = threading.Event()
    commit = threading.Event()
    outcome: dict[str, Any] = {}

    def run(name: str, act: Callable[[], Any], hold: bool) -> None:
        try:
            with transaction.atomic():
                try:
                    outcome[name] = act()
                except SupportError as error:
                    outcome[name] = error.code
                if hold:
                    done_first.set()
                    commit.wait(10)
        finally:
            # A thread's connection is not the test's: close it, or teardown finds it open.
            connections.close_all()

    holder = threading.Thread(target=run, args=("first", first, True))
    holder.start()
    assert done_first.wait(10), "the first act did not finish"
    waiter = threading.Thread(target=run, args=("second", second, False))
    waiter.start()
    waited = _wait_for_a_lock_wait()
    commit.set()
    holder.join(10)
    waiter.join(10)
    assert waited, "the second act never waited for the first one's row lock"
    return outcome["first"], outcome["second"]


def _wait_for_a_lock_wait() -> bool:
    """True once another session of this database waits for a lock (within 5 seconds)."""
    with connection.cursor() as cursor:
        for _ in range(500):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_staff_move_to_in_work_wins_over_a_concurrent_cancel(
    customer_link: AccountLink, staff: User
) -> None:
    """The staff member's move holds the row lock; the customer's cancel waits for it and then
    sees «В работе». Without the lock in cancel_request the cancel reads «Принята» and
    overwrites the move once it commits."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    request = file_request(customer_link)

    taken, canceled = _race(
        lambda: services.change_request_status(
            request=request, staff=staff, status=Status.IN_PROGRESS
        ),
        lambda: services.cancel_request(request=request, user=customer_link.user),
    )

    assert isinstance(taken, ServiceRequest)
    assert canceled == "not_cancellable"
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert [e.status for e in request.events.order_by("pk")] == [Status.NEW, Status.IN_PROGRESS]


@pytest.mark.django_db(transaction=True)
def test_a_cancel_wins_over_a_concurrent_staff_move_to_in_work(
    customer_link: AccountLink, staff: User
) -> None:
    """The other way round: the customer's cancel holds the lock, the staff member's move waits
    and is refused. Without the lock in change_request_status the move reads «Принята» and
    overwrites the cancel."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    request = file_request(customer_link)

    canceled, taken = _race(
        lambda: services.cancel_request(request=request, user=customer_link.user),
        lambda: services.change_request_status(
            request=request, staff=staff, status=Status.IN_PROGRESS
        ),
    )

    assert isinstance(canceled, ServiceRequest)
    assert taken == "invalid_transition"
    request.refresh_from_db()
    assert request.status == Status.CANCELED_BY_CUSTOMER
    assert [e.status for e in request.events.order_by("pk")] == [
        Status.NEW,
        Status.CANCELED_BY_CUSTOMER,
    ]


# --- catalog ---------------------------------------------------------------------------------


def test_ordering_a_catalog_item_keeps_its_price_at_that_moment(
    customer_link: AccountLink,
) -> None:
    item = make_catalog_item(customer_link.account.supplier, price=Decimal("1500.00"))
    order = services.order_catalog_item(
        link=customer_link,
        item=item,
        contact_phone="+79161234567",
        desired_date=tomorrow(),
        desired_slot="12-15",
        comment="",
    )
    item.price = Decimal("1700.00")
    item.save()
    order.refresh_from_db()
    assert order.price == Decimal("1500.00")
    assert order.catalog_item == item
    assert order.title == item.name
    assert AuditEntry.objects.filter(action="support.catalog_item_ordered").count() == 1


def test_an_item_of_another_supplier_needs_that_suppliers_account(
    customer_link: AccountLink,
) -> None:
    item = make_catalog_item(make_supplier())
    with pytest.raises(SupportError) as error:
        services.order_catalog_item(
            link=customer_link,
            item=item,
            contact_phone="+79161234567",
            desired_date=tomorrow(),
            desired_slot="09-12",
        )
    assert list(error.value.fields) == ["account"]


# --- appeals ---------------------------------------------------------------------------------


def test_an_appeal_is_registered_with_a_number_and_its_attachment(
    customer: User, supplier: Supplier
) -> None:
    appeal = services.create_appeal(
        user=customer,
        supplier=supplier,
        account=None,
        topic="complaint",
        text="Счёт пришёл дважды",
        files=[png_upload("счёт.png")],
    )
    year = timezone.localtime(appeal.created_at).year
    assert appeal.number == f"О-{year}-{appeal.pk:06d}"
    assert appeal.status == Appeal.Status.NEW
    attachment = appeal.attachments.get()
    assert attachment.original_name == "счёт.png"
    assert attachment.content_type == "image/png"
    # Stored under a generated name that says nothing of the customer's file.
    name = str(attachment.file.name)
    assert "счёт" not in name
    assert name.startswith("appeals/")
    assert attachment.file.storage.exists(name)


def test_an_attachment_that_is_not_what_its_name_says_is_refused_and_nothing_stays(
    customer: User, supplier: Supplier, settings: Any
) -> None:
    with pytest.raises(SupportError) as error:
        services.create_appeal(
            user=customer,
            supplier=supplier,
            account=None,
            topic="other",
            text="Вот счёт",
            files=[png_upload(), fake_pdf_upload()],
        )
    assert error.value.code == "bad_file"
    assert "invoice.pdf" in error.value.message
    assert not Appeal.objects.exists()
    assert not Attachment.objects.exists()
    stored = [p for p in settings.UPLOADS_ROOT.rglob("*") if p.is_file()]
    assert stored == []


def test_more_than_five_files_are_refused(customer: User, supplier: Supplier) -> None:
    with pytest.raises(SupportError) as error:
        file_appeal(customer, supplier, files=[png_upload() for _ in range(6)])
    assert error.value.code == "too_many_files"


def test_an_account_of_another_supplier_is_refused(
    customer: User, customer_link: AccountLink
) -> None:
    with pytest.raises(SupportError) as error:
        file_appeal(customer, make_supplier(), account=customer_link.account)
    assert list(error.value.fields) == ["account"]


def test_appeals_are_rate_limited_per_customer(
    customer: User, supplier: Supplier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "CREATE_LIMIT_PER_HOUR", 2)
    file_appeal(customer, supplier)
    file_appeal(customer, supplier)
    with pytest.raises(SupportError) as error:
        file_appeal(customer, supplier)
    assert error.value.code == "throttled"
    assert Appeal.objects.count() == 2


def test_a_staff_answer_marks_unread_and_texts_a_customer_without_a_confirmed_email(
    customer: User, supplier: Supplier, staff: User
) -> None:
    appeal = file_appeal(customer, supplier)
    message = services.answer_appeal(appeal=appeal, staff=staff, text="Платёж зачислен 12.10.")
    appeal.refresh_from_db()
    assert message.is_staff
    assert appeal.status == Appeal.Status.ANSWERED
    assert appeal.customer_unread
    assert appeal.assigned_to == staff
    sms = OutgoingMessage.objects.get()
    assert sms.channel == OutgoingMessage.Channel.SMS
    assert sms.to == customer.phone
    assert str(appeal.number) in sms.body
    assert AuditEntry.objects.filter(action="support.appeal_answered", actor=staff).exists()


def test_a_customer_with_a_confirmed_email_gets_the_answer_notice_by_email(
    customer: User, supplier: Supplier, staff: User
) -> None:
    customer.email_confirmed_at = timezone.now()
    customer.save()
    appeal = file_appeal(customer, supplier)
    services.answer_appeal(appeal=appeal, staff=staff, text="Ответ")
    email = OutgoingMessage.objects.get()
    assert email.channel == OutgoingMessage.Channel.EMAIL
    assert email.to == customer.email
    assert str(appeal.number) in email.subject


def test_an_sms_refused_by_the_caps_does_not_fail_the_answer(
    customer: User, supplier: Supplier, staff: User, settings: Any
) -> None:
    settings.SMS_LIMIT_PER_NUMBER = 0
    appeal = file_appeal(customer, supplier)
    services.answer_appeal(appeal=appeal, staff=staff, text="Ответ")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ANSWERED
    assert appeal.messages.count() == 1
    assert not OutgoingMessage.objects.exists()


def test_only_staff_answer(customer: User, supplier: Supplier) -> None:
    appeal = file_appeal(customer, supplier)
    with pytest.raises(PermissionDenied):
        services.answer_appeal(appeal=appeal, staff=customer, text="Сам себе отвечу")


def test_a_customer_reply_reopens_an_answered_appeal(
    customer: User, supplier: Supplier, staff: User
) -> None:
    appeal = file_appeal(customer, supplier)
    services.answer_appeal(appeal=appeal, staff=staff, text="Ответ")
    services.reply_to_appeal(appeal=appeal, user=customer, text="Спасибо, но не то")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.IN_PROGRESS  # the staff member who answered has it
    assert not appeal.customer_unread

    unassigned = file_appeal(customer, supplier)
    services.close_appeal(appeal=unassigned, staff=staff)
    services.reply_to_appeal(appeal=unassigned, user=customer, text="Вопрос остался")
    unassigned.refresh_from_db()
    assert unassigned.status == Appeal.Status.NEW


def test_assigning_an_appeal_takes_it_into_work(
    customer: User, supplier: Supplier, staff: User
) -> None:
    appeal = file_appeal(customer, supplier)
    other = services.assign_appeal(appeal=appeal, staff=staff, assignee=staff)
    assert (other.status, other.assigned_to) == (Appeal.Status.IN_PROGRESS, staff)
    with pytest.raises(SupportError):
        services.assign_appeal(appeal=appeal, staff=staff, assignee=customer)


def test_mark_read_clears_the_unread_mark_for_the_owner_only(
    customer: User, stranger: User, supplier: Supplier, staff: User
) -> None:
    appeal = file_appeal(customer, supplier)
    services.answer_appeal(appeal=appeal, staff=staff, text="Ответ")
    appeal.refresh_from_db()
    services.mark_appeal_read(appeal=appeal, user=stranger)
    assert Appeal.objects.get(pk=appeal.pk).customer_unread
    services.mark_appeal_read(appeal=appeal, user=customer)
    assert not Appeal.objects.get(pk=appeal.pk).customer_unread


# --- staff on requests -----------------------------------------------------------------------


def test_staff_move_a_request_forward_only_and_the_customer_is_told(
    customer_link: AccountLink, staff: User
) -> None:
    request = file_request(customer_link)
    services.change_request_status(request=request, staff=staff, status=Status.IN_PROGRESS)
    services.change_request_status(
        request=request, staff=staff, status=Status.DONE, comment="Заменили"
    )
    request.refresh_from_db()
    assert request.status == Status.DONE
    events = list(request.events.values_list("status", "actor_is_staff", "comment"))
    assert events == [
        (Status.NEW, False, ""),
        (Status.IN_PROGRESS, True, ""),
        (Status.DONE, True, "Заменили"),
    ]
    assert OutgoingMessage.objects.count() == 2
    for status in (Status.NEW, Status.IN_PROGRESS, Status.CANCELED_BY_STAFF):
        with pytest.raises(SupportError) as error:
            services.change_request_status(request=request, staff=staff, status=status, comment="x")
        assert error.value.code == "invalid_transition"


def test_staff_cancel_needs_a_reason(customer_link: AccountLink, staff: User) -> None:
    request = file_request(customer_link)
    with pytest.raises(SupportError) as error:
        services.change_request_status(
            request=request, staff=staff, status=Status.CANCELED_BY_STAFF
        )
    assert list(error.value.fields) == ["comment"]
    services.change_request_status(
        request=request, staff=staff, status=Status.CANCELED_BY_STAFF, comment="Неверный счёт"
    )
    request.refresh_from_db()
    assert (request.status, request.cancel_reason) == (Status.CANCELED_BY_STAFF, "Неверный счёт")
    assert ServiceRequestEvent.objects.filter(request=request).count() == 2


def test_assign_request_keeps_the_status(customer_link: AccountLink, staff: User) -> None:
    request = file_request(customer_link)
    assigned = services.assign_request(request=request, staff=staff, assignee=staff)
    assert (assigned.status, assigned.assigned_to) == (Status.NEW, staff)


# --- documents -------------------------------------------------------------------------------


def test_documents_are_received_then_rejected_with_a_reason(
    customer_link: AccountLink, staff: User
) -> None:
    document = services.upload_social_document(
        link=customer_link, kind="residents", files=[pdf_upload()]
    )
    assert document.status == SocialNormDocument.Status.RECEIVED
    assert document.attachments.count() == 1
    with pytest.raises(SupportError):
        services.review_document(document=document, staff=staff, accept=False, reason=" ")
    reviewed = services.review_document(
        document=document, staff=staff, accept=False, reason="Нечитаемо"
    )
    assert reviewed.status == SocialNormDocument.Status.REJECTED
    assert reviewed.reject_reason == "Нечитаемо"
    assert reviewed.reviewed_by == staff
    accepted = services.review_document(document=document, staff=staff, accept=True)
    assert (accepted.status, accepted.reject_reason) == (SocialNormDocument.Status.ACCEPTED, "")


def test_documents_need_a_file(customer_link: AccountLink) -> None:
    with pytest.raises(SupportError) as error:
        services.upload_social_document(link=customer_link, kind="residents", files=[])
    assert list(error.value.fields) == ["attachments"]


def test_a_request_for_an_account_of_a_second_supplier_goes_to_that_supplier(
    customer: User,
) -> None:
    water = make_supplier(short_name="Водоканал")
    water_link = link(customer, make_account(water))
    request = file_request(water_link)
    assert request.supplier == water


# --- one audit row per act, a staff act scoped to the staff member's supplier -----------------


def _answer(staff: User, customer_link: AccountLink) -> Any:
    appeal = file_appeal(customer_link.user, customer_link.account.supplier)
    return services.answer_appeal(staff=staff, appeal=appeal, text="Ответ"), appeal


def _assign_appeal(staff: User, customer_link: AccountLink) -> Any:
    appeal = file_appeal(customer_link.user, customer_link.account.supplier)
    return services.assign_appeal(staff=staff, appeal=appeal, assignee=staff), appeal


def _close(staff: User, customer_link: AccountLink) -> Any:
    appeal = file_appeal(customer_link.user, customer_link.account.supplier)
    return services.close_appeal(staff=staff, appeal=appeal), appeal


def _assign_request(staff: User, customer_link: AccountLink) -> Any:
    request = file_request(customer_link)
    return services.assign_request(staff=staff, request=request, assignee=staff), request


def _take(staff: User, customer_link: AccountLink) -> Any:
    request = file_request(customer_link)
    changed = services.change_request_status(
        staff=staff, request=request, status=Status.IN_PROGRESS
    )
    return changed, request


def _review(staff: User, customer_link: AccountLink) -> Any:
    document = services.upload_social_document(
        link=customer_link, kind="residents", files=[pdf_upload()]
    )
    return services.review_document(staff=staff, document=document, accept=True), document


# Each does one staff act as ``staff`` and returns the result and the object acted on.
STAFF_ACTS: dict[str, Callable[[User, AccountLink], tuple[Any, Any]]] = {
    "support.appeal_answered": _answer,
    "support.appeal_assigned": _assign_appeal,
    "support.appeal_closed": _close,
    "support.request_assigned": _assign_request,
    "support.request_status_changed": _take,
    "support.document_reviewed": _review,
}


@pytest.mark.parametrize("action", list(STAFF_ACTS))
def test_a_staff_act_writes_one_row_with_its_supplier(
    customer_link: AccountLink, action: str
) -> None:
    supplier = customer_link.account.supplier
    staff = make_staff(supplier)
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    _result, target = STAFF_ACTS[action](staff, customer_link)
    rows = AuditEntry.objects.exclude(pk__in=before).filter(actor=staff)
    assert [(r.action, r.object_type, r.object_id, r.supplier_id) for r in rows] == [
        (action, target._meta.label, str(target.pk), supplier.pk)
    ]


@pytest.mark.parametrize("action", list(STAFF_ACTS))
def test_a_staff_member_of_another_supplier_is_refused_and_nothing_is_written(
    customer_link: AccountLink, action: str
) -> None:
    outsider = make_staff(make_supplier())
    with pytest.raises(PermissionDenied):
        STAFF_ACTS[action](outsider, customer_link)
    assert not AuditEntry.objects.filter(actor=outsider).exists()


def test_a_staff_user_without_a_staff_member_row_is_refused(customer_link: AccountLink) -> None:
    appeal = file_appeal(customer_link.user, customer_link.account.supplier)
    bare = User.objects.create_user(username="bare", password="x", is_staff=True)
    with pytest.raises(PermissionDenied):
        services.close_appeal(staff=bare, appeal=appeal)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.NEW


def test_an_appeal_is_not_assigned_to_staff_of_another_supplier(
    customer_link: AccountLink,
) -> None:
    appeal = file_appeal(customer_link.user, customer_link.account.supplier)
    staff = make_staff(customer_link.account.supplier)
    with pytest.raises(SupportError) as error:
        services.assign_appeal(staff=staff, appeal=appeal, assignee=make_staff(make_supplier()))
    assert list(error.value.fields) == ["assignee"]


def test_each_customer_act_writes_one_row(customer_link: AccountLink) -> None:
    customer = customer_link.user
    supplier = customer_link.account.supplier
    appeal = file_appeal(customer, supplier)
    services.reply_to_appeal(appeal=appeal, user=customer, text="Ещё вопрос")
    request = file_request(customer_link)
    services.cancel_request(request=request, user=customer)
    document = services.upload_social_document(
        link=customer_link, kind="residents", files=[pdf_upload()]
    )
    rows = AuditEntry.objects.order_by("pk").values_list("action", "object_type", "object_id")
    assert list(rows) == [
        ("support.appeal_created", "support.Appeal", str(appeal.pk)),
        ("support.appeal_replied", "support.Appeal", str(appeal.pk)),
        ("support.request_created", "support.ServiceRequest", str(request.pk)),
        ("support.request_canceled", "support.ServiceRequest", str(request.pk)),
        ("support.document_uploaded", "support.SocialNormDocument", str(document.pk)),
    ]
    assert not AuditEntry.objects.exclude(actor=customer).exists()
