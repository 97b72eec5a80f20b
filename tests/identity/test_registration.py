"""Registration by phone (SMS code) and by e-mail (link), with every bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kabinet.core.models import AuditEntry
from kabinet.identity.models import Consent, User, Verification
from tests.identity.conftest import last_code, last_link, sent, solve_captcha, without_tokens

pytestmark = pytest.mark.django_db

PHONE = "+79161234567"
PASSWORD = "Secret-Pass1"


def phone_step(client: Client, phone: str = "8 (916) 123-45-67", **extra: Any) -> Any:
    data = {
        "phone": phone,
        "consent_personal_data": "on",
        "consent_user_agreement": "on",
        "altcha": solve_captcha(client),
        **extra,
    }
    return client.post("/register/", {k: v for k, v in data.items() if v is not None})


def details(**extra: Any) -> dict[str, Any]:
    return {
        "password1": PASSWORD,
        "password2": PASSWORD,
        "last_name": "Иванов",
        "first_name": "Иван",
        "patronymic": "Иванович",
        "birth_date": "1980-05-17",
        "gender": "male",
        **extra,
    }


def register_by_phone(client: Client) -> Any:
    phone_step(client)
    client.post("/register/code/", {"code": last_code(PHONE)})
    return client.post("/register/password/", details())


def test_it_registers_a_customer_by_phone_and_logs_them_in() -> None:
    client = Client()
    response = phone_step(client, consent_marketing="on")
    assert response.status_code == 302
    assert response["Location"] == "/register/code/"
    assert "Вам выслан код на номер +7 916 123-45-67" in client.get("/register/code/").text
    assert not User.objects.exists()

    response = client.post("/register/code/", {"code": last_code(PHONE)})
    assert response["Location"] == "/register/password/"
    response = client.post("/register/password/", details(), follow=True)

    assert "Вы успешно зарегистрировались" in response.text
    user = User.objects.get()
    assert response.context["user"] == user
    assert (user.phone, user.last_name, user.first_name, user.patronymic) == (
        PHONE,
        "Иванов",
        "Иван",
        "Иванович",
    )
    assert user.birth_date == dt.date(1980, 5, 17)
    assert user.phone_confirmed_at is not None
    assert user.check_password(PASSWORD)
    assert set(Consent.objects.filter(user=user).values_list("kind", "version")) == {
        ("personal_data", "1"),
        ("user_agreement", "1"),
        ("marketing", "1"),
    }
    assert Consent.objects.filter(user=user, ip_address="127.0.0.1").count() == 3
    assert AuditEntry.objects.filter(action="identity.user_registered", actor=user).exists()


def test_it_stores_only_the_consents_that_were_ticked() -> None:
    client = Client()
    register_by_phone(client)
    kinds = set(Consent.objects.values_list("kind", flat=True))
    assert kinds == {"personal_data", "user_agreement"}


def test_it_keeps_no_code_in_clear() -> None:
    client = Client()
    phone_step(client)
    code = last_code(PHONE)
    verification = Verification.objects.get()
    assert code not in verification.secret_hash
    assert code not in str(verification.payload)


@pytest.mark.parametrize("phone", ["12345", "+7 916 123", "не телефон", "+1 202 555 01"])
def test_it_explains_an_invalid_phone(phone: str) -> None:
    response = phone_step(Client(), phone=phone)
    assert response.status_code == 400
    assert "Неверный номер телефона" in response.text
    assert "is-invalid" in response.text
    assert not sent()


def test_it_requires_both_consents_separately() -> None:
    response = phone_step(Client(), consent_personal_data=None, consent_user_agreement=None)
    assert response.status_code == 400
    assert "Без согласия на обработку персональных данных регистрация невозможна." in response.text
    assert "Примите пользовательское соглашение." in response.text
    assert not sent()


def test_it_refuses_a_missing_captcha() -> None:
    client = Client()
    response = client.post(
        "/register/",
        {"phone": PHONE, "consent_personal_data": "on", "consent_user_agreement": "on"},
    )
    assert response.status_code == 400
    assert "Подтвердите, что вы не робот." in response.text
    assert not sent()


def test_it_refuses_a_forged_captcha() -> None:
    response = phone_step(Client(), altcha="eyJhbGdvcml0aG0iOiJTSEEtMjU2In0=")
    assert response.status_code == 400
    assert "Проверка «Я не робот» не пройдена" in response.text


def test_it_refuses_a_reused_captcha() -> None:
    client = Client()
    solution = solve_captcha(client)
    data = {"phone": PHONE, "consent_personal_data": "on", "consent_user_agreement": "on"}
    assert client.post("/register/", {**data, "altcha": solution}).status_code == 302
    response = client.post("/register/", {**data, "phone": "+79161234568", "altcha": solution})
    assert response.status_code == 400
    assert "Проверка «Я не робот» не пройдена" in response.text


def test_it_refuses_a_wrong_code_and_counts_the_try() -> None:
    client = Client()
    phone_step(client)
    wrong = "000000" if last_code(PHONE) != "000000" else "111111"
    response = client.post("/register/code/", {"code": wrong})
    assert response.status_code == 400
    assert "Неверный код. Осталось попыток: 4." in response.text
    assert Verification.objects.get().attempts == 1


def test_it_refuses_the_right_code_after_five_wrong_ones() -> None:
    client = Client()
    phone_step(client)
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post("/register/code/", {"code": wrong})
    response = client.post("/register/code/", {"code": code})
    assert response.status_code == 400
    assert "Превышено число попыток ввода кода. Запросите новый код." in response.text
    assert client.get("/register/password/")["Location"] == "/register/"


def test_it_refuses_an_expired_code() -> None:
    client = Client()
    phone_step(client)
    Verification.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post("/register/code/", {"code": last_code(PHONE)})
    assert "Срок действия кода истёк. Запросите новый код." in response.text


def test_it_refuses_a_used_code() -> None:
    client = Client()
    register_by_phone(client)
    other = Client()
    session = other.session
    session["identity.register"] = Verification.objects.get().pk
    session.save()
    response = other.post("/register/code/", {"code": last_code(PHONE)})
    assert "Код уже использован или недействителен" in response.text


def test_it_rejects_a_code_that_is_not_six_digits() -> None:
    client = Client()
    phone_step(client)
    response = client.post("/register/code/", {"code": "12"})
    assert "Код состоит из 6 цифр." in response.text


def test_it_resends_a_code_only_after_the_cooldown(settings: Any) -> None:
    client = Client()
    phone_step(client)
    first = last_code(PHONE)
    response = client.post("/register/resend/", follow=True)
    assert "Повторная отправка возможна через" in response.text
    assert len(sent(to=PHONE)) == 1

    Verification.objects.update(last_sent_at=timezone.now() - dt.timedelta(seconds=61))
    response = client.post("/register/resend/", follow=True)
    assert "Новый код отправлен." in response.text
    assert len(sent(to=PHONE)) == 2
    second = last_code(PHONE)
    if second != first:
        assert client.post("/register/code/", {"code": first}).status_code == 400
    assert client.post("/register/code/", {"code": second}).status_code == 302


def test_it_does_not_restart_a_registration_within_the_cooldown() -> None:
    client = Client()
    phone_step(client)
    response = phone_step(Client())
    assert response.status_code == 400
    assert "Повторная отправка возможна через" in response.text
    assert len(sent(to=PHONE)) == 1


def test_it_asks_for_a_password_that_meets_the_policy() -> None:
    client = Client()
    phone_step(client)
    client.post("/register/code/", {"code": last_code(PHONE)})
    for password, message in [
        ("short1A", "Введённый пароль слишком короткий"),
        ("alllowercase1", "большие, и маленькие буквы латинского алфавита"),
        ("NoDigitsHere", "и цифры"),
        ("Password1", "Введённый пароль слишком широко распространён"),
    ]:
        response = client.post(
            "/register/password/", details(password1=password, password2=password)
        )
        assert response.status_code == 400, password
        assert message in response.text, password
    assert not User.objects.exists()


def test_it_refuses_mismatched_passwords_and_missing_names() -> None:
    client = Client()
    phone_step(client)
    client.post("/register/code/", {"code": last_code(PHONE)})
    response = client.post(
        "/register/password/", details(password2="Other-Pass1", last_name="", first_name="")
    )
    assert response.status_code == 400
    assert "Пароли не совпадают." in response.text
    assert 'id="id_last_name_error"' in response.text
    assert 'id="id_first_name_error"' in response.text
    # Each message under its field and again, linked to it, in the summary above the form.
    assert response.text.count("Обязательно для заполнения") == 4
    assert '<a class="alert-link" href="#id_last_name">' in response.text
    assert not User.objects.exists()


def test_it_does_not_skip_the_code_step() -> None:
    client = Client()
    phone_step(client)
    response = client.post("/register/password/", details())
    assert response["Location"] == "/register/"
    assert not User.objects.exists()


def test_a_registered_phone_gets_the_same_page_and_a_notice_instead_of_a_code() -> None:
    User.objects.create_user(username="owner", phone=PHONE, password=PASSWORD)
    known = phone_step(Client())
    known_page = Client()
    phone_step(known_page, phone="+79161234568")
    assert known.status_code == 302
    assert known["Location"] == "/register/code/"
    body = sent(to=PHONE)[-1]["body"]
    assert "уже зарегистрирован" in body
    assert not any(ch.isdigit() for ch in body.split("http")[0])


def test_known_and_unknown_phones_get_identical_responses() -> None:
    User.objects.create_user(username="owner", phone=PHONE, password=PASSWORD)
    responses = []
    for phone in (PHONE, "+79161234568"):
        client = Client()
        first = phone_step(client, phone=phone)
        page = client.get("/register/code/")
        wrong = client.post("/register/code/", {"code": "000001"})
        responses.append(
            (first.status_code, first["Location"], page.status_code, wrong.status_code)
        )
        texts = (
            without_tokens(page.text.replace(phone_display(phone), "PHONE")),
            without_tokens(wrong.text.replace(phone_display(phone), "PHONE")),
        )
        responses.append(texts)  # type: ignore[arg-type]
    assert responses[0] == responses[2]
    assert responses[1] == responses[3]


def phone_display(phone: str) -> str:
    return f"+7 {phone[2:5]} {phone[5:8]}-{phone[8:10]}-{phone[10:12]}"


# --- e-mail ------------------------------------------------------------------------------

EMAIL = "Ivanov@Example.org"


def email_step(client: Client, **extra: Any) -> Any:
    data = {
        "email": EMAIL,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent_personal_data": "on",
        "consent_user_agreement": "on",
        "altcha": solve_captcha(client),
        **extra,
    }
    return client.post("/register/email/", {k: v for k, v in data.items() if v is not None})


def test_it_registers_a_customer_by_e_mail_after_the_link_is_followed() -> None:
    client = Client()
    response = email_step(client)
    assert response["Location"] == "/register/email/sent/"
    page = client.get("/register/email/sent/")
    assert "выслано письмо со ссылкой для подтверждения регистрации" in page.text
    assert "60 ч." in page.text
    assert not User.objects.exists()

    link = last_link("ivanov@example.org")
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert len(token) >= 43  # 32 random bytes
    assert token not in Verification.objects.get().secret_hash
    assert PASSWORD not in str(Verification.objects.get().payload)

    other_browser = Client()
    assert "Подтвердить регистрацию" in other_browser.get(link).text
    response = other_browser.post(link, follow=True)
    assert "Вы успешно зарегистрировались" in response.text
    user = User.objects.get()
    assert user.email == "ivanov@example.org"
    assert user.email_confirmed_at is not None
    assert user.check_password(PASSWORD)
    # No surname and name yet: the details form comes first (seed 003 Рис. 7).
    assert response.redirect_chain[-1][0] == "/details/"
    assert "password_hash" not in Verification.objects.get().payload
    assert AuditEntry.objects.filter(action="identity.user_registered", actor=user).exists()


def test_it_refuses_a_confirmation_link_twice_or_after_60_hours() -> None:
    client = Client()
    email_step(client)
    link = last_link("ivanov@example.org")
    Verification.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert Client().post(link).status_code == 400
    assert not User.objects.exists()

    Verification.objects.update(expires_at=timezone.now() + dt.timedelta(hours=1))
    assert Client().post(link).status_code == 302
    response = Client().post(link)
    assert response.status_code == 400
    assert "Ссылка недействительна или устарела" in response.text
    assert User.objects.count() == 1


def test_it_links_for_sixty_hours() -> None:
    email_step(Client())
    verification = Verification.objects.get()
    lifetime = verification.expires_at - verification.created_at
    assert dt.timedelta(hours=59, minutes=59) < lifetime <= dt.timedelta(hours=60)


def test_it_resends_the_letter_after_the_cooldown() -> None:
    client = Client()
    email_step(client)
    Verification.objects.update(last_sent_at=timezone.now() - dt.timedelta(seconds=61))
    response = client.post("/register/resend/", follow=True)
    assert "Письмо отправлено повторно." in response.text
    assert len(sent(to="ivanov@example.org")) == 2
    assert Client().post(last_link("ivanov@example.org")).status_code == 302


@pytest.mark.parametrize("email", ["ivanov", "ivanov@", "@example.org", "a b@example.org"])
def test_it_explains_an_invalid_e_mail(email: str) -> None:
    response = email_step(Client(), email=email)
    assert response.status_code == 400
    assert "Введите правильный адрес электронной почты." in response.text


def test_it_refuses_a_weak_or_mismatched_password_at_e_mail_registration() -> None:
    response = email_step(Client(), password1="password", password2="password")
    assert response.status_code == 400
    assert "слишком широко распространён" in response.text
    response = email_step(Client(), password2="Another-Pass1")
    assert "Пароли не совпадают." in response.text
    assert not sent()


def test_known_and_unknown_addresses_get_identical_responses() -> None:
    User.objects.create_user(username="owner", email="ivanov@example.org", password=PASSWORD)
    pages = []
    for email in ("ivanov@example.org", "petrov@example.org"):
        client = Client()
        response = email_step(client, email=email)
        page = client.get("/register/email/sent/")
        pages.append(
            (
                response.status_code,
                response["Location"],
                without_tokens(page.text.replace(email, "E")),
            )
        )
    assert pages[0] == pages[1]
    notice = sent(to="ivanov@example.org")[-1]
    assert "уже зарегистрирован" in notice["body"]
    assert "/register/email/confirm/" not in notice["body"]


def test_every_registration_form_needs_a_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    for url in ("/register/", "/register/email/", "/register/code/", "/register/resend/"):
        assert client.post(url, {}).status_code == 403, url


def test_it_asks_for_missing_personal_details_before_anything_else() -> None:
    user = User.objects.create_user(username="x", email="a@example.org", password=PASSWORD)
    client = Client()
    client.force_login(user)
    assert client.get("/")["Location"] == "/details/"
    response = client.post("/details/", {"last_name": "", "first_name": "Пётр"})
    assert response.status_code == 400
    assert "Обязательно для заполнения" in response.text
    response = client.post(
        "/details/", {"last_name": "Петров", "first_name": "Пётр", "birth_date": "2999-01-01"}
    )
    assert "Проверьте дату рождения." in response.text
    response = client.post("/details/", {"last_name": "Петров", "first_name": "Пётр"})
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert user.get_full_name() == "Петров Пётр"


def test_a_refused_delivery_is_a_form_error_not_a_500(settings: Any) -> None:
    # No SMS may be asked for from this address: messaging refuses the very first one.
    settings.SMS_LIMIT_PER_IP = 0
    response = phone_step(Client())
    assert response.status_code == 400
    assert "Слишком много запросов SMS с вашего адреса. Попробуйте через час." in response.text
    assert not Verification.objects.exists()


def test_an_e_mail_given_at_phone_registration_becomes_a_login_once_confirmed() -> None:
    """Seed 004: «Дополнительно, Вам было отправлено письмо для подтверждения адреса …»."""
    client = Client()
    phone_step(client)
    client.post("/register/code/", {"code": last_code(PHONE)})
    response = client.post("/register/password/", details(email=" Ivan@Example.RU "), follow=True)
    assert "Дополнительно мы отправили письмо для подтверждения адреса e-mail." in response.text
    user = User.objects.get()
    assert user.email is None, "the address is not the customer's before the link is followed"
    mail = sent(to="ivan@example.ru", channel="email")
    assert len(mail) == 1
    assert "при регистрации" in mail[0]["body"]

    # The letter's link opens a page whose button confirms (mail scanners only GET).
    client.post(last_link("ivan@example.ru"), follow=True)
    user.refresh_from_db()
    assert user.email == "ivan@example.ru"
    assert user.email_confirmed_at is not None
    assert Client().login(username="ivan@example.ru", password=PASSWORD)


def test_an_address_someone_else_has_gets_them_a_warning_and_the_same_page() -> None:
    User.objects.create_user(username="other", email="taken@example.ru", password="x")
    client = Client()
    phone_step(client)
    client.post("/register/code/", {"code": last_code(PHONE)})
    response = client.post("/register/password/", details(email="taken@example.ru"), follow=True)
    assert "Дополнительно мы отправили письмо для подтверждения адреса e-mail." in response.text
    [warning] = sent(to="taken@example.ru", channel="email")
    assert "Адрес уже используется вашей учётной записью" in warning["body"]
    assert "://" not in warning["body"], "no link that would hand the address over"
    assert User.objects.get(phone=PHONE).email is None


def test_a_malformed_e_mail_is_refused_next_to_the_field() -> None:
    client = Client()
    phone_step(client)
    client.post("/register/code/", {"code": last_code(PHONE)})
    response = client.post("/register/password/", details(email="not-an-address"))
    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [
        "Введите правильный адрес электронной почты."
    ]
    assert not User.objects.exists()


def test_where_a_phone_is_required_an_e_mail_registrant_gives_it_at_first_login(
    settings: Any,
) -> None:
    """Seed 003, Рис. 7: «Мобильный телефон*» asked at first login, confirmed by SMS code."""
    settings.PHONE_REQUIRED = True
    user = User.objects.create_user(
        username="mail",
        email="mail@example.ru",
        email_confirmed_at=timezone.now(),
        password=PASSWORD,
        last_name="Петрова",
        first_name="Анна",
    )
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/")["Location"] == "/details/"
    page = client.get("/details/").text
    assert "Мобильный телефон" in page

    missing = client.post("/details/", {"last_name": "Петрова", "first_name": "Анна"})
    assert missing.status_code == 400
    assert "Обязательно для заполнения" in missing.text
    response = client.post(
        "/details/", {"phone": "8 916 555-44-33", "last_name": "Петрова", "first_name": "Анна"}
    )
    assert response["Location"] == "/profile/phone/confirm/"
    # The code page is reachable before the phone is confirmed; the rest is not.
    assert client.get("/profile/phone/confirm/").status_code == 200
    done = client.post("/profile/phone/confirm/", {"code": last_code("+79165554433")})
    assert done["Location"] == "/"
    user.refresh_from_db()
    assert user.phone == "+79165554433"
    assert user.phone_confirmed_at is not None
    assert client.get("/accounts/").status_code == 200


def test_without_the_setting_an_e_mail_registrant_is_not_asked_for_a_phone() -> None:
    user = User.objects.create_user(
        username="mail2",
        email="mail2@example.ru",
        email_confirmed_at=timezone.now(),
        password=PASSWORD,
        last_name="Петрова",
        first_name="Анна",
    )
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/").status_code == 200
