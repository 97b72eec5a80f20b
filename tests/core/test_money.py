"""One way to read rubles and one way to show them: as customers type them, as pages print them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kabinet.billing.models import Bill
from kabinet.core.money import (
    ZERO,
    RublesError,
    allocate,
    format_rubles,
    from_kopecks,
    kopecks_sum,
    parse_rubles,
    plain_rubles,
)
from tests.factories import make_account

NBSP = "\u00a0"
AMOUNTS = st.decimals(
    min_value=Decimal("-99999999999.99"),
    max_value=Decimal("99999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@given(AMOUNTS)
def test_what_is_shown_reads_back_as_the_same_amount(amount: Decimal) -> None:
    for shown in (format_rubles(amount), format_rubles(amount, symbol=False)):
        assert parse_rubles(shown, minimum=None) == amount
    assert parse_rubles(plain_rubles(amount), minimum=None) == amount
    assert parse_rubles(plain_rubles(amount, decimal_separator=","), minimum=None) == amount


@given(AMOUNTS.filter(lambda amount: amount > 0))
def test_a_positive_amount_reads_back_with_the_default_rules(amount: Decimal) -> None:
    assert parse_rubles(format_rubles(amount)) == amount


@pytest.mark.parametrize(
    ("amount", "kwargs", "shown"),
    [
        (Decimal("1545.13"), {}, f"1{NBSP}545,13{NBSP}₽"),
        (Decimal("18355.53"), {"symbol": False}, f"18{NBSP}355,53"),
        (Decimal("1234567.891"), {}, f"1{NBSP}234{NBSP}567,89{NBSP}₽"),
        (Decimal("999.995"), {}, f"1{NBSP}000,00{NBSP}₽"),
        (Decimal("-1.00"), {}, f"\u22121,00{NBSP}₽"),
        (Decimal("-1.00"), {"sign": False}, f"1,00{NBSP}₽"),
        (Decimal("-0.004"), {}, f"0,00{NBSP}₽"),
        (0, {"symbol": False}, "0,00"),
        (12, {}, f"12,00{NBSP}₽"),
    ],
)
def test_it_shows_an_amount_grouped_with_a_comma(
    amount: Decimal, kwargs: dict[str, bool], shown: str
) -> None:
    assert format_rubles(amount, **kwargs) == shown


def test_money_is_never_float() -> None:
    with pytest.raises(TypeError):
        format_rubles(0.1)  # type: ignore[arg-type]


def test_machines_get_a_point_no_groups_and_an_ascii_minus() -> None:
    assert plain_rubles(Decimal("-18355.5")) == "-18355.50"
    assert plain_rubles(Decimal("18355.53"), decimal_separator=",") == "18355,53"
    assert plain_rubles(Decimal("-0.001")) == "0.00"


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1545", Decimal("1545.00")),
        ("1545,1", Decimal("1545.10")),
        ("1545.13", Decimal("1545.13")),
        ("1 545,13", Decimal("1545.13")),
        (f"1{NBSP}545,13{NBSP}₽", Decimal("1545.13")),
        ("1\u202f545,13", Decimal("1545.13")),
        ("1\u2009545,13", Decimal("1545.13")),
        ("  12 345 678,00 ₽ ", Decimal("12345678.00")),
        ("1545 руб.", Decimal("1545.00")),
        ("1545руб", Decimal("1545.00")),
        ("1545 р.", Decimal("1545.00")),
        ("0,01", Decimal("0.01")),
    ],
)
def test_it_reads_an_amount_as_people_type_it(typed: str, amount: Decimal) -> None:
    assert parse_rubles(typed) == amount


@pytest.mark.parametrize(
    ("typed", "kwargs", "code", "message"),
    [
        ("", {}, "invalid", "Введите сумму в рублях, например 1 545,13."),
        ("сто", {}, "invalid", "Введите сумму в рублях, например 1 545,13."),
        ("1e3", {}, "invalid", "Введите сумму в рублях, например 1 545,13."),
        # A space that does not split off thousands is a typo, not a group: not 154 513.
        ("1545 13", {}, "invalid", "Введите сумму в рублях, например 1 545,13."),
        # Which one is the decimal separator? The reader could not tell.
        ("1,545.13", {}, "invalid", "Введите сумму в рублях, например 1 545,13."),
        ("1.545,13", {}, "invalid", "Введите сумму в рублях, например 1 545,13."),
        ("+5", {}, "invalid", "Введите сумму в рублях, например 1 545,13."),
        ("10,123", {}, "max_decimal_places", "Не больше двух знаков после запятой."),
        ("0", {}, "not_positive", "Сумма должна быть больше нуля."),
        ("-5", {}, "not_positive", "Сумма должна быть больше нуля."),
        ("-5", {"minimum": ZERO}, "negative", "Сумма не может быть отрицательной."),
        (
            "10",
            {"minimum": Decimal("50")},
            "min_value",
            f"Сумма должна быть не меньше 50,00{NBSP}₽.",
        ),
        (
            "1 000 000,01",
            {"maximum": Decimal("1000000")},
            "max_value",
            f"Сумма должна быть не больше 1{NBSP}000{NBSP}000,00{NBSP}₽.",
        ),
        ("1" * 17, {"minimum": None}, "max_value", "Слишком большая сумма."),
    ],
)
def test_it_refuses_with_a_reason(
    typed: str, kwargs: dict[str, Decimal | None], code: str, message: str
) -> None:
    with pytest.raises(RublesError) as refused:
        parse_rubles(typed, **kwargs)
    assert isinstance(refused.value, ValueError)
    assert (refused.value.code, refused.value.message, str(refused.value)) == (
        code,
        message,
        message,
    )


def test_zero_and_negative_amounts_where_allowed() -> None:
    assert parse_rubles("0", minimum=ZERO) == ZERO
    assert parse_rubles("-0", minimum=ZERO) == ZERO
    assert parse_rubles("-1 545,13", minimum=None) == Decimal("-1545.13")
    assert parse_rubles("\u22121545,13 ₽", minimum=None) == Decimal("-1545.13")


LIMITS = st.lists(
    st.decimals(min_value=ZERO, max_value=Decimal("99999.99"), places=2),
    min_size=1,
    max_size=8,
).filter(lambda limits: sum(limits) > 0)


@given(limits=LIMITS, share=st.fractions(min_value=0, max_value=1))
def test_allocated_parts_add_up_to_the_total_and_none_exceeds_its_limit(
    limits: list[Decimal], share: object
) -> None:
    whole = sum(limits, ZERO)
    total = (whole * Decimal(share.numerator) / Decimal(share.denominator)).quantize(  # type: ignore[attr-defined]
        Decimal("0.01"), rounding="ROUND_DOWN"
    )

    parts = allocate(total, limits)

    assert sum(parts, ZERO) == total
    assert all(ZERO <= part <= limit for part, limit in zip(parts, limits, strict=True))
    assert all(part == part.quantize(Decimal("0.01")) for part in parts)


@given(limits=LIMITS)
def test_allocating_everything_gives_every_part_its_whole_limit(limits: list[Decimal]) -> None:
    assert allocate(sum(limits, ZERO), limits) == limits


def test_allocation_is_proportional_and_the_kopeck_left_goes_to_the_largest_loss() -> None:
    assert allocate(
        Decimal("100.00"), [Decimal("684.70"), Decimal("1400.00"), Decimal("12.34")]
    ) == [
        Decimal("32.65"),
        Decimal("66.76"),
        Decimal("0.59"),
    ]
    assert allocate(Decimal("0.01"), [Decimal("1.00"), Decimal("1.00")]) == [
        Decimal("0.01"),
        Decimal("0.00"),
    ]


@pytest.mark.parametrize("total", [Decimal("3.01"), Decimal("-0.01")])
def test_allocating_more_than_the_limits_or_a_negative_total_is_an_error(total: Decimal) -> None:
    with pytest.raises(ValueError, match="cannot allocate"):
        allocate(total, [Decimal("1.00"), Decimal("2.00")])


@pytest.mark.django_db
@settings(max_examples=40, deadline=None)
@given(
    amounts=st.lists(
        st.decimals(
            min_value=Decimal("-999999999.99"),
            max_value=Decimal("999999999.99"),
            places=2,
            allow_nan=False,
            allow_infinity=False,
        ),
        min_size=1,
        max_size=24,
    )
)
def test_a_sum_in_sql_is_exactly_the_sum_of_the_amounts(amounts: list[Decimal]) -> None:
    """On SQLite the column holds binary floats: 0.1 + 0.2 must still come back 0.30."""
    account = make_account()
    Bill.objects.bulk_create(
        Bill(account=account, period=dt.date(2000 + i // 12, i % 12 + 1, 1), total=amount)
        for i, amount in enumerate(amounts)
    )
    kopecks = Bill.objects.filter(account=account).aggregate(k=kopecks_sum("total"))["k"]
    assert from_kopecks(kopecks) == sum(amounts, Decimal("0.00"))


def test_from_kopecks_refuses_a_float() -> None:
    assert from_kopecks(None) == Decimal("0.00")
    assert from_kopecks(-30) == Decimal("-0.30")
    with pytest.raises(TypeError):
        from_kopecks(0.3)  # type: ignore[arg-type]
