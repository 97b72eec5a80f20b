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
        sys.exit(f"no results yet: run bench/pages.py and bench/readings.py ({RESULTS})")
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


if __name__ == "__main__":
    main()
