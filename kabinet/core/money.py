"""Money is Decimal with two places, never float; one way to read it and one way to show it.

``parse_rubles`` reads an amount a person typed, ``format_rubles`` writes one for a person to
read, and ``plain_rubles`` writes one for a machine (files for billing, payment providers).
Rubles are written the Russian way in every interface language — «18 355,53 ₽» — because the
customer holds them against a paper bill printed that way, and so that what the portal shows
can be typed back into it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db.models import BigIntegerField, F, Sum
from django.db.models.functions import Cast, Round
from django.utils.translation import gettext as _

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")
NBSP = "\u00a0"
MINUS = "\u2212"
SYMBOL = "₽"

# Group separators people type or paste: a space, a no-break space, a narrow no-break space
# (what browsers' ru-RU number formatting gives) and a thin space.
_SPACES = " \u00a0\u202f\u2009"
_AMOUNT_RE = re.compile(
    rf"""
    (?P<sign>[-{MINUS}])?[{_SPACES}]*
    (?P<whole>\d{{1,3}}(?:[{_SPACES}]\d{{3}})+|\d+)
    (?:[.,](?P<fraction>\d+))?
    [{_SPACES}]*(?:{SYMBOL}|руб\.?|р\.?)?
    """,
    re.VERBOSE | re.IGNORECASE,
)
# Sixteen whole digits are more than any amount Kabinet stores (max_digits=14).
_MAX_WHOLE_DIGITS = 16


class RublesError(ValueError):
    """Why a text is not an acceptable amount.

    ``message`` is a sentence for the customer in the active language; ``code`` is for
    machines: ``invalid``, ``max_decimal_places``, ``not_positive``, ``negative``,
    ``min_value`` or ``max_value``.
    """

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def to_money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)


def to_kopecks(value: Decimal) -> int:
    return int(to_money(value) * 100)


def from_kopecks(value: Decimal | int | None) -> Decimal:
    """Rubles from a whole number of kopecks (None, an empty sum, is zero)."""
    if isinstance(value, float):
        raise TypeError("money is never float")
    return (Decimal(value or 0) / 100).quantize(KOPECK)


def kopecks_sum(field: str) -> Sum:
    """SUM of a money column in whole kopecks; read the result with ``from_kopecks``.

    Exact on both databases: SQLite keeps a decimal column with a fraction as a binary float,
    whose plain SUM is off by a fraction of a kopeck; each row rounded to whole kopecks first
    adds up as integers there and as numeric on PostgreSQL.
    """
    return Sum(Cast(Round(F(field) * 100), output_field=BigIntegerField()))


def parse_rubles(
    text: str, *, minimum: Decimal | None = KOPECK, maximum: Decimal | None = None
) -> Decimal:
    """An amount as a person types it → Decimal with two places, or RublesError saying why.

    Accepted: «1545», «1545,13», «1545.13», «1 545,13» (the groups of three digits separated by
    spaces, no-break, narrow no-break or thin spaces — nothing else, so «1545 13» is refused
    rather than read as 154 513), «1 545,13 ₽», «1545 руб.», «1545 р.», a leading minus
    («-» or «−») where ``minimum`` allows it, and at most two digits after the separator.
    Refused: an empty text, letters, a point or comma as a thousands separator («1,545.13» —
    the reader could not tell which one is the decimal), exponents, three or more decimals.

    ``minimum`` is the least amount accepted: a kopeck by default (the amount must be above
    zero), ``ZERO`` to allow zero but no negative amount, None for any sign. ``maximum``, when
    given, is the largest one.
    """
    match = _AMOUNT_RE.fullmatch(text.strip())
    if match is None:
        raise RublesError(_("Введите сумму в рублях, например 1 545,13."))
    whole = re.sub(f"[{_SPACES}]", "", match["whole"])
    fraction = match["fraction"]
    if fraction is not None and len(fraction) > 2:
        raise RublesError(_("Не больше двух знаков после запятой."), "max_decimal_places")
    if len(whole.lstrip("0")) > _MAX_WHOLE_DIGITS:
        raise RublesError(_("Слишком большая сумма."), "max_value")
    try:
        amount = Decimal(f"{whole}.{fraction or '0'}").quantize(KOPECK)
    except InvalidOperation:  # pragma: no cover - the pattern admits digits only
        raise RublesError(_("Введите сумму в рублях, например 1 545,13.")) from None
    if match["sign"]:
        amount = -amount
    if minimum is not None and amount < minimum:
        if minimum == KOPECK:
            raise RublesError(_("Сумма должна быть больше нуля."), "not_positive")
        if minimum == ZERO:
            raise RublesError(_("Сумма не может быть отрицательной."), "negative")
        raise RublesError(
            _("Сумма должна быть не меньше %(minimum)s.") % {"minimum": format_rubles(minimum)},
            "min_value",
        )
    if maximum is not None and amount > maximum:
        raise RublesError(
            _("Сумма должна быть не больше %(maximum)s.") % {"maximum": format_rubles(maximum)},
            "max_value",
        )
    return amount + ZERO  # «-0» reads as zero without a sign


def format_rubles(amount: Decimal | int, *, sign: bool = True, symbol: bool = True) -> str:
    """«1 545,13 ₽»: rounded half up to kopecks, groups of three digits and the symbol set off
    by no-break spaces (a line never breaks inside an amount), a comma before the kopecks.

    A negative amount starts with a minus sign «−» (U+2212): a page that shows an overpayment
    as a negative number, as the charges table's «долг (+) / переплата (−)» column does. With
    ``sign=False`` only the size is shown, for a page whose words already say which way the
    money goes («Переплата 1,00 ₽»). ``symbol=False`` leaves the «₽» out, for a table column
    whose header names it. The output reads back through ``parse_rubles``.
    """
    if isinstance(amount, float):
        raise TypeError("money is never float")  # binary fractions cannot hold kopecks
    rounded = Decimal(amount).quantize(KOPECK, rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,f}".replace(",", NBSP).replace(".", ",")
    if sign and rounded < 0:  # -0.004 rounds to 0,00, shown without a sign
        text = MINUS + text
    return f"{text}{NBSP}{SYMBOL}" if symbol else text


def plain_rubles(amount: Decimal | int, *, decimal_separator: str = ".") -> str:
    """«-1545.13»: for machines — no grouping, no symbol, an ASCII minus, two places always."""
    if isinstance(amount, float):
        raise TypeError("money is never float")
    rounded = Decimal(amount).quantize(KOPECK, rounding=ROUND_HALF_UP) + ZERO
    return f"{rounded:f}".replace(".", decimal_separator)


def allocate(total: Decimal, limits: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` over parts in proportion to ``limits``, exactly to the kopeck.

    The parts add up to ``total`` and none exceeds its limit: each gets its proportional share
    rounded down to a kopeck, and the kopecks left go one each to the parts whose share lost
    the most in rounding (the earliest first on a tie). Refunding everything that is left
    (``total == sum(limits)``) gives every part its whole limit. Raises ValueError for a
    negative limit or a total above their sum.
    """
    kopecks = [to_kopecks(limit) for limit in limits]
    wanted = to_kopecks(total)
    whole = sum(kopecks)
    if any(k < 0 for k in kopecks) or wanted < 0 or wanted > whole:
        raise ValueError(f"cannot allocate {total} over {list(limits)}")
    if wanted == 0:
        return [ZERO for _limit in kopecks]
    shares = [divmod(wanted * k, whole) for k in kopecks]
    parts = [share for share, _rest in shares]
    left = wanted - sum(parts)
    by_loss = sorted(range(len(kopecks)), key=lambda i: (-shares[i][1], i))
    for i in by_loss[:left]:
        parts[i] += 1
    return [(Decimal(part) / 100).quantize(KOPECK) for part in parts]
