"""The outbox: staff read what was sent, and in DEBUG the text of every SMS."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin_base import ReadOnlyModelAdmin
from kabinet.messaging.models import MessageAttachment, OutgoingMessage

_DIGIT_RE = re.compile(r"\d")


def masked_body(message: OutgoingMessage) -> str:
    """The text as staff may see it: everything in DEBUG; outside it, no codes and no links.

    An SMS is nearly always a one-time code, so its digits are masked. An e-mail body may hold a
    password-reset or confirmation link, whose token is letters and digits, so it is hidden.
    """
    if settings.DEBUG:
        return message.body
    if message.channel == OutgoingMessage.Channel.SMS:
        return _DIGIT_RE.sub("•", message.body)
    return str(_("Текст письма скрыт (виден только в режиме отладки)."))


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(ReadOnlyModelAdmin):
    # Read-only: the rows are the record of what was sent; the delivery job alone changes them.

    list_display = (
        "created_at",
        "channel",
        "to",
        "template",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "channel", "template", "created_at")
    search_fields = ("=to", "template", "=provider_message_id")
    date_hierarchy = "created_at"
    fields = (
        "channel",
        "to",
        "template",
        "subject",
        "text",
        "status",
        "attempts",
        "last_error",
        "provider_message_id",
        "created_at",
        "updated_at",
        "sent_at",
        "next_attempt_at",
    )
    readonly_fields = fields

    @admin.display(description=_("текст"))
    def text(self, message: OutgoingMessage) -> str:
        return masked_body(message)


@admin.register(MessageAttachment)
class MessageAttachmentAdmin(ReadOnlyModelAdmin):
    """Files sent with e-mails (bill PDFs): names and sizes only, read-only."""

    list_display = ("filename", "mimetype", "size", "message")
    search_fields = ("=message__to", "filename")
    fields = ("message", "filename", "mimetype", "size")
    readonly_fields = fields

    @admin.display(description=_("размер, байт"))
    def size(self, attachment: MessageAttachment) -> int:
        return len(attachment.content)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("message")
