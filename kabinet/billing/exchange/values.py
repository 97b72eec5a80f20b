"""Parsers for the value types of the exchange formats (docs/exchange.md, "Values").

Each parser takes the trimmed, non-empty text of a cell and returns a Python value or raises
ValueProblem with a Russian message for the person who will fix the file. They are strict on
purpose: `1 234,56` or `12.13.2024` are refused rather than guessed at, because a guess that is
wrong moves someone's money.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from kabinet.core.accounts import normalize_account_number
from kabinet.core.periods import parse_period


class ValueProblem(ValueError):
    """A cell that cannot be read; the message is shown to the integrator as is."""


Parser = Callable[[str], Any]

_DECIMAL_RE = re.compile(r"^-?\d{1,12}(?:[.,](\d+))?$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_RU_DATE_RE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
_DATETIME_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}\.\d{4})"
    r"(?:[ T](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d{1,6})?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)
_FLAGS = {
    "1": True,
    "0": False,
    "да": True,
    "нет": False,
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "д": True,
    "н": False,
}


def _looks_grouped(text: str) -> bool:
    return " " in text or "\u00a0" in text or ("," in text and "." in text)


def decimal_parser(places: int, *, allow_negative: bool = True, label: str = "число") -> Parser:
    """A decimal with `.` or `,` and at most `places` fraction digits.

    Cached: tariffs, zero amounts and round sums repeat on most lines of a monthly file, and a
    cache hit costs a tenth of a parse. Decimals are immutable, so sharing them is safe.
    """

    @lru_cache(maxsize=1 << 16)
    def parse(text: str) -> Decimal:
        match = _DECIMAL_RE.match(text)
        if not match:
            if _looks_grouped(text):
                raise ValueProblem(
                    f"«{text}»: {label} без пробелов и разделителей тысяч, например 1234,56."
                )
            raise ValueProblem(f"«{text}» — не {label}.")
        fraction = match.group(1)
        if fraction is not None and len(fraction) > places:
            raise ValueProblem(f"«{text}»: не больше {places} знаков после запятой.")
        if not allow_negative and text.startswith("-"):
            raise ValueProblem(f"«{text}»: значение не может быть отрицательным.")
        return Decimal(text.replace(",", "."))

    return parse


money = decimal_parser(2, label="сумма")
money_positive_only = decimal_parser(2, allow_negative=False, label="сумма")
quantity = decimal_parser(4, label="число")
quantity_not_negative = decimal_parser(4, allow_negative=False, label="число")
price = decimal_parser(4, allow_negative=False, label="цена")
area = decimal_parser(2, allow_negative=False, label="площадь")


def positive_money(text: str) -> Decimal:
    value = money_positive_only(text)
    if value == 0:
        raise ValueProblem("Сумма должна быть больше нуля.")
    return value


def whole_number(text: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise ValueProblem(f"«{text}» — не целое неотрицательное число.")
    return int(text)


@lru_cache(maxsize=4096)
def date(text: str) -> dt.date:
    """`YYYY-MM-DD` or `DD.MM.YYYY`. Cached: a monthly file repeats a handful of dates."""
    match = _ISO_DATE_RE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _RU_DATE_RE.match(text)
        if not match:
            raise ValueProblem(f"«{text}» — не дата; пишите ГГГГ-ММ-ДД или ДД.ММ.ГГГГ.")
        day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueProblem(f"«{text}»: такой даты нет.") from None


@lru_cache(maxsize=512)
def period(text: str) -> dt.date:
    try:
        return parse_period(text)
    except ValueError:
        raise ValueProblem(f"«{text}» — не период; пишите ГГГГ-ММ или ММ.ГГГГ.") from None


def datetime_parser(default_zone: ZoneInfo) -> Parser:
    """A date, a local date and time (in `default_zone`) or ISO 8601 with an offset → aware."""

    def parse(text: str) -> dt.datetime:
        match = _DATETIME_RE.match(text)
        if not match:
            raise ValueProblem(f"«{text}» — не дата и время; пишите ГГГГ-ММ-ДД ЧЧ:ММ.")
        day = date(match.group("date"))
        try:
            clock = dt.time(
                int(match.group("h") or 0), int(match.group("m") or 0), int(match.group("s") or 0)
            )
        except ValueError:
            raise ValueProblem(f"«{text}»: такого времени нет.") from None
        zone_text = match.group("tz")
        if zone_text:
            try:
                parsed = dt.datetime.fromisoformat(f"{day.isoformat()}T{clock}{zone_text}")
            except ValueError:
                raise ValueProblem(f"«{text}»: непонятный часовой пояс.") from None
            return parsed.astimezone(dt.UTC)
        return dt.datetime.combine(day, clock, tzinfo=default_zone).astimezone(dt.UTC)

    return parse


def flag(text: str) -> bool:
    try:
        return _FLAGS[text.lower()]
    except KeyError:
        raise ValueProblem(f"«{text}»: ожидается 1 или 0 (да/нет).") from None


def text(max_length: int) -> Parser:
    # Codes (supplier, service, zone, unit) repeat on every line: a cache hit beats the call.
    @lru_cache(maxsize=1 << 12)
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise ValueProblem(f"Слишком длинное значение: больше {max_length} символов.")
        return value

    return parse


def pattern(regex: str, message: str, max_length: int) -> Parser:
    compiled = re.compile(regex)

    def parse(value: str) -> str:
        if len(value) > max_length or not compiled.match(value):
            raise ValueProblem(f"«{value}»: {message}")
        return value

    return parse


def choice(options: dict[str, Any]) -> Parser:
    """One of a fixed set of words (case-insensitive); the message lists them."""
    listed = ", ".join(k for k in options if k)

    def parse(value: str) -> Any:
        try:
            return options[value.lower()]
        except KeyError:
            raise ValueProblem(f"«{value}»: допустимые значения — {listed}.") from None

    return parse


class AccountNumber(str):
    """A normalised account number that remembers how the file wrote it."""

    display: str


@lru_cache(maxsize=1 << 18)
def account_number(value: str) -> AccountNumber:
    """Cached: a month's charges repeat each account on eight or so lines."""
    number = AccountNumber(normalize_account_number(value))
    if not number:
        raise ValueProblem(f"«{value}» — не номер лицевого счёта.")
    if len(number) > 30 or len(value) > 40:
        raise ValueProblem("Номер лицевого счёта длиннее 30 символов.")
    number.display = value
    return number
