"""Account numbers arrive with noise ("л/с", "№", spaces, dashes, leading zeros).

The same normalisation runs on customer input and on import, so the two always meet.
"""

from __future__ import annotations

import re

# "no" before "n", or "No. 5" would lose only its "N". A prefix must not run into a letter: in
# "NSK-0042" the N belongs to the number.
_PREFIX_RE = re.compile(
    r"^\s*(?:лицевой\s+сч[её]т|л\s*/\s*с|л\.\s*с\.?|лс|№|no\.?|n)(?![^\W\d_])\s*[:№]?\s*",
    re.IGNORECASE,
)
_NOISE_RE = re.compile(r"[\s\-–—./_№]+")


def normalize_account_number(raw: str) -> str:
    """Strip prefixes, separators and leading zeros; upper-case letters.

    ``"л/с № 00123-456"`` → ``"123456"``. An all-zero number stays ``"0"``.
    """
    text = _PREFIX_RE.sub("", raw.strip())
    text = _NOISE_RE.sub("", text).upper()
    stripped = text.lstrip("0")
    if text and not stripped:
        return "0"
    return stripped
