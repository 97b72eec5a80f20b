"""Account numbers arrive with noise ("л/с", "№", spaces, dashes, leading zeros).

The same normalisation runs on customer input and on import, so the two always meet.
"""

from __future__ import annotations

import re

_PREFIX_RE = re.compile(r"^\s*(?:л\s*/\s*с|лс|л\.\s*с\.?|№|n|no\.?)\s*[:№]?\s*", re.IGNORECASE)
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
