"""Payment QR codes (GOST R 56042-2014) for the recipient sections of a bill.

The string is `ST0001` + `2` (UTF-8) + a separator, then `Key=Value` pairs joined by that
separator: the mandatory block (Name, PersonalAcc, BankName, BIC, CorrespAcc) first and in that
order, then the optional fields utilities use. Values are cut to the lengths the standard allows
and the mandatory block to its 300 bytes. The image is made by zxing-cpp (a native encoder: a
bill's two codes took 85 ms with segno, pure Python, and take about 3 ms) from the string's UTF-8
bytes: given text, encoders pick Shift_JIS for Cyrillic, which a banking app reads wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import zxingcpp

from kabinet.billing.models import Account, Bill, Supplier
from kabinet.core.money import to_kopecks

HEADER = "ST00012"
# "|" is the usual separator; the others are taken, in order, when a value contains it.
SEPARATORS = ("|", "#", ";", ":", "^", "~", "!", "$", "*", "+", "%", "&", "@")
MANDATORY_BLOCK_BYTES = 300
MANDATORY_KEYS = ("Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc")
MAX_LENGTHS = {
    "Name": 160,
    "PersonalAcc": 20,
    "BankName": 45,
    "BIC": 9,
    "CorrespAcc": 20,
    "PayeeINN": 12,
    "KPP": 9,
    "Sum": 18,
    "PersAcc": 30,
    "Purpose": 210,
    "PaymPeriod": 6,
    "LastName": 60,
    "FirstName": 60,
    "MiddleName": 60,
    "PayerAddress": 160,
    "TechCode": 2,
}
TECH_CODE_UTILITIES = "02"

_WHITESPACE_RE = re.compile(r"\s+")
_DIGITS_RE = re.compile(r"^\d+$", re.ASCII)


class RequisitesMissing(ValueError):
    """The recipient has no complete bank requisites: no QR can be made for it."""


def has_requisites(supplier: Supplier) -> bool:
    """Whether the supplier has the mandatory block of a payment QR, well-formed."""
    return (
        bool(supplier.name.strip())
        and bool(supplier.bank_name.strip())
        and len(supplier.settlement_account) == 20
        and bool(_DIGITS_RE.match(supplier.settlement_account))
        and len(supplier.bic) == 9
        and bool(_DIGITS_RE.match(supplier.bic))
        and bool(_DIGITS_RE.match(supplier.correspondent_account))
    )


def _clean(value: str) -> str:
    """One line, no surrounding spaces: a line break has no place in a QR field."""
    return _WHITESPACE_RE.sub(" ", value).strip()


def _cut_to_bytes(value: str, limit: int) -> str:
    encoded = value.encode("utf-8")
    if len(encoded) <= limit:
        return value
    return encoded[: max(limit, 0)].decode("utf-8", errors="ignore").rstrip()


def build_payment_string(fields: Sequence[tuple[str, str]]) -> str:
    """Join (key, value) pairs into a GOST R 56042-2014 string.

    The mandatory keys must come first, in the standard's order. Empty optional values are left
    out; values are cut to their maximum length, and Name further so that the mandatory block
    fits in 300 bytes.
    """
    keys = [key for key, _value in fields]
    if tuple(keys[: len(MANDATORY_KEYS)]) != MANDATORY_KEYS:
        raise ValueError(f"the mandatory fields must come first, in order: {MANDATORY_KEYS}")
    pairs: list[tuple[str, str]] = []
    for key, raw in fields:
        value = _clean(raw)
        limit = MAX_LENGTHS.get(key)
        if limit is not None:
            value = value[:limit].rstrip()
        if not value and key not in MANDATORY_KEYS:
            continue
        pairs.append((key, value))
    values = [value for _key, value in pairs]
    separator = next((s for s in SEPARATORS if not any(s in v for v in values)), None)
    if separator is None:
        raise ValueError("every separator the string could use occurs in a value")
    # Header, separator and the other mandatory pairs take what they take; Name gets the rest.
    others = sum(len(f"{separator}{k}={v}".encode()) for k, v in pairs[1 : len(MANDATORY_KEYS)])
    room = MANDATORY_BLOCK_BYTES - len(HEADER) - len(f"{separator}Name=".encode()) - others
    pairs[0] = ("Name", _cut_to_bytes(pairs[0][1], room))
    return HEADER + "".join(f"{separator}{key}={value}" for key, value in pairs)


def parse_payment_string(text: str) -> dict[str, str]:
    """The fields of a GOST R 56042-2014 string (the header's separator is the 8th character)."""
    if not text.startswith("ST0001") or len(text) < 8:
        raise ValueError("not a GOST R 56042-2014 string")
    separator = text[7]
    fields: dict[str, str] = {}
    for part in text[8:].split(separator):
        key, _eq, value = part.partition("=")
        fields[key] = value
    return fields


def _name_parts(owner_name: str) -> tuple[str, str, str]:
    parts = _clean(owner_name).split(" ")
    last = parts[0] if parts else ""
    first = parts[1] if len(parts) > 1 else ""
    middle = " ".join(parts[2:])
    return last, first, middle


def payer_number(account: Account, recipient_number: str = "") -> str:
    """The account number a recipient knows the payer by, as billing gave it.

    The recipient's own number for the customer where billing sent one (an agent's bill), else
    the account's number as printed («00123456»), not the portal's normalised key («123456»):
    the bank's registry goes back to the recipient's billing, which knows only its own form.
    """
    number = _clean(recipient_number) or _clean(account.number_display) or account.number
    if len(number) > MAX_LENGTHS["PersAcc"]:
        number = account.number
    return number


def section_payment_string(
    *,
    bill: Bill,
    account: Account,
    supplier: Supplier,
    total: Decimal,
    account_number: str = "",
    izhku: str = "",
) -> str:
    """The QR string that pays `total` of one recipient's section of `bill`.

    `account_number` and `izhku` are the customer's number and ГИС ЖКХ service id at this
    recipient; empty, the account's own are used. Raises RequisitesMissing when the supplier
    has no complete bank requisites.
    """
    if not has_requisites(supplier):
        raise RequisitesMissing(supplier.code)
    last, first, middle = _name_parts(account.owner_name)
    period = f"{bill.period:%m%Y}"
    premises = account.premises
    number = payer_number(account, account_number)
    purpose = f"Оплата ЖКУ за {bill.period:%m.%Y}, л/с {number}"
    # The standard has no field for the ИЖКУ; the purpose is what every registry carries.
    service_id = _clean(izhku) or account.izhku
    if service_id:
        purpose += f", ИЖКУ {service_id}"
    fields: list[tuple[str, str]] = [
        ("Name", supplier.name),
        ("PersonalAcc", supplier.settlement_account),
        ("BankName", supplier.bank_name),
        ("BIC", supplier.bic),
        ("CorrespAcc", supplier.correspondent_account),
        ("PayeeINN", supplier.inn),
        ("KPP", supplier.kpp),
        # Nothing to pay (an advance): the payer enters the amount.
        ("Sum", str(to_kopecks(total)) if total > 0 else ""),
        ("PersAcc", number),
        ("Purpose", purpose),
        ("PaymPeriod", period),
        ("LastName", last),
        ("FirstName", first),
        ("MiddleName", middle),
        ("PayerAddress", premises.address if premises else ""),
        ("TechCode", TECH_CODE_UTILITIES),
    ]
    return build_payment_string(fields)


QUIET_ZONE = 4  # modules of white around the symbol, as the QR standard asks
# A module has to cover well over two pixels of a 100 dpi scan (a fax, a cheap scanner, a phone
# photo of a printout) for a decoder to tell it from its smeared neighbours: measured with
# pdftoppm -r 100 and zbarimg, 0.55 mm failed and 0.6 mm decoded (2.4 px).
MODULE_MM = 0.6
# The widest the bill's section lays a code out (quiet zone included) beside the requisites:
# a utility's usual string (500–560 bytes, version 18 at level M) fits at MODULE_MM.
MAX_WIDTH_MM = 60.0
# The most bytes a code at level M holds within MAX_WIDTH_MM at MODULE_MM: version 18 (89
# modules, 58.2 mm with the quiet zone) holds 558 in byte mode (a test keeps this true).
M_FITS_BYTES = 558


@dataclass(frozen=True)
class QrImage:
    """A QR code as the bill lays it out: the SVG and its printed size."""

    svg: str
    width_mm: float  # printed width, quiet zone included
    module_mm: float

    @property
    def dense(self) -> bool:
        """Squeezed below MODULE_MM to fit MAX_WIDTH_MM: a poor print or scan may not decode."""
        return self.module_mm < MODULE_MM


def _modules(text: str, error: str) -> tuple[bytes, int]:
    """The symbol's modules without the quiet zone, row by row (0 dark, 255 light), and its
    side in modules.

    The content goes in as UTF-8 bytes: given a str, zxing-cpp picks Shift_JIS for Cyrillic,
    which a banking app reads wrong. Bytes are written in byte mode as they are, without an ECI
    header, as the standard's «2» in the header already says UTF-8.
    """
    code = zxingcpp.create_barcode(
        text.encode("utf-8"), zxingcpp.BarcodeFormat.QRCode, ec_level=error
    )
    image = code.to_image(scale=1, add_quiet_zones=False)
    side: int = image.shape[1]
    # An Image is a buffer of one byte per module; the package's stub does not say so.
    return bytes(image), side  # type: ignore[call-overload]


def _symbol(text: str) -> tuple[bytes, int]:
    """Error correction M (15 %) where it fits the widest layout at MODULE_MM; otherwise L
    (7 %), which takes fewer modules for the same string: a larger module matters more to a
    scan than recovering a stain."""
    if len(text.encode("utf-8")) > M_FITS_BYTES:
        return _modules(text, "L")  # known too wide at M: spares an encoding of a long string
    modules, side = _modules(text, "M")
    if (side + 2 * QUIET_ZONE) * MODULE_MM > MAX_WIDTH_MM:
        modules, side = _modules(text, "L")
    return modules, side


_DARK_RUN_RE = re.compile(rb"\x00+")


def _svg(modules: bytes, side: int) -> str:
    """The symbol as one SVG path, a stroke one module thick along each horizontal run of dark
    modules, in module units with the quiet zone around it: the PDF scales it to its printed
    width. (Strokes rather than rectangles: half the bytes for the layout engine to parse.)"""
    size = side + 2 * QUIET_ZONE
    runs = []
    for y in range(side):
        row = modules[y * side : (y + 1) * side]
        for run in _DARK_RUN_RE.finditer(row):
            runs.append(f"M{run.start() + QUIET_ZONE} {y + QUIET_ZONE}.5h{run.end() - run.start()}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path stroke="#000" stroke-width="1" fill="none" d="{"".join(runs)}"/></svg>'
    )


def qr_image(text: str) -> QrImage:
    """`text` as a QR code sized so each module prints MODULE_MM wide, up to MAX_WIDTH_MM."""
    modules, side = _symbol(text)
    size = side + 2 * QUIET_ZONE
    width = min(size * MODULE_MM, MAX_WIDTH_MM)
    return QrImage(svg=_svg(modules, side), width_mm=round(width, 2), module_mm=width / size)


def qr_svg(text: str) -> str:
    """An SVG image of `text` as a QR code (UTF-8, a 4-module quiet zone)."""
    return qr_image(text).svg
