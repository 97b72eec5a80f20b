"""The appeal and request queues: scope, filters, age, oldest first, assignment, pagination."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from kabinet.billing.models import AccountLink
from kabinet.core.models import AuditEntry
from kabinet.staff.selectors import format_age
from kabinet.support.models import Appeal, RequestType, ServiceRequest
from tests.factories import make_supplier
from tests.staff.builders import (
    customer_of,
    file_appeal,
    file_document,
    file_request,
    make_staff,
    staff_client,
)

pytestmark = pytest.mark.django_db


def queue(client: object, url: str, **params: object) -> list[object]:
    response = client.get(url, params)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return [row for row, _age in response.context["rows"]]


def backdate(obj: Appeal | ServiceRequest, **delta: float) -> None:
    type(obj).objects.filter(pk=obj.pk).update(created_at=timezone.now() - dt.timedelta(**delta))


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (dt.timedelta(days=2, hours=3, minutes=5), "2\xa0дня, 3\xa0часа"),
        (dt.timedelta(hours=5, minutes=10), "5\xa0часов, 10\xa0минут"),
        (dt.timedelta(minutes=7), "7\xa0минут"),
    ],
)
def test_age_reads_as_staff_say_it(delta: dt.timedelta, text: str) -> None:
    with translation.override("ru"):
        assert format_age(delta) == text


def test_age_is_translated() -> None:
    with translation.override("en"):
        assert format_age(dt.timedelta(minutes=16)) == "16\xa0minutes"


class TestAppealQueue:
    def test_it_lists_own_suppliers_open_appeals_oldest_first_with_age(self) -> None:
        supplier = make_supplier()
        _, customer_link = customer_of(supplier)
        newer = file_appeal(customer_link)
        older = file_appeal(customer_link)
        backdate(older, days=2, hours=3, minutes=1)
        closed = file_appeal(customer_link)
        Appeal.objects.filter(pk=closed.pk).update(status=Appeal.Status.CLOSED)
        _, foreign_link = customer_of(make_supplier())
        file_appeal(foreign_link)
        client = staff_client(make_staff(supplier))
        response = client.get("/staff/appeals/")
        assert [row for row, _ in response.context["rows"]] == [older, newer]
        assert "2\xa0дня, 3\xa0часа" in response.text
        assert queue(client, "/staff/appeals/", status="closed") == [closed]
        assert len(queue(client, "/staff/appeals/", status="all")) == 3

    def test_all_supplier_staff_see_every_supplier_and_filter_by_one(self) -> None:
        first, second = make_supplier(), make_supplier()
        a = file_appeal(customer_of(first)[1])
        b = file_appeal(customer_of(second)[1])
        client = staff_client(make_staff(None))
        assert set(queue(client, "/staff/appeals/")) == {a, b}
        assert queue(client, "/staff/appeals/", supplier=second.pk) == [b]

    def test_it_filters_by_topic_assignment_and_dates(self) -> None:
        supplier = make_supplier()
        me = make_staff(supplier)
        colleague = make_staff(supplier)
        customer_link = customer_of(supplier)[1]
        mine = file_appeal(customer_link, topic="readings")
        theirs = file_appeal(customer_link, topic="payment")
        free = file_appeal(customer_link, topic="payment")
        Appeal.objects.filter(pk=mine.pk).update(assigned_to=me)
        Appeal.objects.filter(pk=theirs.pk).update(assigned_to=colleague)
        backdate(free, days=10)
        client = staff_client(me)
        assert queue(client, "/staff/appeals/", topic="readings") == [mine]
        assert queue(client, "/staff/appeals/", assigned="me") == [mine]
        assert queue(client, "/staff/appeals/", assigned="none") == [free]
        today = timezone.localdate()
        assert set(queue(client, "/staff/appeals/", created_from=today.isoformat())) == {
            mine,
            theirs,
        }
        old_day = (today - dt.timedelta(days=10)).isoformat()
        assert queue(client, "/staff/appeals/", created_to=old_day) == [free]
        # A filter value that does not parse is ignored, not a 500.
        assert len(queue(client, "/staff/appeals/", created_from="вчера", supplier="x")) == 3

    def test_it_pages_long_queues(self) -> None:
        supplier = make_supplier()
        customer, _customer_link = customer_of(supplier)
        Appeal.objects.bulk_create(
            Appeal(user=customer, supplier=supplier, topic="other", text=f"Вопрос {n}")
            for n in range(26)
        )
        client = staff_client(make_staff(supplier))
        assert len(queue(client, "/staff/appeals/")) == 25
        assert len(queue(client, "/staff/appeals/", page=2)) == 1
        assert len(queue(client, "/staff/appeals/", page="много")) == 25


class TestAssignment:
    def test_staff_assign_an_appeal_to_a_colleague_of_the_same_supplier(self) -> None:
        supplier = make_supplier()
        me, colleague = make_staff(supplier), make_staff(supplier)
        appeal = file_appeal(customer_of(supplier)[1])
        client = staff_client(me)
        page = client.get(f"/staff/appeals/{appeal.pk}/")
        assert colleague.get_full_name() in page.text
        response = client.post(f"/staff/appeals/{appeal.pk}/assign/", {"assignee": colleague.pk})
        assert response.status_code == 302
        appeal.refresh_from_db()
        assert appeal.assigned_to == colleague
        assert appeal.status == Appeal.Status.IN_PROGRESS
        entry = AuditEntry.objects.get(action="support.appeal_assigned")
        assert entry.actor == me
        assert entry.data["assignee"] == {"before": None, "after": colleague.pk}
        assert entry.supplier_id == supplier.pk

    def test_staff_of_another_supplier_cannot_be_assigned(self) -> None:
        supplier = make_supplier()
        outsider = make_staff(make_supplier())
        appeal = file_appeal(customer_of(supplier)[1])
        client = staff_client(make_staff(supplier))
        response = client.post(f"/staff/appeals/{appeal.pk}/assign/", {"assignee": outsider.pk})
        assert response.status_code == 400
        assert "Выберите корректный вариант" in response.text
        appeal.refresh_from_db()
        assert appeal.assigned_to is None

    def test_take_it_from_the_queue_returns_to_the_queue(self) -> None:
        supplier = make_supplier()
        me = make_staff(supplier)
        request = file_request(customer_of(supplier)[1])
        client = staff_client(me)
        response = client.post(
            f"/staff/requests/{request.pk}/assign/",
            {"assignee": me.pk, "next": "/staff/requests/?assigned=none"},
        )
        assert response["Location"] == "/staff/requests/?assigned=none"
        request.refresh_from_db()
        assert request.assigned_to == me
        assert queue(client, "/staff/requests/", assigned="me") == [request]


class TestRequestQueue:
    def test_it_filters_by_type_and_status(self) -> None:
        supplier = make_supplier()
        customer_link = customer_of(supplier)[1]
        first = file_request(customer_link)
        other_type = RequestType.objects.create(supplier=supplier, name="Поверка счётчика")
        second = file_request(customer_link, request_type=other_type)
        ServiceRequest.objects.filter(pk=first.pk).update(status=ServiceRequest.Status.DONE)
        client = staff_client(make_staff(supplier))
        assert queue(client, "/staff/requests/") == [second]
        assert queue(client, "/staff/requests/", status="done") == [first]
        assert queue(client, "/staff/requests/", status="all", topic=other_type.pk) == [second]


def count_queries(client: object, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200  # type: ignore[attr-defined]
    return len(queries)


@pytest.mark.parametrize("url", ["/staff/appeals/", "/staff/requests/", "/staff/documents/"])
def test_queues_take_a_constant_number_of_queries(url: str) -> None:
    supplier = make_supplier()
    makers: dict[str, Callable[[AccountLink], object]] = {
        "/staff/appeals/": file_appeal,
        "/staff/requests/": file_request,
        "/staff/documents/": file_document,
    }
    make_row = makers[url]
    client = staff_client(make_staff(supplier))
    make_row(customer_of(supplier)[1])
    client.get(url)  # warms per-process caches
    with_one = count_queries(client, url)
    for _ in range(4):
        make_row(customer_of(supplier)[1])
    assert count_queries(client, url) == with_one
