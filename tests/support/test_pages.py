"""Customer pages of the support app: forms with messages next to fields, lists with filters,
cards, the FAQ search, the price list, and 404 for anything of another customer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from kabinet.billing.models import AccountLink, Supplier
from kabinet.identity.models import User
from kabinet.support import services, urls
from kabinet.support.models import (
    Appeal,
    Attachment,
    FaqCategory,
    FaqQuestion,
    ServiceRequest,
    SupportContact,
)
from tests.factories import (
    bomb_png_upload,
    fake_pdf_upload,
    file_appeal,
    file_request,
    make_catalog_item,
    make_request_type,
    make_supplier,
    pdf_upload,
    png_upload,
    truncated_jpeg_upload,
)
from tests.support.conftest import tomorrow

pytestmark = pytest.mark.django_db


def errors_of(response: Any, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


# --- requests --------------------------------------------------------------------------------


def test_a_customer_files_a_request_from_the_account(
    client_in: Client, customer_link: AccountLink
) -> None:
    request_type = make_request_type(customer_link.account.supplier, name="Замена счётчика")
    url = reverse("support:request_new", args=[customer_link.account_id])
    page = client_in.get(url)
    assert "Замена счётчика" in page.text
    assert page.context["form"].initial["contact_phone"] == customer_link.user.phone

    response = client_in.post(
        url,
        {
            "request_type": request_type.pk,
            "reason": "Счётчик сгорел",
            "desired_date": tomorrow().isoformat(),
            "desired_slot": "12-15",
            "contact_phone": "8 916 000-00-01",
            "attachments": [png_upload(), pdf_upload()],
        },
        follow=True,
    )
    created = ServiceRequest.objects.get()
    assert response.redirect_chain[-1][0] == reverse("support:request", args=[created.pk])
    assert f"Заявка {created.number} принята в систему." in response.text
    assert "Принята в систему" in response.text
    assert created.attachments.count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reason": ""}, "reason", "Заполните это поле."),
        ({"reason": "я" * 4001}, "reason", "Не больше 4000 символов"),
        ({"desired_date": "2020-01-01"}, "desired_date", "Дата уже прошла"),
        ({"contact_phone": "12"}, "contact_phone", "Неверный номер телефона"),
        ({"attachments": [fake_pdf_upload()]}, "attachments", "invoice.pdf: Можно приложить"),
    ],
    ids=["empty", "oversized", "past", "phone", "fake-pdf"],
)
def test_bad_request_input_is_shown_next_to_the_field(
    client_in: Client,
    customer_link: AccountLink,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    request_type = make_request_type(customer_link.account.supplier)
    data: dict[str, Any] = {
        "request_type": request_type.pk,
        "reason": "Причина",
        "desired_date": tomorrow().isoformat(),
        "desired_slot": "09-12",
        "contact_phone": "+79160000001",
    }
    data.update(changes)
    response = client_in.post(reverse("support:request_new", args=[customer_link.account_id]), data)
    assert response.status_code == 200
    assert any(message in error for error in errors_of(response, field)), errors_of(response, field)
    assert 'aria-invalid="true"' in response.text
    assert not ServiceRequest.objects.exists()


def test_the_list_filters_by_status_and_date_and_the_card_cancels(
    client_in: Client, customer_link: AccountLink
) -> None:
    kept = file_request(customer_link)
    old = file_request(customer_link)
    ServiceRequest.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=200)
    )
    canceled = file_request(customer_link)
    services.cancel_request(request=canceled, user=customer_link.user)

    listed = client_in.get(reverse("support:requests"))
    assert [r.pk for r in listed.context["requests"]] == [canceled.pk, kept.pk]
    only_new = client_in.get(reverse("support:requests"), {"status": ["new"], "range": "12"})
    assert {r.pk for r in only_new.context["requests"]} == {kept.pk, old.pk}
    custom = client_in.get(
        reverse("support:requests"),
        {
            "range": "custom",
            "date_from": (timezone.localdate() - dt.timedelta(days=210)).isoformat(),
            "date_to": (timezone.localdate() - dt.timedelta(days=190)).isoformat(),
        },
    )
    assert [r.pk for r in custom.context["requests"]] == [old.pk]

    tab = client_in.get(reverse("support:account_requests", args=[customer_link.account_id]))
    assert [r.pk for r in tab.context["requests"]] == [canceled.pk, kept.pk]
    assert "Документы для соц. нормы" in tab.text

    card = client_in.get(reverse("support:request", args=[kept.pk]))
    assert "Отменить заявку" in card.text
    response = client_in.post(
        reverse("support:request_cancel", args=[kept.pk]), {"reason": "Сам справился"}, follow=True
    )
    assert "Отменена клиентом" in response.text
    assert "Сам справился" in response.text
    assert "Отменить заявку" not in response.text


def test_cancelling_a_request_in_work_says_why(
    client_in: Client, customer_link: AccountLink, staff: User
) -> None:
    request = file_request(customer_link)
    services.change_request_status(request=request, staff=staff, status="in_progress")
    response = client_in.post(reverse("support:request_cancel", args=[request.pk]), follow=True)
    assert "Заявку уже нельзя отменить" in response.text
    request.refresh_from_db()
    assert request.status == "in_progress"


# --- catalog ---------------------------------------------------------------------------------


def test_the_catalog_shows_prices_and_the_price_list_downloads(
    client: Client, supplier: Supplier
) -> None:
    make_catalog_item(supplier, name="Замена электросчётчика", price=Decimal("1500.00"))
    make_catalog_item(supplier, name="Распломбировка", price=None)
    make_catalog_item(supplier, name="Снятая услуга", is_active=False)

    page = client.get(reverse("support:catalog"))
    assert "Замена электросчётчика" in page.text
    assert "1\xa0500,00" in page.text
    assert "по договорённости" in page.text
    assert "Снятая услуга" not in page.text

    csv = client.get(reverse("support:price_list"))
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "Замена электросчётчика;1500,00" in text.replace('"', "").replace(";item-1", "")
    assert "Снятая услуга" not in text


def test_an_order_form_is_prefilled_and_succeeds(
    client_in: Client, customer_link: AccountLink
) -> None:
    item = make_catalog_item(customer_link.account.supplier)
    url = reverse("support:catalog_order", args=[item.pk])
    form = client_in.get(url).context["form"]
    assert form.initial == {
        "account": customer_link.account_id,
        "contact_phone": customer_link.user.phone,
    }
    response = client_in.post(
        url,
        {
            "account": customer_link.account_id,
            "desired_date": tomorrow().isoformat(),
            "desired_slot": "15-18",
            "contact_phone": customer_link.user.phone,
            "comment": "",
        },
        follow=True,
    )
    assert "Заказ услуги успешно осуществлен." in response.text
    order = ServiceRequest.objects.get()
    assert (order.catalog_item, order.price) == (item, Decimal("1500.00"))


def test_without_an_account_of_the_supplier_the_order_asks_to_link_one(
    client_in: Client, customer_link: AccountLink
) -> None:
    item = make_catalog_item(make_supplier(short_name="Водоканал"))
    page = client_in.get(reverse("support:catalog_order", args=[item.pk]))
    assert "подключите лицевой счёт поставщика Водоканал" in page.text
    response = client_in.post(
        reverse("support:catalog_order", args=[item.pk]),
        {"account": customer_link.account_id, "desired_date": tomorrow().isoformat()},
    )
    assert response.status_code == 200
    assert not ServiceRequest.objects.exists()


def test_an_account_of_another_customer_cannot_be_chosen_for_an_order(
    client_in: Client, customer_link: AccountLink, stranger: User
) -> None:
    from tests.factories import make_account
    from tests.factories import make_link as link

    theirs = link(stranger, make_account(customer_link.account.supplier))
    item = make_catalog_item(customer_link.account.supplier)
    response = client_in.post(
        reverse("support:catalog_order", args=[item.pk]),
        {
            "account": theirs.account_id,
            "desired_date": tomorrow().isoformat(),
            "desired_slot": "09-12",
            "contact_phone": "+79160000001",
        },
    )
    assert errors_of(response, "account") == ["Выберите лицевой счёт из списка."]
    assert not ServiceRequest.objects.exists()


# --- appeals ---------------------------------------------------------------------------------


def test_a_customer_files_an_appeal_and_sees_its_number(
    client_in: Client, customer_link: AccountLink
) -> None:
    page = client_in.get(reverse("support:appeal_new"))
    # One account: supplier and account are pre-filled (seed 004 §4.3.2.1).
    assert page.context["form"].initial == {
        "account": customer_link.account_id,
        "supplier": customer_link.account.supplier_id,
    }
    response = client_in.post(
        reverse("support:appeal_new"),
        {
            "supplier": customer_link.account.supplier_id,
            "account": customer_link.account_id,
            "topic": "readings",
            "text": "Не принимаются показания",
            "attachments": [png_upload()],
        },
        follow=True,
    )
    appeal = Appeal.objects.get()
    assert f"Ваше обращение зарегистрировано. Номер обращения: {appeal.number}." in response.text
    assert "Не принимаются показания" in response.text
    assert appeal.account == customer_link.account


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": "  "}, "text", "Заполните это поле."),
        ({"text": "я" * 4001}, "text", "Не больше 4000 символов"),
        ({"topic": "лишнее"}, "topic", "Выберите тему из списка."),
        ({"attachments": [fake_pdf_upload()]}, "attachments", "invoice.pdf"),
    ],
    ids=["blank", "oversized", "topic", "fake-pdf"],
)
def test_bad_appeal_input_is_shown_next_to_the_field(
    client_in: Client, supplier: Supplier, changes: dict[str, Any], field: str, message: str
) -> None:
    data: dict[str, Any] = {"supplier": supplier.pk, "topic": "other", "text": "Вопрос"}
    data.update(changes)
    response = client_in.post(reverse("support:appeal_new"), data)
    assert any(message in e for e in errors_of(response, field)), errors_of(response, field)
    assert not Appeal.objects.exists()


def test_the_thread_shows_the_answer_and_clears_the_badge(
    client_in: Client, customer: User, supplier: Supplier, staff: User
) -> None:
    appeal = file_appeal(customer, supplier)
    services.answer_appeal(appeal=appeal, staff=staff, text="Платёж найден и зачислен.")

    home = client_in.get(reverse("support:appeals"))
    assert "новый ответ" in home.text
    assert 'title="Новые ответы"' in home.text

    card = client_in.get(reverse("support:appeal", args=[appeal.pk]))
    assert "Платёж найден и зачислен." in card.text
    assert "Дан ответ" in card.text
    assert 'title="Новые ответы"' not in client_in.get(reverse("support:appeals")).text

    reply = client_in.post(
        reverse("support:appeal", args=[appeal.pk]), {"text": "Спасибо!"}, follow=True
    )
    assert "Ответ отправлен." in reply.text
    assert "Спасибо!" in reply.text


def test_the_appeal_list_filters_by_period(
    client_in: Client, customer: User, supplier: Supplier
) -> None:
    recent = file_appeal(customer, supplier)
    old = file_appeal(customer, supplier)
    Appeal.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=120))
    assert [a.pk for a in client_in.get(reverse("support:appeals")).context["appeals"]] == [
        recent.pk
    ]
    year = client_in.get(reverse("support:appeals"), {"range": "12"}).context["appeals"]
    assert [a.pk for a in year] == [recent.pk, old.pk]


# --- FAQ -------------------------------------------------------------------------------------


def test_the_faq_searches_questions_and_answers_whatever_the_case_and_yo(
    client: Client, supplier: Supplier
) -> None:
    category = FaqCategory.objects.create(supplier=supplier, name="Приборы учёта")
    FaqQuestion.objects.create(
        category=category,
        question="Как передать показания?",
        answer="С 15 по 26 число в разделе «Показания».",
    )
    FaqQuestion.objects.create(
        category=category, question="Как оплатить?", answer="Картой без комиссии."
    )
    FaqQuestion.objects.create(
        category=category, question="Черновик", answer="Скрыт", is_published=False
    )
    SupportContact.objects.create(
        supplier=supplier, kind="phone", title="Контактный центр", phone="8 800 100-00-00"
    )
    page = client.get(reverse("support:faq"))
    assert "Как оплатить?" in page.text
    assert "Черновик" not in page.text
    assert "8 800 100-00-00" in page.text
    assert "Задать вопрос" in page.text

    found = client.get(reverse("support:faq"), {"q": "ПОКАЗАНИЯ учета"})
    assert [q.question for g in found.context["groups"] for q in g.questions] == [
        "Как передать показания?"
    ]
    nothing = client.get(reverse("support:faq"), {"q": "абракадабра"})
    assert "ничего не найдено" in nothing.text


# --- documents -------------------------------------------------------------------------------


def test_documents_are_uploaded_and_listed_with_their_status(
    client_in: Client, customer_link: AccountLink, staff: User
) -> None:
    url = reverse("support:documents", args=[customer_link.account_id])
    empty = client_in.post(url, {"kind": "residents"})
    assert errors_of(empty, "attachments") == ["Приложите скан или фото документа."]
    response = client_in.post(
        url, {"kind": "residents", "attachments": [pdf_upload()]}, follow=True
    )
    assert "Документы получены" in response.text
    assert "Получены" in response.text
    document = customer_link.account.social_documents.get()
    services.review_document(document=document, staff=staff, accept=False, reason="Нет печати")
    page = client_in.get(url)
    assert "Отклонены" in page.text
    assert "Нет печати" in page.text


# --- files the image decoder refuses --------------------------------------------------------


def _form_posts(link: AccountLink) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every customer page that takes files: its URL and a submission valid but for the file."""
    request_type = make_request_type(link.account.supplier)
    appeal = file_appeal(link.user, link.account.supplier)
    return {
        "appeal": (
            reverse("support:appeal_new"),
            {"supplier": link.account.supplier_id, "topic": "other", "text": "Вопрос"},
        ),
        "reply": (reverse("support:appeal", args=[appeal.pk]), {"text": "Дополняю"}),
        "request": (
            reverse("support:request_new", args=[link.account_id]),
            {
                "request_type": request_type.pk,
                "reason": "Причина",
                "desired_date": tomorrow().isoformat(),
                "desired_slot": "09-12",
                "contact_phone": "+79160000001",
            },
        ),
        "documents": (reverse("support:documents", args=[link.account_id]), {"kind": "residents"}),
    }


