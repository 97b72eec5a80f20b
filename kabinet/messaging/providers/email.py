"""E-mail through Django's e-mail backend (settings.EMAIL_BACKEND: SMTP in production)."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from kabinet.messaging.providers.base import DeliveryError


def _message_id() -> str:
    # Our own Message-ID, on the sender's domain: it is stored for support, and it spares Django
    # a DNS lookup of this host's name to make one.
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


def send_email_message(
    *,
    to: str,
    subject: str,
    body: str,
    html_body: str = "",
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> str:
    """Send one e-mail and return its Message-ID; raise DeliveryError when it is not accepted.

    A 5xx answer about the recipient or the message is permanent; a connection failure, a timeout
    or a 4xx ("try again later") is temporary. Rejected credentials count as temporary: the
    operator fixes the configuration, and the retries may still catch it.
    """
    message_id = _message_id()
    email = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id},
        connection=get_connection(fail_silently=False),
    )
    if html_body:
        email.attach_alternative(html_body, "text/html")
    for filename, content, mimetype in attachments:
        email.attach(filename, content, mimetype)
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        raise DeliveryError(
            f"SMTP refused the recipient: {exc.recipients}",
            permanent=all(code >= 500 for code in codes),
        ) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP login failed: {exc.smtp_code} {exc.smtp_error!r}") from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"SMTP error {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP server unreachable: {exc}") from exc
    return message_id
