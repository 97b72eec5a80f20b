"""The targets of the HTTP benchmarks side by side: what the last runs of bench/pages.py and
bench/readings.py measured (each as a ratio to a trivial view on the same server in the same
run), read from var/bench-results.json.

    uv run --frozen python bench/summary.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "var" / "bench-results.json"
TARGETS = (
    ("pages", "account pages / healthz", 0.45),
    ("readings", "readings POST / trivial POST", 0.4),
    ("not_modified", "304 revalidation / healthz", 0.8),
    # bench/ebills.py: bills/s, on the wall clock and from the CPU the bills took.
    ("ebills_wall", "e-bills/s, wall clock", 35.0),
    ("ebills_cpu", "e-bills/s, 2 cores by CPU used", 35.0),
)


def main() -> None:
    if not RESULTS.exists():
        sys.exit(f"no results yet: run bench/pages.py, readings.py or load.py ({RESULTS})")
    results = json.loads(RESULTS.read_text())
    print(f"{'ratio':<32}{'measured':>10}{'target':>9}")
    for key, label, target in TARGETS:
        value = results.get(key)
        shown = "—" if value is None else f"{value:.2f}"
        verdict = "" if value is None else ("met" if value >= target else "NOT met")
        print(f"{label:<32}{shown:>10}{'>= ' + str(target):>9}  {verdict}")
    queries = results.get("page_queries")
    if queries is not None:
        print(f"{'SQL queries, slowest page':<32}{queries:>10}{'<= 10':>9}")
    # bench/load.py: absolute figures (the targets are absolute), with the load average
    # of the machine during the run, which they depend on.
    if "load_p95_ms" in results:
        users, seconds = results.get("load_users"), results.get("load_seconds")
        load = results.get("load_average")
        print(f"load test, {users} users for {seconds} s, machine load average {load}:")
        for key, label, bound, met in (
            ("load_5xx", "  5xx responses", "0", lambda v: v == 0),
            ("load_p95_ms", "  p95 latency, ms", "< 500", lambda v: v < 500),
            ("load_lost", "  readings/payments lost or doubled", "0", lambda v: v == 0),
        ):
            figure = results.get(key)
            outcome = "met" if met(figure) else "NOT met"
            print(f"{label:<32}{figure:>10.0f}{bound:>9}  {outcome}")


if __name__ == "__main__":
    main()
