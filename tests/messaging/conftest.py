"""A fake SMS gateway on 127.0.0.1 and a clean rate-limit cache for every messaging test."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class ScriptedAnswer:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0


@dataclass
class FakeSmsGateway:
    """An SMSC-style gateway: records every request and answers from a script, then with success.

    `requests` holds the decoded form fields of each POST, in arrival order.
    """

    url: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)
    script: list[ScriptedAnswer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_next(
        self, *, status: int = 200, json_body: Any = None, raw: bytes = b"", delay: float = 0.0
    ) -> None:
        body = raw if json_body is None else json.dumps(json_body).encode()
        self.script.append(ScriptedAnswer(status=status, body=body, delay=delay))

    def fail_next(self, status: int = 503) -> None:
        self.answer_next(status=status, raw=b"<html>Service Unavailable</html>")

    def reject_next(self, error_code: int, error: str = "error") -> None:
        self.answer_next(json_body={"error": error, "error_code": error_code})

    def handle(self, fields: dict[str, str]) -> ScriptedAnswer:
        with self.lock:
            self.requests.append(fields)
            if self.script:
                return self.script.pop(0)
            return ScriptedAnswer(
                body=json.dumps({"id": 1000 + len(self.requests), "cnt": 1}).encode()
            )


@pytest.fixture
def sms_gateway(settings: Any) -> Iterator[FakeSmsGateway]:
    """A fake gateway on a random port, with SMS_BACKEND=http pointed at it."""
    gateway = FakeSmsGateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode("utf-8")
            fields = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
            answer = gateway.handle(fields)
            if answer.delay:
                time.sleep(answer.delay)
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sys/send.php"
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_LOGIN = "kabinet"
    settings.SMS_GATEWAY_PASSWORD = "gateway-secret"
    settings.SMS_SENDER = "Kabinet"
    settings.SMS_GATEWAY_TIMEOUT = 2
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
