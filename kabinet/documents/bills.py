"""The bill PDF (ЕПД layout): data gathered here as JSON, laid out by templates/documents/bill.typ.

Strings from the database never become typst source: the template reads everything from the JSON
given in `sys_inputs`, so an owner called `#import "x"]` is printed as such.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import typst
from django.utils.translation import gettext as _

from kabinet.billing.models import Bill, Charge, Service, VolumeBasis, zone_number, zone_title
from kabinet.core.money import ZERO, format_rubles
from kabinet.core.periods import month_year
from kabinet.documents import qr
from kabinet.documents.statements import Amounts, SectionStatement, bill_statement
from kabinet.metering.models import Meter, Reading

TEMPLATE = Path(__file__).resolve().parent / "templates" / "documents" / "bill.typ"
NBSP = "\u00a0"


def money(value: Decimal | None) -> str:
    """«1 234,56»: as every page shows amounts, the «₽» in the column headers."""
    if value is None:
        return ""
    return format_rubles(value, symbol=False)


def number(value: Decimal | None) -> str:
    """A volume, tariff or reading without trailing zeros: «130,14», «5,2613», «72 860»."""
    if value is None:
        return ""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        normalized = normalized.quantize(Decimal(1))
    text = f"{normalized:,f}"
    return text.replace(",", NBSP).replace(".", ",")


def tariff_text(value: Decimal | None) -> str:
    """A tariff with at least kopecks, «6,98», «25,00», «5,2613»; «—» when billing sent none.

    Never a bare whole number: the money column to its right starts with one when it is
    1 000 or more, and read back as text the two would run together.
    """
    if value is None:
        return "—"
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent if isinstance(exponent, int) else 0)
    text = f"{value.quantize(Decimal(1).scaleb(-places)):,f}"
    return text.replace(",", NBSP).replace(".", ",")


def day(value: dt.date | None) -> str:
    return f"{value:%d.%m.%Y}" if value else ""


def period_title(period: dt.date) -> str:
    return month_year(period)


# How each volume was determined, printed beside it as a mark explained under the table (the
# ЕПД shows the basis of every volume: meter, norm, average, building meter).
BASIS_MARKS = {
    VolumeBasis.METER: "П",
    VolumeBasis.NORM: "Н",
    VolumeBasis.AVERAGE: "С",
    VolumeBasis.BUILDING_METER: "ОД",
    VolumeBasis.CAPACITY: "М",
}


def _volume(charge: Charge) -> str:
    text = number(charge.volume)
    if charge.volume_common:
        text = f"{text} + {number(charge.volume_common)} " + str(_("ОДН"))
    mark = BASIS_MARKS.get(VolumeBasis(charge.volume_basis)) if charge.volume_basis else None
    return f"{text} ({mark})" if text and mark else text


def _basis_legend(charges: list[Charge]) -> str:
    used = {c.volume_basis for c in charges if c.volume_basis}
    return "; ".join(
        f"{mark} — {basis.label}" for basis, mark in BASIS_MARKS.items() if basis.value in used
    )


def _recalculations(charges: list[Charge]) -> list[dict[str, str]]:
    return [
        {
            "service": service_title(c),
            "amount": money(c.recalculation),
            "reason": c.recalculation_reason or str(_("основание не указано")),
        }
        for c in charges
        if c.recalculation
    ]


def _norm_unit(charge: Charge) -> str:
    """A norm's unit as the norms are set: heat per square metre, everything else per person."""
    unit = charge.unit or charge.service.unit
    if charge.service.kind == Service.Kind.HEATING:
        return _("%(unit)s на 1 м² в месяц") % {"unit": unit}
    return _("%(unit)s на 1 чел. в месяц") % {"unit": unit}


def _norms(charges: list[Charge]) -> list[dict[str, str]]:
    seen: set[tuple[str, str]] = set()
    rows = []
    for c in charges:
        if c.norm is None:
            continue
        key = (c.service.name, number(c.norm))
        if key not in seen:
            seen.add(key)
            rows.append({"service": key[0], "norm": key[1], "unit": _norm_unit(c)})
    return rows


def _amounts(row: Amounts) -> dict[str, str]:
    """Every money column, zeros included: a blank would leave the reader guessing the sum."""
    return {
        "charged": money(row.charged),
        "surcharge": money(row.surcharge),
        "recalculation": money(row.recalculation),
        "benefits": money(row.benefits),
        "opening_balance": money(row.opening_balance),
        "paid": money(row.paid),
        "total": money(row.total),
    }


def service_title(charge: Charge) -> str:
    """«Электроснабжение (T1 пик)»: a zone line is labelled with its T-number and name."""
    title = zone_title(charge.zone)
    return f"{charge.service.name} ({title})" if title else charge.service.name


def _charge_row(charge: Charge) -> dict[str, str]:
    return {
        "service": service_title(charge),
        "unit": charge.unit or charge.service.unit,
        "volume": _volume(charge),
        "tariff": tariff_text(charge.tariff),
        **_amounts(Amounts.of_charge(charge)),
    }


