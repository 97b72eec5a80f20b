"""Local stand-ins for the providers, for bench/topology.py: every message they get is one JSON
line in a file, so the fault tests can count each delivery.

    python bench/sinks.py smtp PORT FILE     an SMTP server (aiosmtpd)
    python bench/sinks.py sms PORT FILE      an SMSC-style HTTP gateway (as tests/messaging's fake)
"""

from __future__ import annotations

import email
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

LOCK = threading.Lock()


def append(path: Path, entry: dict[str, Any]) -> None:
    with LOCK, path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        file.flush()


def smtp(port: int, path: Path) -> None:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = email.message_from_bytes(envelope.content)
            append(path, {"to": envelope.rcpt_tos, "subject": str(message["Subject"] or ""),
                          "message_id": str(message["Message-ID"] or ""),
                          "time": time.time()})  # fmt: skip
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def sms(port: int, path: Path) -> None:
    counter = iter(range(10**9))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            fields = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            with LOCK:
                number = next(counter)
            append(path, {"phones": fields.get("phones", ""), "mes": fields.get("mes", ""),
                          "id": number, "time": time.time()})  # fmt: skip
            body = json.dumps({"id": number, "cnt": 1}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    kind, port, file = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    {"smtp": smtp, "sms": sms}[kind](port, file)
