"""The production topology of deploy/ on one machine, for the load and fault tests.

    uv run --frozen python bench/topology.py [--accounts N] [--reuse]

starts, all under var/topology/ and on private ports (nothing shared with the machine's own
PostgreSQL or Redis, so the fault tests may restart them):

* a private PostgreSQL 15 cluster (Debian's initdb/pg_ctl) on 127.0.0.1:15432;
* a private redis-server on 127.0.0.1:16379 (append-only file on, as in production);
* gunicorn with deploy/gunicorn.conf.py on 127.0.0.1:18601 (production settings: DEBUG off,
  LOG_FORMAT=json, prometheus multiprocess mode, Redis queue, cache and limits);
* huey: kabinet-worker (2 threads, --no-periodic) and kabinet-scheduler, as the systemd units do;
* nginx with deploy/nginx/kabinet.conf (a self-signed certificate) on https://127.0.0.1:18643;
* a local SMTP server (aiosmtpd) on 18625 and a fake SMS gateway on 18626 that write every
  message they get to a JSON-lines file (bench/sinks.py), so the tests can count deliveries.

then loads the demo utility (default 100,000 accounts, through the real importer), creates the
load test's customers and waits for Ctrl+C. bench/load.py and bench/faults.py use ``Topology``
directly. nginx is installed with apt-get when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

WORK = ROOT / "var" / "topology"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = 15432
REDIS_PORT = 16379
APP_PORT = 18601
HTTPS_PORT = 18643
HTTP_PORT = 18680
SMTP_PORT = 18625
SMS_PORT = 18626
DATABASE = "kabinet_deploy_bench"
DATABASE_URL = f"postgres://postgres@127.0.0.1:{PG_PORT}/{DATABASE}"
BASE_URL = f"https://127.0.0.1:{HTTPS_PORT}"
CUSTOMER_PASSWORD = "Nagruzka-2026"  # noqa: S105 - the load test's customers, local only


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=True, text=True, **kwargs)  # noqa: S603


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def ensure_nginx() -> None:
    if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("== installing nginx with apt-get ==", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "nginx-light"]
    if subprocess.run(install, env=env, check=False).returncode != 0:  # noqa: S603
        run([*sudo, "apt-get", "update", "-qq"], env=env)
        run(install, env=env)


def wait_for(what: str, probe: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if probe():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        if time.monotonic() > deadline:
            sys.exit(f"{what} did not start in {seconds:.0f} s")
        time.sleep(0.2)


def http_status(url: str, timeout: float = 5) -> int:
    import ssl

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the topology's self-signed certificate
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


class Topology:
    """Start, stop and break the pieces. Every process is this object's child."""

    def __init__(self, work: Path = WORK, *, web_workers: int = 4, huey_workers: int = 2) -> None:
        self.work = work
        self.web_workers = web_workers
        self.huey_workers = huey_workers
        self.logs = work / "logs"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.pgdata = work / "pgdata"
        self.secret_file = work / "secret_key"

    # -- environment -----------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        if not self.secret_file.exists():
            self.work.mkdir(parents=True, exist_ok=True)
            self.secret_file.write_text(secrets.token_urlsafe(50))
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kabinet.settings",
            "DEBUG": "0",
            "SECRET_KEY": self.secret_file.read_text().strip(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": BASE_URL,
            "KABINET_VAR_DIR": str(self.work / "var"),
            "IMPORT_ARCHIVE_DIR": str(self.work / "var" / "imports"),
            "UPLOADS_ROOT": str(self.work / "var" / "uploads"),
            "DATABASE_URL": DATABASE_URL,
            "DATABASE_CONN_MAX_AGE": "60",
            "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
            "TRUSTED_PROXY_IPS": "127.0.0.1,::1",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "PROMETHEUS_MULTIPROC_DIR": str(self.work / "metrics"),
            "GUNICORN_BIND": f"127.0.0.1:{APP_PORT}",
            "GUNICORN_WORKERS": str(self.web_workers),
            "PAYMENT_PROVIDER": "sandbox",
            "SMS_BACKEND": "http",
            "SMS_GATEWAY_URL": f"http://127.0.0.1:{SMS_PORT}/sys/send.php",
            "SMS_GATEWAY_LOGIN": "bench",
            "SMS_GATEWAY_PASSWORD": "bench",
            "SMS_GATEWAY_TIMEOUT": "3",
            "EMAIL_BACKEND": "smtp",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(SMTP_PORT),
            "EMAIL_TIMEOUT": "3",
        }

    def django(self) -> None:
        """Set up Django in this process against the topology (DEBUG on: no HTTPS redirect and
        no static manifest needed for management work)."""
        os.environ.update({**self.env, "DEBUG": "1"})
        import django

        django.setup()

    # -- processes -------------------------------------------------------------------------

    def spawn(self, name: str, command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603
            command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, **kwargs
        )
        self.processes[name] = process
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    # PostgreSQL: a cluster of its own, started and stopped by pg_ctl.
    def start_postgres(self) -> None:
        if not (self.pgdata / "PG_VERSION").exists():
            self.pgdata.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.pgdata, "postgres", "postgres")
            run(as_postgres([str(PG_BIN / "initdb"), "-D", str(self.pgdata), "-U", "postgres",
                             "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                stdout=subprocess.DEVNULL)  # fmt: skip
        run(as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-w", "-t", "60",
                         "-l", str(self.pgdata / "server.log"),
                         "-o", f"-p {PG_PORT} -k /tmp -c listen_addresses=127.0.0.1 "
                               "-c max_connections=200 -c shared_buffers=256MB", "start"]),
            stdout=subprocess.DEVNULL)  # fmt: skip

    def stop_postgres(self, mode: str = "fast") -> None:
        run(as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-m", mode, "-w",
                         "stop"]), stdout=subprocess.DEVNULL)  # fmt: skip

    def postgres_running(self) -> bool:
        status = subprocess.run(  # noqa: S603
            as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "status"]),
            capture_output=True, check=False,
        )  # fmt: skip
        return status.returncode == 0

    def start_redis(self) -> None:
        data = self.work / "redis"
        data.mkdir(parents=True, exist_ok=True)
        self.spawn("redis", ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                             "--dir", str(data), "--appendonly", "yes", "--save", ""])  # fmt: skip
        wait_for("redis", lambda: self._redis().ping())

    def _redis(self) -> Any:
        import redis

        return redis.Redis(port=REDIS_PORT, socket_connect_timeout=1)

    def stop_redis(self) -> None:
        self.stop("redis")

    def start_sinks(self) -> None:
        sink = [sys.executable, str(BENCH / "sinks.py")]
        self.spawn("smtp", [*sink, "smtp", str(SMTP_PORT), str(self.work / "mail.jsonl")])
        self.spawn("sms", [*sink, "sms", str(SMS_PORT), str(self.work / "sms.jsonl")])
        wait_for("sms gateway", lambda: http_status(f"http://127.0.0.1:{SMS_PORT}/") == 200)

    def collectstatic(self) -> None:
        # Compressing 76 MB of static files (brotli, with the bench group installed) takes
        # minutes on a busy machine; a later run reuses them (delete var/topology/var/static
        # after changing a static file).
        if (self.work / "var" / "static" / "staticfiles.json").exists():
            return
        run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT,
            env=self.env)  # fmt: skip

    def start_web(self) -> None:
        self.spawn("web", [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                           "kabinet.wsgi"], env=self.env)  # fmt: skip
        wait_for("gunicorn", lambda: http_status(f"http://127.0.0.1:{APP_PORT}/healthz") == 200)

    def start_worker(self, name: str = "worker") -> None:
        command = [sys.executable, "manage.py", "run_huey", "--workers", str(self.huey_workers)]
        if name == "scheduler":
            command = [sys.executable, "manage.py", "run_huey", "--workers", "1"]
        else:
            command.append("--no-periodic")
        self.spawn(name, command, env=self.env)

    def start_nginx(self) -> None:
        ensure_nginx()
        conf = self.work / "nginx"
        conf.mkdir(parents=True, exist_ok=True)
        cert, key = conf / "cert.pem", conf / "key.pem"
        if not cert.exists():
            run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                 "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        params = conf / "kabinet_proxy_params"
        params.write_text((ROOT / "deploy" / "nginx" / "kabinet_proxy_params").read_text())
        # deploy/nginx/kabinet.conf itself, with this machine's paths, name and ports.
        site = (ROOT / "deploy" / "nginx" / "kabinet.conf").read_text()
        for production, here in [
            ("/etc/letsencrypt/live/lk.example.org/fullchain.pem", str(cert)),
            ("/etc/letsencrypt/live/lk.example.org/privkey.pem", str(key)),
            ("/etc/nginx/kabinet_proxy_params", str(params)),
            ("/srv/kabinet/var/static/", f"{self.work}/var/static/"),
            ("/var/log/nginx/", f"{self.logs}/nginx-"),
            ("server 127.0.0.1:8000", f"server 127.0.0.1:{APP_PORT}"),
            ("listen 443 ssl", f"listen 127.0.0.1:{HTTPS_PORT} ssl"),
            ("listen 80;", f"listen 127.0.0.1:{HTTP_PORT};"),
            ("lk.example.org", "127.0.0.1"),
        ]:
            assert production in site, production
            site = site.replace(production, here)
        # This machine has no IPv6 listeners to spare; the production file listens on both.
        site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
        (conf / "site.conf").write_text(site)
        temp = conf / "temp"
        temp.mkdir(exist_ok=True)
        (conf / "nginx.conf").write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {conf}/nginx.pid;