def _difference_note(difference: Decimal) -> str:
    """Said aloud where billing's total is not its rows' sum: what is owed is billing's total."""
    if not difference:
        return ""
    return _(
        "Итог биллинга отличается от суммы строк на %(amount)s ₽; к оплате — итог биллинга."
    ) % {"amount": money(difference)}


def _penalty_row(penalties: Amounts) -> dict[str, str]:
    return {"service": _("Пени"), "unit": "", "volume": "", "tariff": "—", **_amounts(penalties)}


def _section(bill: Bill, statement: SectionStatement) -> dict[str, Any]:
    section = statement.section
    charges = statement.lines
    account = bill.account
    supplier = section.supplier
    payment_string = ""
    image: qr.QrImage | None = None
    if qr.has_requisites(supplier):
        payment_string = qr.section_payment_string(
            bill=bill,
            account=account,
            supplier=supplier,
            total=section.total,
            account_number=section.account_number,
            izhku=section.izhku,
        )
        image = qr.qr_image(payment_string)
    rows = [_charge_row(c) for c in charges]
    if statement.penalties is not None:
        rows.append(_penalty_row(statement.penalties))
    return {
        "name": supplier.name,
        "short_name": supplier.short_name,
        "inn": supplier.inn,
        "kpp": supplier.kpp,
        "address": supplier.address,
        "phone": supplier.phone,
        "email": supplier.email,
        "website": supplier.website,
        "has_requisites": image is not None,
        "bank_name": supplier.bank_name,
        "bic": supplier.bic,
        "settlement_account": supplier.settlement_account,
        "correspondent_account": supplier.correspondent_account,
        # The number and ГИС ЖКХ id this recipient knows the customer by, as its QR carries.
        "account_number": qr.payer_number(account, section.account_number),
        "izhku": section.izhku or account.izhku,
        "number": section.number or bill.number,
        "due_date": day(section.due_date or bill.due_date),
        "qr": image.svg if image else "",
        "qr_width_mm": image.width_mm if image else 0,
        "qr_dense": bool(image and image.dense),
        "payment_string": payment_string,
        "itemized": statement.itemized,
        "charges": rows,
        "basis_legend": _basis_legend(charges),
        "recalculations": _recalculations(charges),
        "norms": _norms(charges),
        "totals": _amounts(statement.totals),
        "total": money(section.total),
        "difference": _difference_note(statement.difference),
    }


def consumption(meter: Meter, previous: Decimal, current: Decimal) -> Decimal:
    """Use between two readings of one zone, times the transformation ratio.

    A register that went past its last digit (999999,9 → 000012,3 on a «6.1» meter) starts
    again from zero: the use is what it counted up to the top plus what it counted since.
    """
    used = current - previous
    if used < 0:
        used += Decimal(10) ** meter.integer_digits
    return used * meter.transformation_ratio


def _meter_rows(bill: Bill) -> list[dict[str, str]]:
    """Each meter's previous and current reading as of the bill's period, a row per zone in
    T-number order, as the charge rows run."""
    meters = (
        Meter.objects.filter(account=bill.account)
        .exclude(removed_on__lt=bill.period)
        .select_related("service")
        .order_by("service__sort_order", "serial_number")
    )
    rows = []
    for meter in meters:
        readings = list(
            Reading.objects.filter(meter=meter, period__lte=bill.period)
            .exclude(status=Reading.Status.REJECTED)
            .order_by("-taken_on", "-submitted_at")[:2]
        )
        current = readings[0] if readings else None
        previous = readings[1] if len(readings) > 1 else None
        zones = sorted(enumerate(meter.zone_list), key=lambda item: zone_number(item[1]))
        for position, zone in zones:
            now = current.values[position] if current and position < len(current.values) else None
            before = (
                previous.values[position] if previous and position < len(previous.values) else None
            )
            title = zone_title(zone)
            rows.append(
                {
                    "serial_number": meter.serial_number,
                    "service": f"{meter.service.name} ({title})" if title else meter.service.name,
                    "location": meter.location,
                    "previous": number(before) if before is not None else "",
                    "previous_date": day(previous.taken_on)
                    if previous and before is not None
                    else "",
                    "current": number(now) if now is not None else "",
                    "current_date": day(current.taken_on) if current and now is not None else "",
                    "consumption": number(consumption(meter, before, now))
                    if before is not None and now is not None
                    else "",
                    "verification_due": day(meter.verification_due),
                }
            )
    return rows


