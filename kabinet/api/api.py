"""The NinjaAPI instance of /api/v1 (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.parser import Parser

from kabinet.api import errors
from kabinet.api.accounts import router as accounts_router
from kabinet.api.auth import BearerTokenAuth, CustomerSessionAuth
from kabinet.api.bills import router as bills_router
from kabinet.api.customer import auth_router, profile_router
from kabinet.api.payments import account_router as payments_account_router
from kabinet.api.payments import router as payments_router
from kabinet.api.readings import router as readings_router
from kabinet.api.registration import router as registration_router
from kabinet.api.support import documents_router as support_documents_router
from kabinet.api.support import router as support_router


class ExactNumbersParser(Parser):
    """JSON numbers become Decimal, never float: an amount of 684.700000000000001 is refused for
    its places instead of being paid as 684.70, and no kopeck passes through binary fractions."""

    def parse_body(self, request: HttpRequest) -> Any:
        return json.loads(request.body, parse_float=Decimal)


api = NinjaAPI(
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
    parser=ExactNumbersParser(),
)
errors.install(api)
api.add_router("/auth", auth_router)
api.add_router("/auth", registration_router)
api.add_router("/profile", profile_router)
api.add_router("/accounts", accounts_router)
api.add_router("/accounts", bills_router)
api.add_router("/accounts", readings_router)
api.add_router("/accounts", payments_account_router)
api.add_router("/payments", payments_router)
api.add_router("/support", support_router)
api.add_router("/accounts", support_documents_router)
