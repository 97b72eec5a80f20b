"""The NinjaAPI instance of /api/v1 (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from kabinet.api import errors
from kabinet.api.accounts import router as accounts_router
from kabinet.api.auth import BearerTokenAuth, CustomerSessionAuth
from kabinet.api.bills import router as bills_router
from kabinet.api.customer import auth_router, profile_router
from kabinet.api.history import router as history_router
from kabinet.api.home import home_router, settings_router
from kabinet.api.notifications import router as notifications_router
from kabinet.api.payments import account_router as payments_account_router
from kabinet.api.payments import router as payments_router
from kabinet.api.readings import router as readings_router
from kabinet.api.registration import router as registration_router
from kabinet.api.schemas import Error
from kabinet.api.support import documents_router as support_documents_router
from kabinet.api.support import router as support_router

ERROR_REF = {"$ref": "#/components/schemas/Error"}


class KabinetAPI(NinjaAPI):
    """NinjaAPI whose schema lists every error an operation can answer, all in the Error shape.

    ninja documents only the statuses a router declares, but every operation can also answer
    422 (a parameter or body that does not validate), 400 (a body that is not JSON, a broken
    multipart), 401 and 403 (no token; a session without its CSRF token) and, for an id in the
    path, 404: errors.install answers each of these in the Error shape, and here they are
    written down, so a client generated from the schema knows them.
    """

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("Error", Error.model_json_schema())
        for path, item in schema["paths"].items():
            for operation in item.values():
                statuses = {"422"}
                if "requestBody" in operation:
                    statuses.add("400")
                if operation.get("security"):
                    statuses |= {"401", "403"}
                if "{" in path:
                    statuses.add("404")
                responses = operation.setdefault("responses", {})
                # ninja keys the statuses a router declared by int.
                for status in sorted(statuses - {str(code) for code in responses}):
                    responses[int(status)] = {
                        "description": ERROR_DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": ERROR_REF}},
                    }
        return schema


ERROR_DESCRIPTIONS = {
    "400": "Тело запроса не разобрать (не JSON, повреждённый multipart) или отказ сервиса",
    "401": "Нет токена или он недействителен",
    "403": "Вход по сессии без CSRF-токена",
    "404": "Не найдено (или чужое)",
    "422": "Параметры или тело запроса не проходят проверку",
}


api = KabinetAPI(
    title="Kabinet API",
    version="1",
    description=(
        "API личного кабинета клиента: регистрация, вход по токену, восстановление пароля, "
        "профиль, персональные данные."
    ),
    urls_namespace="api-v1",
    # Bearer first: a mobile app has no session, and the CSRF check of the session auth
    # must not apply to it.
    auth=[BearerTokenAuth(), CustomerSessionAuth()],
    parser=errors.ObjectBodyParser(),
)
errors.install(api)
api.add_router("/auth", auth_router)
api.add_router("/auth", registration_router)
api.add_router("/profile", profile_router)
api.add_router("/profile", settings_router)
api.add_router("/home", home_router)
api.add_router("/accounts", accounts_router)
api.add_router("/accounts", bills_router)
api.add_router("/accounts", readings_router)
api.add_router("/accounts", payments_account_router)
api.add_router("/payments", payments_router)
api.add_router("/support", support_router)
api.add_router("/accounts", support_documents_router)
api.add_router("/accounts", history_router)
api.add_router("/notifications", notifications_router)
