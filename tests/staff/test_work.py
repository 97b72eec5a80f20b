"""Answering appeals, moving requests, reviewing documents, and the files staff open."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kabinet.core.models import AuditEntry
from kabinet.messaging.models import OutgoingMessage
from kabinet.support.models import Appeal, ServiceRequest, ServiceRequestEvent, SocialNormDocument
from tests.factories import bomb_png_upload, make_supplier, truncated_jpeg_upload
from tests.staff.builders import (
    customer_of,
    file_appeal,
    file_document,
    file_request,
    make_staff,
    png_upload,
    staff_client,
)

pytestmark = pytest.mark.django_db


class TestAnswer:
    def test_an_answer_reaches_the_customer_by_e_mail_and_marks_it_unread(self) -> None:
        supplier = make_supplier(short_name="ТЭСК")
        _customer, customer_link = customer_of(
            supplier, email="anna@example.org", email_confirmed_at=timezone.now()
        )
        appeal = file_appeal(customer_link)
        staff = make_staff(supplier)
        client = staff_client(staff)
        response = client.post(
            f"/staff/appeals/{appeal.pk}/",
            {"text": "Платёж зачислен 12.03.", "attachments": [png_upload("receipt.png")]},
        )
        assert response.status_code == 302
        appeal.refresh_from_db()
        assert appeal.status == Appeal.Status.ANSWERED
        assert appeal.customer_unread
        message = appeal.messages.get()
        assert message.is_staff
        assert message.author == staff
        assert message.attachments.get().original_name == "receipt.png"
        notice = OutgoingMessage.objects.get(to="anna@example.org")
        assert notice.channel == OutgoingMessage.Channel.EMAIL
        assert appeal.number
        assert appeal.number in notice.body
        entry = AuditEntry.objects.get(action="support.appeal_answered")
        assert (entry.actor, entry.supplier_id) == (staff, supplier.pk)
        page = client.get(f"/staff/appeals/{appeal.pk}/")
        assert "Платёж зачислен 12.03." in page.text

    def test_a_customer_without_a_confirmed_e_mail_gets_an_sms(self) -> None:
        supplier = make_supplier()
        _customer, customer_link = customer_of(supplier, phone="+79160001122")
        appeal = file_appeal(customer_link)
        staff_client(make_staff(supplier)).post(f"/staff/appeals/{appeal.pk}/", {"text": "Да."})
        assert OutgoingMessage.objects.get(to="+79160001122").channel == "sms"

    @pytest.mark.parametrize(
        ("text", "error"),
        [
            ("", "Напишите текст ответа."),
            ("   \n ", "Напишите текст ответа."),
            ("я" * 4001, "Ответ длиннее 4000 символов."),
        ],
        ids=["empty", "blank", "too-long"],
    )
    def test_an_empty_or_huge_answer_is_refused_with_a_message(self, text: str, error: str) -> None:
        supplier = make_supplier()
        appeal = file_appeal(customer_of(supplier)[1])
        response = staff_client(make_staff(supplier)).post(
            f"/staff/appeals/{appeal.pk}/", {"text": text}
        )
        assert response.status_code == 400
        assert error in response.text
        assert not appeal.messages.exists()
        assert not OutgoingMessage.objects.exists()

    def test_a_file_that_is_not_an_image_or_pdf_is_refused(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        supplier = make_supplier()
        appeal = file_appeal(customer_of(supplier)[1])
        fake = SimpleUploadedFile("act.pdf", b"MZ\x90\x00" + b"\x00" * 60)
        response = staff_client(make_staff(supplier)).post(
            f"/staff/appeals/{appeal.pk}/", {"text": "Ответ", "attachments": [fake]}
        )
        assert response.status_code == 400
        assert "Можно приложить только файлы" in response.text
        assert not appeal.messages.exists()

    @pytest.mark.parametrize("upload", [bomb_png_upload, truncated_jpeg_upload])
    def test_an_image_the_decoder_refuses_is_a_400_with_a_message(self, upload: Any) -> None:
        supplier = make_supplier()
        appeal = file_appeal(customer_of(supplier)[1])
        response = staff_client(make_staff(supplier)).post(
            f"/staff/appeals/{appeal.pk}/", {"text": "Ответ", "attachments": [upload()]}
        )
        assert response.status_code == 400
        assert "Файл повреждён или это не изображение." in response.text
        assert not appeal.messages.exists()

    def test_closing_an_appeal(self) -> None:
        supplier = make_supplier()
        appeal = file_appeal(customer_of(supplier)[1])
        staff_client(make_staff(supplier)).post(f"/staff/appeals/{appeal.pk}/close/")
        appeal.refresh_from_db()
        assert appeal.status == Appeal.Status.CLOSED
        assert AuditEntry.objects.filter(action="support.appeal_closed").exists()


class TestRequestStatus:
    def test_a_status_change_with_a_comment_shows_in_the_history(self) -> None:
        supplier = make_supplier()
        request = file_request(customer_of(supplier)[1])
        staff = make_staff(supplier)
        client = staff_client(staff)
        response = client.post(
            f"/staff/requests/{request.pk}/status/",
            {"status": "in_progress", "comment": "Мастер приедет с 9 до 12."},
        )
        assert response.status_code == 302
        request.refresh_from_db()
        assert request.status == ServiceRequest.Status.IN_PROGRESS
        event = ServiceRequestEvent.objects.filter(request=request).latest("pk")
        assert (event.comment, event.actor, event.actor_is_staff) == (
            "Мастер приедет с 9 до 12.",
            staff,
            True,
        )
        assert "Мастер приедет с 9 до 12." in client.get(f"/staff/requests/{request.pk}/").text
        assert OutgoingMessage.objects.filter(template="support_request_status").exists()
        entry = AuditEntry.objects.get(action="support.request_status_changed")
        assert entry.data["status"] == {"before": "new", "after": "in_progress"}

    def test_canceling_needs_a_reason(self) -> None:
        supplier = make_supplier()
        request = file_request(customer_of(supplier)[1])
        client = staff_client(make_staff(supplier))
        response = client.post(
            f"/staff/requests/{request.pk}/status/", {"status": "canceled_by_staff"}
        )
        assert response.status_code == 400
        assert "Укажите причину отмены заявки." in response.text
        request.refresh_from_db()
        assert request.status == ServiceRequest.Status.NEW

    def test_a_status_that_cannot_follow_is_refused(self) -> None:
        supplier = make_supplier()
        request = file_request(customer_of(supplier)[1])
        response = staff_client(make_staff(supplier)).post(
            f"/staff/requests/{request.pk}/status/", {"status": "done"}
        )
        assert response.status_code == 400
        request.refresh_from_db()
        assert request.status == ServiceRequest.Status.NEW


class TestDocuments:
    def test_rejecting_needs_a_reason_and_accepting_does_not(self) -> None:
        supplier = make_supplier()
        document = file_document(customer_of(supplier)[1])
        client = staff_client(make_staff(supplier))
        url = f"/staff/documents/{document.pk}/"
        refused = client.post(url, {"decision": "reject", "reason": " "})
        assert refused.status_code == 400
        assert "Укажите причину отклонения." in refused.text
        client.post(url, {"decision": "reject", "reason": "Скан нечитаем"})
        document.refresh_from_db()
        assert (document.status, document.reject_reason) == (
            SocialNormDocument.Status.REJECTED,
            "Скан нечитаем",
        )
        client.post(url, {"decision": "accept"})
        document.refresh_from_db()
        assert document.status == SocialNormDocument.Status.ACCEPTED
        assert AuditEntry.objects.filter(action="support.document_reviewed").count() == 2

    def test_the_queue_shows_documents_waiting_for_review(self) -> None:
        supplier = make_supplier()
        document = file_document(customer_of(supplier)[1])
        file_document(customer_of(make_supplier())[1])
        response = staff_client(make_staff(supplier)).get("/staff/documents/")
        assert [row for row, _ in response.context["rows"]] == [document]


class TestAttachments:
    def test_staff_open_a_customers_file_within_their_scope_only(self) -> None:
        supplier = make_supplier()
        appeal = file_appeal(customer_of(supplier)[1], files=[png_upload("meter.png")])
        attachment = appeal.attachments.get()
        own = staff_client(make_staff(supplier)).get(f"/staff/files/{attachment.pk}/")
        assert own.status_code == 200
        assert own["Content-Type"] == "image/png"
        assert b"".join(own.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
        assert "meter.png" in own["Content-Disposition"]
        other = staff_client(make_staff(make_supplier())).get(f"/staff/files/{attachment.pk}/")
        assert other.status_code == 404
        listed = staff_client(make_staff(supplier)).get(f"/staff/appeals/{appeal.pk}/")
        assert f"/staff/files/{attachment.pk}/" in listed.text

    def test_a_customer_cannot_open_files_through_the_staff_url(self) -> None:
        supplier = make_supplier()
        customer, customer_link = customer_of(supplier)
        appeal = file_appeal(customer_link, files=[png_upload()])
        client = staff_client(customer)
        assert client.get(f"/staff/files/{appeal.attachments.get().pk}/").status_code == 403