error_log {self.logs}/nginx-main.error.log warn;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    sendfile on;
    include {conf}/site.conf;
}}
""")
        self.spawn("nginx", ["nginx", "-p", str(conf), "-c", str(conf / "nginx.conf"),
                             "-g", "daemon off;"])  # fmt: skip
        wait_for("nginx", lambda: http_status(f"{BASE_URL}/healthz") == 200)

    # -- whole ------------------------------------------------------------------------------

    def up(self) -> None:
        self.start_postgres()
        self.start_redis()
        self.start_sinks()
        self.collectstatic()
        self.start_web()
        self.start_worker("worker")
        self.start_worker("scheduler")
        self.start_nginx()

    def down(self) -> None:
        for name in list(self.processes)[::-1]:
            self.stop(name)
        if self.postgres_running():
            self.stop_postgres("fast")

    @contextmanager
    def running(self) -> Iterator[Topology]:
        try:
            self.up()
            yield self
        finally:
            self.down()

    # -- data -------------------------------------------------------------------------------

    def prepare(self, accounts: int, customers: int, *, reuse: bool) -> None:
        """The database: the demo utility with ``accounts`` accounts through the real importer and
        ``customers`` customers (each linked to one account with meters), unless ``reuse``
        finds them there. Writes the customers to customers.json for the load test."""
        import psycopg

        with psycopg.connect(DATABASE_URL, dbname="postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
            ).fetchone()
            if exists and not reuse:
                conn.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
            if not exists or not reuse:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
        self.django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from kabinet.billing.models import Account

        if not Account.objects.exists():
            from serving import load_utility

            load_utility(accounts, self.work / "files")
        (self.work / "customers.json").write_text(json.dumps(make_customers(customers)))
        from django.db import connections

        connections.close_all()


def make_customers(count: int) -> list[dict[str, Any]]:
    """``count`` customers, each linked to its own account that has a bill and a meter whose
    readings window is open; the same password for all (hashed once: Argon2 is slow on
    purpose)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from kabinet.billing.models import Account, AccountLink, Supplier
    from kabinet.identity.models import User

    existing = list(
        User.objects.filter(username__startswith="load").values_list("username", flat=True)
    )
    accounts = list(
        Account.objects.filter(bills__isnull=False, meters__isnull=False, links__isnull=True)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)[: max(count - len(existing), 0)]
    )
    password = make_password(CUSTOMER_PASSWORD)
    now = timezone.now()
    with transaction.atomic():
        # Open the readings window whatever the day the test runs on.
        Supplier.objects.update(
            readings_first_day=1, readings_last_day=31, readings_close_time=None
        )
        start = len(existing)
        users = User.objects.bulk_create(
            User(
                username=f"load{start + n}",
                phone=f"+7917{start + n:07d}",
                phone_confirmed_at=now,
                email=f"load{start + n}@example.org",
                email_confirmed_at=now,
                last_name="Нагрузкина",
                first_name="Анна",
                password=password,
            )
            for n in range(len(accounts))
        )
        AccountLink.objects.bulk_create(
            AccountLink(user=user, account_id=account, relation=AccountLink.Relation.OWNER)
            for user, account in zip(users, accounts, strict=True)
        )
    return [
        {"phone": phone, "account": account}
        for phone, account in AccountLink.objects.filter(user__username__startswith="load")
        .order_by("user_id")
        .values_list("user__phone", "account_id")[:count]
    ]


def stop_on_signals() -> None:
    """Started in the background (make, nohup, &), SIGINT may be ignored: on SIGINT or SIGTERM,
    unwind, so that ``Topology.running`` stops every process it started."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=4000)
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    stop_on_signals()
    topology = Topology()
    with topology.running():
        topology.prepare(args.accounts, args.customers, reuse=args.reuse)
        print(f"Kabinet topology up: {BASE_URL}/ (nginx → gunicorn :{APP_PORT}), "
              f"PostgreSQL :{PG_PORT}, Redis :{REDIS_PORT}; logs in {topology.logs}. "
              "Ctrl+C stops it.", flush=True)  # fmt: skip
        try:
            while True:
                time.sleep(3600)
        except (KeyboardInterrupt, SystemExit):
            print("stopping", flush=True)


if __name__ == "__main__":
    main()
