from __future__ import annotations

import pytest

from kabinet.core.accounts import normalize_account_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("л/с № 00123-456", "123456"),
        ("Л/С: 001", "1"),
        ("л.с. 0042", "42"),
        ("ЛС 77", "77"),
        ("Лицевой счёт № 000123", "123"),
        ("№0012", "12"),
        ("No. 5", "5"),
        ("N 123", "123"),
        ("  12 34-56  ", "123456"),
        ("12–34—56", "123456"),
        ("12/34.56_7", "1234567"),
    ],
)
def test_it_removes_prefixes_separators_and_leading_zeros(raw: str, expected: str) -> None:
    assert normalize_account_number(raw) == expected


def test_it_keeps_an_all_zero_number_as_zero() -> None:
    assert normalize_account_number("0000") == "0"
    assert normalize_account_number("л/с 0-00") == "0"


def test_it_upper_cases_letters() -> None:
    assert normalize_account_number("ab-12") == "AB12"
    assert normalize_account_number("тк 0042") == "ТК0042"


@pytest.mark.parametrize(("raw", "expected"), [("NSK-0042", "NSK0042"), ("nord 1", "NORD1")])
def test_it_keeps_a_leading_n_that_belongs_to_the_number(raw: str, expected: str) -> None:
    assert normalize_account_number(raw) == expected


def test_it_returns_an_empty_string_for_noise_only() -> None:
    assert normalize_account_number("  ") == ""
    assert normalize_account_number("л/с №") == ""


def test_it_is_idempotent() -> None:
    once = normalize_account_number("л/с № 00123-456 А")

    assert normalize_account_number(once) == once
