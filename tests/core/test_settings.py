from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SETTINGS_SOURCE = (BASE_DIR / "kabinet" / "settings.py").read_text(encoding="utf-8")
ENV_EXAMPLE = (BASE_DIR / ".env.example").read_text(encoding="utf-8")

# A literal variable name passed to a settings helper or read from os.environ directly.
READ_RE = re.compile(
    r"""(?:\benv_\w+|os\.environ\.get|os\.getenv)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)
# A documented variable: `NAME=value`, commented out or not.
DOCUMENTED_RE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def variables_read_by_settings() -> set[str]:
    return {a or b for a, b in READ_RE.findall(SETTINGS_SOURCE)}


def run_django(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh interpreter, so settings are read without pytest loaded.

    The environment is built from scratch: CI's own variables (and KABINET_TESTING above all)
    must not decide what production mode looks like.
    """
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "kabinet.settings",
        "KABINET_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_secret_key() -> str:
    return secrets.token_urlsafe(64)


def test_it_finds_the_variables_settings_read() -> None:
    # Guards the regex: a parse that finds nothing would make the next test pass vacuously.
    assert {
        "DEBUG",
        "SECRET_KEY",
        "DATABASE_URL",
        "KABINET_VAR_DIR",
    } <= variables_read_by_settings()


def test_it_documents_every_variable_settings_read_in_env_example() -> None:
    missing = variables_read_by_settings() - set(DOCUMENTED_RE.findall(ENV_EXAMPLE))

    assert not missing, f"add these to .env.example with a comment: {sorted(missing)}"


def test_it_documents_each_variable_once() -> None:
    names = DOCUMENTED_RE.findall(ENV_EXAMPLE)

    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


def test_it_passes_check_deploy_in_production_mode(tmp_path: Path) -> None:
    result = run_django(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=production_secret_key(),
        ALLOWED_HOSTS="example.org",
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_without_secret_key_when_debug_is_off(tmp_path: Path) -> None:
    result = run_django(tmp_path, "check", DEBUG="0", SECRET_KEY="", ALLOWED_HOSTS="example.org")

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be a boolean (1/0, true/false), got 'maybe'"),
        ("EMAIL_PORT", "twenty-five", "EMAIL_PORT must be an integer, got 'twenty-five'"),
        ("PAYMENT_PROVIDER", "paypal", "PAYMENT_PROVIDER must be one of"),
    ],
)
def test_it_fails_loudly_on_a_malformed_value(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    env = {"DEBUG": "1", "SECRET_KEY": production_secret_key(), name: value}

    result = run_django(tmp_path, "check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_it_generates_a_secret_key_in_debug_and_reuses_it(tmp_path: Path) -> None:
    show_key = [
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
    ]

    first = run_django(tmp_path, *show_key, DEBUG="1", SECRET_KEY="")
    second = run_django(tmp_path, *show_key, DEBUG="1", SECRET_KEY="")

    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "secret_key"
    key = key_file.read_text(encoding="utf-8").strip()
    assert len(key) >= 50
    assert first.stdout.strip() == key
    assert second.stdout.strip() == key
    assert key_file.stat().st_mode & 0o077 == 0


def test_production_refuses_a_per_process_cache_for_the_rate_limits(tmp_path: Path) -> None:
    # template_fragments is a local-memory cache: each worker would count on its own.
    env = {
        "DEBUG": "0",
        "SECRET_KEY": production_secret_key(),
        "ALLOWED_HOSTS": "example.org",
        "RATELIMIT_CACHE": "template_fragments",
    }
    result = run_django(tmp_path, "check", **env)

    assert result.returncode != 0
    assert "kabinet.E001" in result.stderr
    assert "not shared by all workers" in result.stderr
    assert "Set REDIS_URL" in result.stderr

    # gunicorn runs no system checks: the WSGI application refuses to load by itself.
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "KABINET_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    }
    wsgi = subprocess.run(
        [sys.executable, "-c", "import kabinet.wsgi"],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert wsgi.returncode != 0
    assert "ImproperlyConfigured" in wsgi.stderr
    assert "not shared by all workers" in wsgi.stderr


@pytest.mark.parametrize(
    ("env", "fails"),
    [
        ({}, False),  # no Redis: the database table, shared by every worker
        ({"DEBUG": "1", "RATELIMIT_CACHE": "template_fragments"}, False),  # a warning only
    ],
)
def test_a_shared_store_for_the_rate_limits_passes(
    tmp_path: Path, env: dict[str, str], fails: bool
) -> None:
    base = {"DEBUG": "0", "SECRET_KEY": production_secret_key(), "ALLOWED_HOSTS": "example.org"}
    result = run_django(tmp_path, "check", **{**base, **env})

    assert (result.returncode != 0) is fails, result.stderr
