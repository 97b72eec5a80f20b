"""The API's one error shape: ``{"code", "message", "fields"}`` with a 4xx status.

Handlers for everything an endpoint can raise are registered on the NinjaAPI in api.py, so a
client never sees ninja's default bodies or a 500 for bad input. Every service refusal is a
``ServiceError``; one handler sends it, its status chosen by its code.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.parser import Parser

from kabinet.core.errors import ServiceError
from kabinet.core.periods import parse_period

# The codes that are not a plain 400; a client may branch on the status alone.
STATUSES = {
    "invalid_credentials": 401,
    "not_cancellable": 409,
    "not_holder": 403,
    "wrong_recipient": 403,
    "invitation_invalid": 404,
    "already_member": 409,
    "too_many_pending": 409,
    "validation_error": 422,
    "throttled": 429,
    "refused": 429,
    "provider_unavailable": 503,
    "provider_error": 503,
}


def status_of(code: str) -> int:
    return STATUSES.get(code, 400)


class ApiError(ServiceError):
    """A refusal of the API itself: a parameter or payload it cannot use before any service
    is called, or a service's answer that the API words differently."""


def period_param(text: str, field: str) -> dt.date | None:
    """A month query parameter (YYYY-MM or MM.YYYY): None when empty, 400 ``invalid_period``
    naming ``field`` when it is not a month."""
    if not text:
        return None
    try:
        return parse_period(text)
    except ValueError:
        message = _("Укажите месяц в виде ГГГГ-ММ, например 2026-09.")
        raise ApiError("invalid_period", message, field=field) from None


class NotAnObject(ValueError):
    """A JSON body that is an array, a string or a number where the API takes an object."""


class ObjectBodyParser(Parser):
    """ninja's JSON parser, refusing a body that is not a JSON object, numbers as Decimal.

    ninja's schemas read attributes (``from_attributes``), so a JSON array given to an
    operation whose fields are all optional validated as an empty object and was accepted.
    JSON numbers become Decimal, never float: an amount of 684.700000000000001 is refused for
    its places instead of being paid as 684.70, and no kopeck passes through binary fractions.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body, parse_float=Decimal)
        if not isinstance(data, dict):
            raise NotAnObject
        return data


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body = {"code": code, "message": message, "fields": fields or {}}
    return api.create_response(request, body, status=status)


def _field_name(loc: Any) -> str:
    # ninja reports ("body", "payload", "birth_date") — or ("form", "reason") for multipart —
    # and the client knows only "birth_date".
    parts = [str(p) for p in loc if p not in {"body", "query", "path", "payload", "form"}]
    return ".".join(parts) or "__all__"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ServiceError)
    def on_refusal(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        return error_response(api, request, status_of(exc.code), exc.code, exc.message, exc.fields)

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            fields.setdefault(_field_name(error.get("loc", ())), []).append(
                str(error.get("msg", ""))
            )
        return error_response(
            api, request, 422, "validation_error", _("Проверьте введённые данные."), fields
        )

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            api, request, 401, "unauthorized", _("Требуется вход: передайте токен.")
        )

    @api.exception_handler(Throttled)
    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return error_response(
            api, request, 429, "throttled", _("Слишком много попыток. Попробуйте позже.")
        )

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("Не найдено."))

    @api.exception_handler(OverflowError)
    def on_id_out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        # An id past what the database stores (SQLite refuses 2**63): no such object.
        return error_response(api, request, 404, "not_found", _("Не найдено."))

    @api.exception_handler(MultiPartParserError)
    @api.exception_handler(SuspiciousOperation)
    @api.exception_handler(BadRequest)
    def on_bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Django's own refusals of a request (a multipart body without its boundary, too many
        # fields or files, a body over the size limit) would be its HTML 400 page, or a 500
        # with DEBUG on; an API client gets the error shape.
        return error_response(
            api,
            request,
            400,
            "bad_request",
            _("Не удалось разобрать запрос: проверьте его формат."),
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, NotAnObject):
            return error_response(
                api,
                request,
                422,
                "validation_error",
                _("Проверьте введённые данные."),
                {"__all__": [_("Тело запроса должно быть JSON-объектом {…}.")]},
            )
        if exc.__cause__ is not None and exc.status_code == 400:
            # ninja's "Cannot parse request body": the body is not JSON at all.
            return error_response(
                api, request, 400, "bad_json", _("Тело запроса не является корректным JSON.")
            )
        code = "csrf_failed" if exc.status_code == 403 else "error"
        message = (
            _("Проверка CSRF не пройдена: обновите страницу.")
            if exc.status_code == 403
            else str(exc)
        )
        return error_response(api, request, exc.status_code, code, message)
