"""Bill PDF benchmark: bills rendered per second with typst, and WeasyPrint when it is installed.

    uv run --frozen python bench/bills_pdf.py [--bills N]

Builds the two-recipient sample bill of the tests in a throw-away SQLite database, then times in
the same run:

* the whole path of the download view: ``render_bill_pdf`` (queries, QR codes, typst);
* typst alone on the same JSON (``compile_bill``);
* the same bill as HTML through WeasyPrint, only if ``weasyprint`` can be imported (it is not a
  dependency of Kabinet); otherwise the comparison is reported as skipped.

Timings are printed, never asserted: they depend on the machine.
"""

from __future__ import annotations

import argparse
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


def per_second(label: str, count: int, render: Callable[[], bytes]) -> float:
    render()  # warm-up: fonts and the template are loaded once per process
    started = time.perf_counter()
    size = 0
    for _ in range(count):
        size = len(render())
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    print(f"{label:<40} {rate:8.1f} bills/s  {1000 * elapsed / count:7.1f} ms/bill  {size} bytes")
    return rate


HTML = """<!doctype html><html lang="ru"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 1.2cm }} body {{ font: 8pt sans-serif }}
table {{ border-collapse: collapse; width: 100% }}
td, th {{ border: 0.4pt solid gray; padding: 2pt }}
.section {{ border: 0.6pt solid black; padding: 6pt; margin: 6pt 0 }}
.qr {{ float: right; width: 3.2cm }}
</style></head><body>
<h1>{title} за {period}</h1><p>ИПД {number}</p>
<p><b>Плательщик:</b> {payer[owner_name]}<br>{payer[address]}<br>
Лицевой счёт {payer[account_number]}</p>
{sections}
<h2>ИТОГО К ОПЛАТЕ: {totals[total]}</h2>
</body></html>"""
SECTION = """<div class="section"><div class="qr">{qr}</div><b>{name}</b><br>ИНН {inn} КПП {kpp}<br>
{bank_name} БИК {bic}<br>Р/с {settlement_account} К/с {correspondent_account}
<table><tr><th>Услуга</th><th>Ед.</th><th>Объём</th><th>Тариф</th><th>Начислено</th><th>Перерасчёт</th>
<th>Льготы</th><th>Долг</th><th>Оплачено</th><th>К оплате</th></tr>{rows}</table>
<p><b>Итого: {total}</b></p></div>"""


def weasyprint_html(data: dict[str, Any]) -> str:
    from html import escape

    sections = []
    for s in data["sections"]:
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in c.values()) + "</tr>"
            for c in s["charges"]
        )
        fields = {k: escape(str(v)) for k, v in s.items() if isinstance(v, str)}
        fields["qr"] = s["qr"]
        sections.append(SECTION.format(rows=rows, **fields))
    payer = {k: escape(v) for k, v in data["payer"].items()}
    return HTML.format(
        title=escape(data["title"]),
        period=escape(data["period"]),
        number=escape(data["number"]),
        payer=payer,
        totals=data["totals"],
        sections="".join(sections),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--bills", type=int, default=50, help="default 50")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-bills-") as tmp:
        setup_django(Path(tmp) / "bench.sqlite3")
        from kabinet.documents.bills import bill_document_data, compile_bill, render_bill_pdf
        from tests.documents.sample import make_two_recipient_bill

        bill = make_two_recipient_bill()
        data = bill_document_data(bill)
        print(f"== bill PDF, {args.bills} renders of a two-recipient bill ==")
        full = per_second(
            "typst, with queries and QR codes", args.bills, lambda: render_bill_pdf(bill)
        )
        counter = iter(range(10**9))

        def typst_layout() -> bytes:
            # A different document each time: typst memoises a compilation of the same input.
            return compile_bill({**data, "number": f"{data['number']}-{next(counter)}"})

        typst_only = per_second("typst, layout only", args.bills, typst_layout)
        try:
            import weasyprint
        except ImportError:
            print("WeasyPrint is not installed: the comparison was skipped")
            return
        html = weasyprint_html(data)
        weasy = per_second(
            "WeasyPrint, layout only",
            args.bills,
            lambda: bytes(weasyprint.HTML(string=html).write_pdf()),
        )
        print(f"typst layout is {typst_only / weasy:.1f}× as fast as WeasyPrint")
        print(f"typst with queries and QR codes is {full / weasy:.1f}× as fast as WeasyPrint")


if __name__ == "__main__":
    main()
