"""Bank requisites of a recipient: the Bank of Russia control key of its accounts.

A 20-digit account carries a control key in its 9th digit, computed with a three-digit number of
the place the account is kept at (Bank of Russia, «Порядок расчёта контрольного ключа в номере
лицевого счёта», № 515 of 08.09.1997):

- an account at a bank: the last three digits of the bank's БИК;
- an account at a Bank of Russia division (РКЦ) or a Treasury office (ТОФК), and a bank's
  correspondent account (kept at the Bank of Russia): «0» and the 5th–6th digits of the БИК.

Weights 7, 1, 3 repeat over the 23 digits; the account is right when the sum of the products
ends in 0. A typo in one digit never passes, and neither does a right account with the wrong
БИК, which a payment QR would send nowhere (or to someone else).

Treasury accounts («казначейский счёт», 03… at a Treasury office's БИК) carry no such key and
are not checked.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 1, 3) * 8
_DIGITS_RE = re.compile(r"^\d+$", re.ASCII)

SETTLEMENT_KEY_MISMATCH = _(
    "Расчётный счёт не сходится с БИК (неверный контрольный ключ): проверьте счёт и БИК."
)
CORRESPONDENT_KEY_MISMATCH = _(
    "Корреспондентский счёт не сходится с БИК (неверный контрольный ключ): проверьте счёт и БИК."
)


def _well_formed(bic: str, account: str) -> bool:
    return (
        len(bic) == 9
        and len(account) == 20
        and bool(_DIGITS_RE.match(bic))
        and bool(_DIGITS_RE.match(account))
    )


def is_bank_of_russia_or_treasury(bic: str) -> bool:
    """Whether the БИК is a Bank of Russia division's or a Treasury office's, not a bank's.

    Banks have БИК «04…» ending in 050–999; Bank of Russia divisions end in 000–049 and the
    Treasury offices' БИК (since 2021) begin «00» or «01».
    """
    return not bic.startswith("04") or int(bic[-3:]) < 50


def key_matches(prefix: str, account: str) -> bool:
    """Whether the three-digit `prefix` and the 20-digit `account` sum to a multiple of 10."""
    digits = prefix + account
    return sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False)) % 10 == 0


def settlement_account_matches(bic: str, account: str) -> bool:
    """Whether the recipient's account is keyed right for the bank named by `bic`.

    Malformed values (not 9 and 20 digits) are the format validators' business and pass here.
    """
    if not _well_formed(bic, account):
        return True
    if account.startswith("03") and bic.startswith(("00", "01")):
        return True  # a treasury account at a Treasury office: no key to check
    if is_bank_of_russia_or_treasury(bic):
        return key_matches("0" + bic[4:6], account)
    return key_matches(bic[-3:], account)


def correspondent_account_matches(bic: str, account: str) -> bool:
    """Whether the bank's correspondent account (or a Treasury office's single treasury
    account, ЕКС) is keyed right: both are kept at the Bank of Russia."""
    if not _well_formed(bic, account):
        return True
    return key_matches("0" + bic[4:6], account)


def requisites_problems(
    *, bic: str, settlement_account: str, correspondent_account: str
) -> dict[str, str]:
    """The field → Russian message of every account whose key does not match the БИК."""
    problems: dict[str, str] = {}
    if not settlement_account_matches(bic, settlement_account):
        problems["settlement_account"] = str(SETTLEMENT_KEY_MISMATCH)
    if not correspondent_account_matches(bic, correspondent_account):
        problems["correspondent_account"] = str(CORRESPONDENT_KEY_MISMATCH)
    return problems


def with_control_key(prefix: str, account: str) -> str:
    """`account` with its 9th digit set to the key for `prefix` (for demo data and tests)."""
    base = account[:8] + "0" + account[9:]
    total = sum(int(d) * w for d, w in zip(prefix + base, _WEIGHTS, strict=False))
    key = total % 10 * 3 % 10
    return f"{base[:8]}{key}{base[9:]}"
