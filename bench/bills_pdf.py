"""Bill PDF benchmark: bills rendered per second with typst and, in the same run, with WeasyPrint.

    uv run --frozen --group bench python bench/bills_pdf.py [--bills N]

Builds the two-recipient sample bill of the tests in a throw-away SQLite database, then times in
the same run, each render a new document (typst memoises a compilation of the same input):

* the download path with typst: ``bill_document_data`` (queries, QR codes) and ``compile_bill``;
* typst alone on the prepared JSON;
* the same two with WeasyPrint (a bench-only dependency: ``make bench`` installs the ``bench``
  group) laying out the same bill as HTML, block for block as bill.typ does.

The cases take turns (see `measure`); it prints bills/s and CPU ms for each and the ratios by CPU
time; the target is typst at least 10× as fast as WeasyPrint,
for the layout and for the whole download path (the QR codes come from a native encoder).
Timings are printed, never asserted: they depend on the machine.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


ROUNDS = 5


def measure(cases: dict[str, Callable[[], bytes]], count: int) -> dict[str, float]:
    """Render `count` bills with each case, in ROUNDS turns that rotate the cases' order, so that
    the load of other processes on a shared machine falls on every case alike. Prints each
    case's rate by the wall clock and by this process's CPU time (which that load inflates
    least) and returns the CPU-time rates."""
    for render in cases.values():
        render()  # warm-up: fonts and the template are loaded once per process
    wall = dict.fromkeys(cases, 0.0)
    cpu = dict.fromkeys(cases, 0.0)
    sizes = dict.fromkeys(cases, 0)
    per_round = max(count // ROUNDS, 1)
    labels = list(cases)
    for turn in range(ROUNDS):
        for label in labels[turn % len(labels) :] + labels[: turn % len(labels)]:
            wall_started, cpu_started = time.perf_counter(), time.process_time()
            for _ in range(per_round):
                sizes[label] = len(cases[label]())
            wall[label] += time.perf_counter() - wall_started
            cpu[label] += time.process_time() - cpu_started
    done = per_round * ROUNDS
    for label in labels:
        print(
            f"{label:<28} {done / wall[label]:7.1f} bills/s {1000 * wall[label] / done:7.1f} ms"
            f"  CPU {1000 * cpu[label] / done:7.1f} ms/bill  {sizes[label]} bytes"
        )
    return {label: done / cpu[label] for label in labels}


CSS = """@page { size: A4; margin: 1.2cm } body { font: 8pt sans-serif }
table { border-collapse: collapse; width: 100% } td, th { border: 0.4pt solid gray; padding: 3pt }
th { font-size: 7pt } .num { text-align: right } .muted { color: #5a5a5a }
.section { border: 0.6pt solid black; padding: 6pt; margin: 6pt 0; page-break-inside: avoid }
.qr { float: right; width: 3.4cm; text-align: center; font-size: 6pt }
.qr svg { width: 3.2cm; height: 3.2cm } .totals { border: 0.8pt solid black; padding: 6pt }
.grid { display: grid; grid-template-columns: repeat(4, 1fr); gap: 4pt }"""


def weasyprint_html(data: dict[str, Any]) -> str:
    """The bill as HTML with what bill.typ lays out, block for block: title, payer, each
    recipient with requisites, QR code, charges, penalties and totals rows, recalculations and
    norms, the bill's totals, and the meter readings."""
    from html import escape as e

    labels = data["labels"]

    def field(label: str, value: str) -> str:
        return f'<span class="muted">{e(labels[label])}:</span> {e(value)} ' if value else ""

    def table(heads: list[str], rows: list[list[str]], numeric_from: int) -> str:
        head = "".join(f"<th>{e(labels[h])}</th>" for h in heads)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{v}</td>' if i >= numeric_from else f"<td>{v}</td>"
                for i, v in enumerate(row)
            )
            + "</tr>"
            for row in rows
        )
        return f"<table><tr>{head}</tr>{body}</table>"

    charge_keys = [
        "service",
        "unit",
        "volume",
        "tariff",
        "charged",
        "recalculation",
        "benefits",
        "opening_balance",
        "paid",
        "total",
    ]
    charge_heads = [*charge_keys[:-1], "to_pay"]
    sections = []
    for section in data["sections"]:
        rows = [[e(c[k]) for k in charge_keys] for c in section["charges"]]
        # The penalties row, where billing charged any, is among the section's charge rows.
        rows.append(
            [f"<b>{e(labels['section_total'])}</b>", "", "", ""]
            + [f"<b>{e(section['totals'][k])}</b>" for k in charge_keys[4:]]
        )
        parts = [
            f'<div class="qr">{section["qr"]}<br>{e(labels["qr_hint"])}</div>'
            if section["has_requisites"]
            else "",
            f'<span class="muted">{e(labels["recipient"])}:</span> <b>{e(section["name"])}</b><br>',
            f"{field('inn', section['inn'])}{field('kpp', section['kpp'])}<br>",
            f"{field('bank', section['bank_name'])}{field('bic', section['bic'])}<br>"
            f"{field('settlement_account', section['settlement_account'])}"
            f"{field('correspondent_account', section['correspondent_account'])}<br>"
            if section["has_requisites"]
            else f"<b>{e(labels['no_requisites'])}</b><br>",
            f"{field('address', section['address'])} {e(section['phone'])} "
            f"{e(section['email'])}<br>",
            f"{field('document_id', section['number'])}{field('due_date', section['due_date'])}",
            f"<p><b>{e(labels['section_total'])}: {e(section['total'])}</b></p>",
            table(charge_heads, rows, 2)
            if section["charges"]
            else f'<p class="muted">{e(labels["no_charges"])}</p>',
            f'<p class="muted">{e(labels["basis"])}: {e(section["basis_legend"])}</p>'
            if section["basis_legend"]
            else "",
            table(
                ["service", "amount", "reason"],
                [
                    [e(r["service"]), e(r["amount"]), e(r["reason"])]
                    for r in section["recalculations"]
                ],
                1,
            )
            if section["recalculations"]
            else "",
            '<p class="muted">'
            + e(labels["norms"])
            + ": "
            + e("; ".join(f"{n['service']} — {n['norm']} {n['unit']}" for n in section["norms"]))
            + "</p>"
            if section["norms"]
            else "",
        ]
        sections.append(f'<div class="section">{"".join(parts)}</div>')
    payer = data["payer"]
    totals = data["totals"]
    meters = table(
        ["meter", "service", "previous", "current", "consumption", "verification_due"],
        [
            [
                f"№ {e(m['serial_number'])}",
                e(m["service"]),
                f"{e(m['previous'])} ({e(m['previous_date'])})",
                f"{e(m['current'])} ({e(m['current_date'])})",
                e(m["consumption"]),
                e(m["verification_due"]),
            ]
            for m in data["meters"]
        ],
        2,
    )
    return (
        f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><style>{CSS}</style>'
        f"</head><body><h1>{e(data['title'].upper())} {e(labels['period'])} "
        f"{e(data['period'])}</h1><p>{field('document_id', data['number'])}"
        f"{field('issued_on', data['issued_on'])}</p><hr>"
        f"<p><b>{e(labels['payer'])}</b>: {e(payer['owner_name'])}<br>"
        f"{field('address', payer['address'])}<br>{field('account', payer['account_number'])}"
        f"{field('els', payer['els'])}{field('izhku', payer['izhku'])}"
        f"{field('area', payer['total_area'])}{field('residents', payer['residents'])}</p>"
        + "".join(sections)
        + '<div class="totals"><div class="grid">'
        + "".join(
            f"<div>{field(k, totals[k])}</div>"
            for k in (
                "opening_balance",
                "charged",
                "recalculation",
                "benefits",
                "surcharge",
                "paid",
                "advance",
            )
        )
        + f"</div><p><b>{e(labels['total'])}: {e(totals['total'])}</b> "
        f"{field('due_date', data['due_date'])}</p></div>"
        + (f"<h3>{e(labels['meters'])}</h3>{meters}" if data["meters"] else "")
        + "</body></html>"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--bills", type=int, default=30, help="default 30")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-bills-") as tmp:
        setup_django(Path(tmp) / "bench.sqlite3")
        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        logging.getLogger("fontTools").setLevel(logging.WARNING)
        from kabinet.documents.bills import bill_document_data, compile_bill
        from tests.documents.sample import make_two_recipient_bill

        bill = make_two_recipient_bill()
        data = bill_document_data(bill)
        counter = iter(range(10**9))

        def numbered(data: dict[str, Any]) -> dict[str, Any]:
            # A different document each time: typst memoises a compilation of the same input.
            return {**data, "number": f"{data['number']}-{next(counter)}"}

        print(f"== bill PDF, {args.bills} renders of a two-recipient bill per case ==")
        cases: dict[str, Callable[[], bytes]] = {
            "typst, download path": lambda: compile_bill(numbered(bill_document_data(bill))),
            "typst, layout only": lambda: compile_bill(numbered(data)),
        }
        try:
            import weasyprint
        except ImportError:
            measure(cases, args.bills)
            print("WeasyPrint is not installed (make bench installs it): comparison skipped")
            return

        def weasyprint_pdf(data: dict[str, Any]) -> bytes:
            return bytes(weasyprint.HTML(string=weasyprint_html(data)).write_pdf())

        cases["WeasyPrint, download path"] = lambda: weasyprint_pdf(
            numbered(bill_document_data(bill))
        )
        cases["WeasyPrint, layout only"] = lambda: weasyprint_pdf(numbered(data))
        rates = measure(cases, args.bills)
        layout = rates["typst, layout only"] / rates["WeasyPrint, layout only"]
        download = rates["typst, download path"] / rates["WeasyPrint, download path"]
        print(f"layout (CPU time): typst is {layout:.1f}× as fast as WeasyPrint (target >= 10×)")
        print(
            f"download path (queries, QR codes, layout; CPU time): typst is {download:.1f}× as"
            f" fast as WeasyPrint (target >= 10×)"
        )
        load = os.getloadavg()[0]
        print(f"load average (1 min): {load:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
