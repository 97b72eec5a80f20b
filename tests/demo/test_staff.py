"""The demo operator created after seed_demo, and demo_logins printing how to log in."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from kabinet.demo.people import DEMO_OPERATOR, ensure_demo_operator, operator_path
from kabinet.demo.reference import ENERGY
from kabinet.staff.models import StaffMember
from tests.factories import make_supplier

pytestmark = pytest.mark.django_db


def test_the_demo_operator_is_created_once_and_logs_in(settings: object, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path  # type: ignore[attr-defined]
    supplier = make_supplier(code=ENERGY)
    assert DEMO_OPERATOR in (ensure_demo_operator({ENERGY: supplier}) or "")
    credentials = json.loads(operator_path().read_text(encoding="utf-8"))
    assert operator_path().stat().st_mode & 0o777 == 0o600
    assert ensure_demo_operator({ENERGY: supplier}) is None
    member = StaffMember.objects.get(user__username=DEMO_OPERATOR)
    assert member.supplier == supplier
    # The second run kept the password.
    assert json.loads(operator_path().read_text(encoding="utf-8")) == credentials
    response = Client().post(
        "/staff/login/", {"username": DEMO_OPERATOR, "password": credentials["password"]}
    )
    assert response.status_code == 302

    (tmp_path / "demo_credentials.json").write_text(
        json.dumps({"url": "u", "username": "admin", "password": "p"}), encoding="utf-8"
    )
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "http://127.0.0.1:8000/staff/" in out.getvalue()
    assert f"логин {DEMO_OPERATOR}, пароль {credentials['password']}" in out.getvalue()