@pytest.mark.parametrize("form", ["appeal", "reply", "request", "documents"])
@pytest.mark.parametrize("upload", [bomb_png_upload, truncated_jpeg_upload])
def test_an_image_the_decoder_refuses_is_a_message_next_to_the_files(
    client_in: Client, customer_link: AccountLink, form: str, upload: Any
) -> None:
    url, data = _form_posts(customer_link)[form]
    response = client_in.post(url, {**data, "attachments": [upload()]})
    assert response.status_code == 200
    [error] = errors_of(response, "attachments")
    assert error.endswith(": Файл повреждён или это не изображение."), error
    assert not Attachment.objects.exists()
    assert not ServiceRequest.objects.exists()
    assert Appeal.objects.count() == 1  # only the one the reply form answers


# --- attachments and ownership ---------------------------------------------------------------


def test_the_owner_downloads_an_attachment_privately(
    client_in: Client, customer: User, supplier: Supplier
) -> None:
    appeal = file_appeal(customer, supplier, files=[png_upload()])
    attachment = appeal.attachments.get()
    response = client_in.get(reverse("support:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_every_page_with_an_id_is_404_for_another_customer(
    client: Client, customer_link: AccountLink, stranger: User, staff: User
) -> None:
    customer = customer_link.user
    request = file_request(customer_link, files=[png_upload()])
    appeal = file_appeal(customer, customer_link.account.supplier, files=[png_upload()])
    answer = services.answer_appeal(appeal=appeal, staff=staff, text="Ответ", files=[pdf_upload()])
    document = services.upload_social_document(
        link=customer_link, kind="residents", files=[pdf_upload()]
    )
    ids = {
        "request_id": request.pk,
        "appeal_id": appeal.pk,
        "account_id": customer_link.account_id,
        "item_id": None,  # the catalog is public: an item id is not owned by anyone
    }
    attachments = [
        request.attachments.get().pk,
        appeal.attachments.get().pk,
        answer.attachments.get().pk,
        document.attachments.get().pk,
    ]
    client.force_login(stranger)
    walked = set()
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        params = set(pattern.pattern.converters)
        if not params or params == {"item_id"}:
            continue
        walked.add(pattern.name)
        if params == {"attachment_id"}:
            for attachment_id in attachments:
                url = reverse(f"support:{pattern.name}", args=[attachment_id])
                assert client.get(url).status_code == 404, url
            continue
        url = reverse(f"support:{pattern.name}", kwargs={p: ids[p] for p in params})
        # Each method the view allows answers 404; the other one 405.
        codes = {client.get(url).status_code, client.post(url, {"text": "x"}).status_code}
        assert 404 in codes, (url, codes)
        assert codes <= {404, 405}, (url, codes)
    assert walked == {
        "appeal",
        "request",
        "request_cancel",
        "account_requests",
        "account_appeals",
        "request_new",
        "documents",
        "attachment",
    }
    request.refresh_from_db()
    assert request.status == "new"
    assert appeal.messages.count() == 1


def test_pages_need_a_login(client: Client) -> None:
    for name in ("support:requests", "support:appeals", "support:appeal_new"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    # The catalog and the FAQ are public, like the utility's website.
    assert client.get(reverse("support:catalog")).status_code == 200
    assert client.get(reverse("support:faq")).status_code == 200


def test_list_pages_do_not_grow_queries_with_rows(
    client_in: Client,
    customer_link: AccountLink,
    staff: User,
    django_assert_max_num_queries: Any,
) -> None:
    supplier = customer_link.account.supplier
    for _ in range(6):
        file_request(customer_link, files=[png_upload()])
        appeal = file_appeal(customer_link.user, supplier)
        services.answer_appeal(appeal=appeal, staff=staff, text="Ответ")
        make_catalog_item(supplier, code=f"c{appeal.pk}")
    for name in ("support:requests", "support:appeals", "support:catalog", "support:faq"):
        with django_assert_max_num_queries(8):
            assert client_in.get(reverse(name)).status_code == 200
    request = ServiceRequest.objects.first()
    assert request is not None
    with django_assert_max_num_queries(10):
        assert client_in.get(reverse("support:request", args=[request.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client_in.get(reverse("support:appeal", args=[appeal.pk])).status_code == 200
