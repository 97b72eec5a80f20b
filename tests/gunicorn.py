"""A production-like Kabinet under gunicorn, for tests that must cross a real HTTP socket.

The server runs in its own process with DEBUG off and without pytest imported, so Django takes
the production settings path (TESTING is false, errors are answered by the production handlers,
not by the debug pages). Its database is either the test's own (``shared_database``: the
PostgreSQL test database itself, or a file copy of SQLite's in-memory one; the test commits its
rows first, so it is marked ``django_db(transaction=True)``), or a copy that only the server
writes to and that is dropped afterwards (``own_database``), for a server that outlives a test.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg import sql

# Answers 200 without a login as soon as Django, its URLs and the database are up.
READY_PATH = "/api/v1/auth/captcha"


@dataclass
class Gunicorn:
    url: str
    process: subprocess.Popen[bytes]
    # Its stderr (Django's log, tracebacks): a file, since a pipe nobody reads fills up and
    # then blocks the server mid-request.
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _postgres_url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{name}"


def _sqlite_copy(target: Path) -> str:
    """SQLite's in-memory test database, which no other process can open, copied to a file."""
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    return f"sqlite:///{target}"


def shared_database(tmp_path: Path) -> tuple[str, Path | None]:
    """The test database for the server, and the SQLite file it reads (None on PostgreSQL,
    where the server opens the test database itself)."""
    if connection.vendor == "sqlite":
        target = tmp_path / "db.sqlite3"
        return _sqlite_copy(target), target
    return _postgres_url(connection.settings_dict["NAME"]), None


@contextmanager
def own_database(tmp_path: Path) -> Iterator[str]:
    """A copy of the test database (its migrations, no test's rows) that only the server
    writes to, so what it writes never shows in a test; dropped on exit. Needs database
    access (``django_db_blocker.unblock()`` in a fixture)."""
    if connection.vendor == "sqlite":
        yield _sqlite_copy(tmp_path / "server.sqlite3")
        return
    template = connection.settings_dict["NAME"]
    name = f"{template}_server"
    # PostgreSQL copies a template only while nobody else is connected to it.
    connection.close()
    admin = _postgres_url("postgres")
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        db.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    try:
        yield _postgres_url(name)
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _environment(tmp_path: Path, database_url: str, env: dict[str, str] | None) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "kabinet.settings",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on a loopback port: no TLS in front to redirect to.
        "SECURE_SSL_REDIRECT": "0",
        "KABINET_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "0",
    } | (env or {})


def run_django(tmp_path: Path, database_url: str, code: str) -> str:
    """Run ``code`` after ``django.setup()`` in a process set up as the server is, on its
    database; returns what it printed. For rows in a database the test cannot reach."""
    done = subprocess.run(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
        cwd=settings.BASE_DIR,
        env=_environment(tmp_path, database_url, None),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + READY_PATH, timeout=5) as response:  # noqa: S310
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def start_gunicorn(
    tmp_path: Path,
    database_url: str,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> Gunicorn:
    """Start gunicorn on a free port of 127.0.0.1 and wait until it answers; ``env`` adds or
    overrides settings' environment variables, ``args`` adds gunicorn options."""
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("ab") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "kabinet.wsgi",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                # gunicorn's control socket is one path in $HOME for every server: servers of
                # parallel test workers would take it from each other.
                "--no-control-socket",
                *args,
            ],
            cwd=settings.BASE_DIR,
            env=_environment(tmp_path, database_url, env),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    server = Gunicorn(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {log.read_text(errors='replace')}")
        if _answers(server.url):
            return server
        time.sleep(0.2)
    server.stop()
    pytest.fail("gunicorn did not answer within 30 s")
