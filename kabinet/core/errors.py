"""The one refusal type of every service: ``ServiceError(code, message, fields)``.

A service raises its app's subclass when it refuses an act the person can do something about,
before anything is saved. Pages put it on their form with ``core.forms.add_service_error``; the
API's one handler (``api/errors.py``) turns the code into a status and sends
``{"code", "message", "fields"}``, so neither repeats the error's content by hand.

The sign-in, registration and recovery steps raise the plainer ``Refusal``: a message only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar


class ServiceError(Exception):
    """A refusal: nothing was saved.

    ``code`` is stable and machine-readable (clients branch on it, the API maps it to a status);
    ``message`` is a Russian sentence for the person, translated when raised; ``fields`` maps the
    name of the input at fault to its messages. ``field=`` is the common case of one input whose
    message is ``message`` itself.
    """

    def __init__(
        self,
        code: str,
        message: str,
        fields: Mapping[str, str | Sequence[str]] | None = None,
        *,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.fields: dict[str, list[str]] = {}
        for name, found in (fields or {}).items():
            # One message may come bare; iterating a str would give its letters.
            texts = found if isinstance(found, list | tuple) else [found]
            self.fields[name] = [str(text) for text in texts]
        if field:
            self.fields.setdefault(field, []).append(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, {self.fields!r})"


class Refusal(ServiceError):
    """A sign-in, registration or recovery step that cannot go on: no fields, ``message`` a
    Russian sentence shown to the person as it is, and the code its class names."""

    default_code: ClassVar[str] = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(self.default_code, message)
