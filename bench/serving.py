"""What the HTTP benchmarks share: a free port, one request, and the project under gunicorn.

gunicorn runs as in production: DEBUG off (no query log kept), hashed static files, 2 sync
workers; the benchmark's requests come from threads of this process on the same machine.
"""

from __future__ import annotations

import datetime as dt
import gc
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
WORKERS = 2
# Targets are measured in turns, a slice of the requests each, so that a load change on the
# machine (other processes come and go) falls on every target alike and the ratios hold.
ROUNDS = 5


RESULTS = ROOT / "var" / "bench-results.json"


def keep_result(**ratios: float) -> None:
    """Remember this run's ratios for ``bench/summary.py``, which prints the targets of the
    HTTP benchmarks side by side at the end of ``make bench``."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update(ratios)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def send(
    port: int, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
) -> tuple[int, float]:
    """One request on a fresh connection: (status, seconds)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=dict(headers))
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def start(name: str, url: str, *, reuse: bool, **settings: str) -> tuple[Path, dict[str, str]]:
    """Set up Django for the benchmark ``name`` on the database ``url``: its files go to
    var/bench-<name> (emptied first unless ``reuse``), the database is created anew unless
    ``reuse``, and migrated. Returns the folder and the environment the servers run with, which
    this process has too (with DEBUG on); ``settings`` are added to it."""
    from import_billing import recreate_database

    work = ROOT / "var" / f"bench-{name}"
    if not reuse:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kabinet.settings",
        "DATABASE_URL": url,
        "KABINET_VAR_DIR": str(work),
        "IMPORT_ARCHIVE_DIR": str(work / "archive"),
        "UPLOADS_ROOT": str(work / "uploads"),
        # One key for this process (which creates the sessions) and the servers (which check it).
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        **settings,
    }
    os.environ.update({**env, "DEBUG": "1"})
    database = url.rsplit("/", 1)[-1] if reuse else recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"Kabinet {name} benchmark: database {database}")
    return work, env


def load_utility(accounts: int, work: Path, keep: Callable[[Path], bool] = bool) -> None:
    """The demo utility with ``accounts`` accounts and two suppliers, written as billing files
    and loaded through the real importer (the files ``keep`` accepts)."""
    from import_billing import line, load

    from kabinet.demo.reference import ensure_reference_data
    from kabinet.demo.simulation import DemoUtility

    ensure_reference_data()
    started = time.perf_counter()
    utility = DemoUtility(accounts, 2, 42, today=dt.date.today())  # noqa: DTZ011
    files = utility.write(work / "files")
    line("generate files", f"{time.perf_counter() - started:8.2f} s")
    load([path for path in files.paths if keep(path)], f"import of {accounts:,} accounts")


def settle() -> None:
    """Call once the set-up is done, before serving: PostgreSQL finishes writing what the set-up
    loaded (CHECKPOINT) and this process's garbage collector stops scanning the set-up's
    objects (gc.freeze). Otherwise the checkpointer's writes of a fresh import and the load
    generator's own collections fall on the measurement: two first runs after an import put the
    pages at 0.43-0.52 of the trivial view, later runs on the same database at 0.56-0.63; with
    this step two first runs gave 0.51-0.58."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    connection.close()
    gc.collect()
    gc.freeze()


@contextmanager
def gunicorn(env: Mapping[str, str], *, settings_module: str = "") -> Iterator[int]:
    """Serve the project on a free port until the block ends; yields the port.

    ``settings_module`` names a settings module in bench/ (one that adds a bench-only view);
    static files are collected with the project's own settings either way.
    """
    server_env = {**env, "DEBUG": "0"}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT, env={**server_env, "DJANGO_SETTINGS_MODULE": "kabinet.settings"}, check=True,
    )  # fmt: skip
    if settings_module:
        server_env["DJANGO_SETTINGS_MODULE"] = settings_module
        server_env["PYTHONPATH"] = os.pathsep.join([str(BENCH), str(ROOT)])
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "kabinet.wsgi", "-w", str(WORKERS),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=server_env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if send(port, "GET", "/healthz", None, {})[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("gunicorn did not start")
            time.sleep(0.2)
        # Requests from several threads at once reach every worker, so each has loaded its URLs
        # and templates before anything is measured; otherwise the first baseline can include
        # a worker's one-second warm-up.
        hammer(
            20 * WORKERS,
            lambda _n, _t: send(port, "GET", "/healthz", None, {})[0],
            {200},
            threads=2 * WORKERS,
        )
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def hammer(
    total: int, request: Callable[[int, int], int], ok: set[int], *, threads: int
) -> tuple[float, list[float]]:
    """``total`` requests from ``threads`` threads: ``request(number, thread)`` sends request
    ``number`` (0..total-1) from thread ``thread`` and returns its status. Returns the seconds
    the whole load took and each request's latency; stops the benchmark on a status not in
    ``ok``."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker(thread: int) -> None:
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            started = time.perf_counter()
            status = request(number, thread)
            seconds = time.perf_counter() - started
            with lock:
                latencies.append(seconds)
                if status not in ok:
                    failures.append(status)

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        sys.exit(f"{len(failures)} unexpected responses, e.g. {failures[0]}")
    return elapsed, latencies


def interleaved(
    targets: Mapping[str, Callable[[int, int], int]],
    total: int,
    ok: set[int],
    *,
    threads: int,
    rounds: int = ROUNDS,
) -> dict[str, tuple[float, float]]:
    """``total`` requests per target (see ``hammer``) from ``threads`` threads, in ``rounds``
    turns; each target is first sent a few requests from every thread, to warm the workers'
    connections, caches and prepared statements. Returns (requests/s, p99 seconds) per target."""
    for request in targets.values():
        for thread in range(threads):
            for _ in range(3):
                request(0, thread)
    elapsed = dict.fromkeys(targets, 0.0)
    latencies: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, request in targets.items():
            seconds, values = hammer(max(threads, total // rounds), request, ok, threads=threads)
            elapsed[name] += seconds
            latencies[name].extend(values)
    return {name: rate_and_p99(elapsed[name], latencies[name]) for name in targets}


def rate_and_p99(elapsed: float, latencies: list[float]) -> tuple[float, float]:
    """Requests per second and the 99th percentile latency in seconds."""
    return len(latencies) / elapsed, statistics.quantiles(latencies, n=100)[98]
