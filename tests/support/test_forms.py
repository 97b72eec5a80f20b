from __future__ import annotations

from django.utils import translation

from kabinet.support.forms import AppealForm


def test_the_attachments_help_text_follows_the_page_language() -> None:
    # Built at import time, it once stayed Russian for English readers.
    with translation.override("en"):
        assert str(AppealForm(links=[]).fields["attachments"].help_text).startswith("Up to 5 JPG")
    with translation.override("ru"):
        assert str(AppealForm(links=[]).fields["attachments"].help_text).startswith(
            "До 5 файлов JPG"
        )