def bill_document_data(bill: Bill) -> dict[str, Any]:
    """Everything the bill template prints, as JSON-ready strings (money already formatted)."""
    bill = (
        Bill.objects.select_related("account__premises", "account__supplier")
        .prefetch_related("sections__supplier")
        .get(pk=bill.pk)
    )
    account = bill.account
    premises = account.premises
    statement = bill_statement(bill)
    sections = [_section(bill, section) for section in statement.sections]
    total = statement.total
    return {
        "labels": _labels(),
        "title": _("Единый платёжный документ"),
        "period": period_title(bill.period),
        "number": bill.number,
        "issued_on": day(bill.issued_on),
        "due_date": day(bill.due_date),
        "payer": {
            "owner_name": account.owner_name,
            "address": premises.address if premises else "",
            "account_number": account.number_display or account.number,
            # What the customer types when adding the account in the portal, where the
            # supplier accepts it as the control question.
            "link_code": account.link_code if account.supplier.link_by_code else "",
            "els": account.els,
            "izhku": account.izhku,
            "total_area": number(premises.total_area) if premises and premises.total_area else "",
            "residents": str(premises.residents)
            if premises and premises.residents is not None
            else "",
        },
        # One layout for every section of the document: the surcharge column is there when
        # billing charged one anywhere on the bill.
        "has_surcharge": statement.has_surcharge,
        "sections": sections,
        "meters": _meter_rows(bill),
        "totals": {
            **_amounts(statement.totals),
            "total": money(total if total > 0 else ZERO),
            "advance": money(-total) if total < 0 else "",
            "difference": _difference_note(statement.difference),
        },
    }


def _labels() -> dict[str, str]:
    """The printed words, translated here so the template holds no language."""
    return {
        "period": _("за"),
        "document_id": _("Идентификатор платёжного документа (ИПД)"),
        "issued_on": _("Дата формирования"),
        "payer": _("Плательщик"),
        "address": _("Адрес"),
        "account": _("Лицевой счёт"),
        "link_code": _("Код для привязки"),
        "els": _("ЕЛС"),
        "izhku": _("ИЖКУ"),
        "area": _("Общая площадь, м²"),
        "residents": _("Зарегистрировано"),
        "recipient": _("Получатель платежа"),
        "inn": _("ИНН"),
        "kpp": _("КПП"),
        "bank": _("Банк"),
        "bic": _("БИК"),
        "settlement_account": _("Р/с"),
        "correspondent_account": _("К/с"),
        "no_requisites": _("Реквизиты для оплаты не указаны — оплата по QR-коду недоступна"),
        "service": _("Услуга"),
        "unit": _("Ед. изм."),
        "volume": _("Объём"),
        "tariff": _("Тариф, ₽"),
        "charged": _("Начислено, ₽"),
        "recalculation": _("Перерасчёт, ₽"),
        "surcharge": _("Повышающий коэффициент, ₽"),
        "surcharge_short": _("Повыш. коэфф., ₽"),
        "benefits": _("Льготы, субсидии, ₽"),
        "opening_balance": _("Долг (+) / аванс (−) на начало, ₽"),
        "paid": _("Оплачено, ₽"),
        "to_pay": _("К оплате, ₽"),
        "penalties": _("Пени, ₽"),
        "section_total": _("Итого к оплате получателю, ₽"),
        "rows_total": _("Итого"),
        "website": _("Сайт"),
        "total": _("ИТОГО К ОПЛАТЕ, ₽"),
        "advance": _("Переплата (аванс), ₽"),
        "due_date": _("Оплатить до"),
        "meters": _("Показания приборов учёта"),
        "meter": _("Прибор учёта"),
        "previous": _("Предыдущие показания"),
        "current": _("Текущие показания"),
        "consumption": _("Расход"),
        "verification_due": _("Поверка до"),
        "no_charges": _("Начислений за период нет"),
        "qr_hint": _("Оплата по QR-коду в приложении банка"),
        "qr_dense": _(
            "Мелкий QR-код: печатайте в масштабе 100 %. Если не считывается — оплатите по "
            "реквизитам."
        ),
        "basis": _("Объём определён"),
        "recalculations": _("Перерасчёты"),
        "reason": _("Основание"),
        "amount": _("Сумма, ₽"),
        "norms": _("Справочно: нормативы потребления"),
        "norm": _("Норматив"),
    }


_local = threading.local()


def _compiler() -> typst.Compiler:
    """This thread's compiler of the bill template, made once: a new one per bill loads the
    fonts and parses the template again, a fifth of a bill's layout time. (Per thread: a
    compiler is not to be shared by concurrent calls. Its memory stays flat: 136 MB over 400
    bills.)"""
    compiler: typst.Compiler | None = getattr(_local, "compiler", None)
    if compiler is None:
        compiler = _local.compiler = typst.Compiler(str(TEMPLATE), ignore_system_fonts=True)
    return compiler


def compile_bill(data: dict[str, Any]) -> bytes:
    """Lay out `bill_document_data` as a PDF with typst's built-in fonts (they cover Cyrillic)."""
    pdf = _compiler().compile(
        format="pdf", sys_inputs={"data": json.dumps(data, ensure_ascii=False)}
    )
    if not isinstance(pdf, bytes):  # a list of pages only for image formats
        raise TypeError("typst returned pages instead of a PDF")
    return pdf


def render_bill_pdf(bill: Bill) -> bytes:
    """The bill as a PDF (one or more A4 pages)."""
    return compile_bill(bill_document_data(bill))


def bill_filename(bill: Bill) -> str:
    """`kvitanciya_<account>_<YYYY-MM>.pdf`, ASCII only so every mail client keeps it."""
    account_number = re.sub(r"[^0-9A-Za-z-]+", "_", bill.account.number).strip("_") or "account"
    return f"kvitanciya_{account_number}_{bill.period:%Y-%m}.pdf"
