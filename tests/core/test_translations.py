"""The English translation: what a user who picks English sees, and a catalogue kept complete.

The product's source language is Russian (LANGUAGE_CODE = "ru"): every msgid is Russian and
kabinet/locale/en/LC_MESSAGES/django.po holds the English. The compiled django.mo is committed too,
so a machine without GNU gettext still shows English; these tests fail when a string in the code is
missing from the catalogue, left untranslated or fuzzy, or when the .mo was not recompiled.
docs/translations.md says how to update both files.
"""

from __future__ import annotations

import ast
import gettext
import io
import os
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize

from kabinet.billing.models import Account, Supplier
from kabinet.metering.models import Meter, Reading

BASE_DIR = Path(settings.BASE_DIR)
CATALOGUE_DIR = BASE_DIR / "kabinet" / "locale" / "en" / "LC_MESSAGES"
PO_FILE = CATALOGUE_DIR / "django.po"
MO_FILE = CATALOGUE_DIR / "django.mo"
HOW_TO_UPDATE = "see docs/translations.md: makemessages, translate, compilemessages"

# What the documented makemessages command leaves out (--ignore), besides hidden folders.
IGNORED_DIRS = frozenset({".venv", "node_modules", "var", "tests", "bench", "__pycache__"})
# The gettext functions makemessages extracts from (xgettext's defaults and the ones Django
# adds): name → (position of the context argument or None, position of the msgid).
KEYWORDS: dict[str, tuple[int | None, int]] = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}

Key = tuple[str | None, str]  # (msgctxt, msgid)

# What the code fills in: %(name)s, %s, {name}.
PLACEHOLDER_RE = re.compile(r"%\([a-z_]+\)[sdfi]|%[sdfi]|\{[a-z_]*\}")


# --- What a user sees ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _language_restored() -> Iterator[None]:
    """LocaleMiddleware leaves the request's language active in the thread: later tests in the
    same worker must not run in English."""
    with translation.override(translation.get_language()):
        yield


def shown_names() -> dict[str, str]:
    """Model, field and choice names as the admin shows them, in the active language."""
    settlement_account = Supplier._meta.get_field("settlement_account")
    els = Account._meta.get_field("els")
    assert isinstance(settlement_account, models.Field)
    assert isinstance(els, models.Field)
    return {
        "account": str(Account._meta.verbose_name),
        "accounts": str(Account._meta.verbose_name_plural),
        "meters": str(Meter._meta.verbose_name_plural),
        "settlement account": str(settlement_account.verbose_name),
        "els": str(els.verbose_name),
        "reading received": str(Reading.Status.RECEIVED.label),
        "supplier kind": str(Supplier.Kind.WASTE.label),
    }


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            {
                "account": "personal account",
                "accounts": "personal accounts",
                "meters": "meters",
                "settlement account": "settlement account",
                "els": "Single account number (ELS)",
                "reading received": "Submitted",
                "supplier kind": "Regional municipal solid waste operator",
            },
        ),
        (
            "ru",
            {
                "account": "лицевой счёт",
                "accounts": "лицевые счета",
                "meters": "приборы учёта",
                "settlement account": "расчётный счёт",
                "els": "ЕЛС",
                "reading received": "Передано",
                "supplier kind": "Региональный оператор по обращению с ТКО",
            },
        ),
    ],
)
def test_model_names_follow_the_active_language(language: str, expected: dict[str, str]) -> None:
    with translation.override(language):
        assert shown_names() == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "present", "absent"),
    [
        ("en", ["Log in", "Kabinet — back office"], ["Войти", "Кабинет — бэк-офис"]),
        ("ru", ["Войти", "Кабинет — бэк-офис"], ["Log in", "Kabinet — back office"]),
    ],
)
def test_admin_login_page_speaks_the_browser_language(
    client: Client, language: str, present: list[str], absent: list[str]
) -> None:
    response = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert response["Content-Language"] == language
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    for text in present:
        assert text in page
    for text in absent:
        assert text not in page


@pytest.mark.parametrize(
    ("language", "present", "absent"),
    [
        ("en", ["Customer self-service portal", "Staff sign-in"], ["Вход для сотрудников"]),
        ("ru", ["Личный кабинет клиента", "Вход для сотрудников"], ["Staff sign-in"]),
    ],
)
def test_portal_home_speaks_the_browser_language(
    client: Client, language: str, present: list[str], absent: list[str]
) -> None:
    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    page = response.content.decode()
    for text in present:
        assert text in page
    for text in absent:
        assert text not in page


# --- The .po catalogue -----------------------------------------------------------------------


@dataclass
class Entry:
    """One msgid/msgstr block of a .po file (obsolete #~ entries are left out)."""

    line: int = 0
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> Key:
        assert self.msgid is not None
        return (self.msgctxt, self.msgid)

    def __str__(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"django.po line {self.line}: {self.msgid!r}{context}"


def unquote(text: str, where: str) -> str:
    """A PO string literal: C escapes (\\n, \\", \\\\), which Python's literal syntax shares."""
    value = ast.literal_eval(text.strip())
    assert isinstance(value, str), f"{where}: not a string literal: {text}"
    return value


def parse_po(text: str) -> list[Entry]:
    entries: list[Entry] = []
    current = Entry()
    # Which string the next continuation line ("...") extends: ("msgid", 0), ("msgstr", 1) …
    target: tuple[str, int] | None = None

    def flush() -> None:
        nonlocal current, target
        if current.msgid is not None:
            entries.append(current)
        current, target = Entry(), None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"django.po line {number}"
        if not line:
            flush()
        elif line.startswith("#"):
            if current.msgstr:  # a comment after a msgstr starts the next entry
                flush()
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(","))
            # #~ (obsolete), #| (previous msgid), #: (references), # and #. (comments): skipped
        elif line.startswith('"'):
            assert target is not None, f"{where}: continuation outside an entry"
            name, index = target
            value = unquote(line, where)
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
        else:
            keyword, _space, rest = line.partition(" ")
            if keyword in {"msgctxt", "msgid"} and current.msgstr:
                flush()
            if not current.line:
                current.line = number
            value = unquote(rest, where)
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
                current.msgstr[index] = value
                target = ("msgstr", index)
            else:
                assert keyword in {"msgctxt", "msgid", "msgid_plural"}, f"{where}: {line}"
                setattr(current, keyword, value)
                target = (keyword, 0)
    flush()
    return entries


@cache
def po_entries() -> tuple[Entry, ...]:
    """The entries of the English catalogue, without the header (the entry whose msgid is "")."""
    assert PO_FILE.exists(), f"{PO_FILE} is missing; {HOW_TO_UPDATE}"
    entries = parse_po(PO_FILE.read_text(encoding="utf-8"))
    headers = [entry for entry in entries if entry.msgid == ""]
    assert len(headers) == 1, "django.po must start with exactly one header entry"
    assert "fuzzy" not in headers[0].flags, "the header of django.po is marked fuzzy"
    return tuple(entry for entry in entries if entry.msgid)


def test_the_parser_reads_contexts_plurals_continuations_and_flags() -> None:
    sample = "\n".join(
        [
            'msgid ""',
            'msgstr ""',
            '"Content-Type: text/plain; charset=UTF-8\\n"',
            "#: kabinet/a.py:1",
            "#, fuzzy, python-format",
            '#| msgid "старое"',
            'msgctxt "месяц"',
            'msgid ""',
            '"Май "',
            '"%(year)s"',
            'msgstr "May \\"%(year)s\\""',
            "",
            'msgid "%(n)s день"',
            'msgid_plural "%(n)s дней"',
            'msgstr[0] "%(n)s day"',
            'msgstr[1] ""',
            '"%(n)s days"',
            "",
            '#~ msgid "удалено"',
            '#~ msgstr "removed"',
        ]
    )

    header, month, days = parse_po(sample)

    assert header.msgid == ""
    assert header.msgstr == {0: "Content-Type: text/plain; charset=UTF-8\n"}
    assert month.key == ("месяц", "Май %(year)s")
    assert month.msgstr == {0: 'May "%(year)s"'}
    assert month.flags == {"fuzzy", "python-format"}
    assert days.key == (None, "%(n)s день")
    assert days.msgid_plural == "%(n)s дней"
    assert days.msgstr == {0: "%(n)s day", 1: "%(n)s days"}
    assert not days.flags


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    entries = po_entries()
    assert len(entries) > 100, "the catalogue looks truncated"

    untranslated = [
        str(entry)
        for entry in entries
        if not entry.msgstr
        or not all(entry.msgstr.values())
        or (entry.msgid_plural is not None and len(entry.msgstr) < 2)
    ]
    fuzzy = [str(entry) for entry in entries if "fuzzy" in entry.flags]

    assert not untranslated, f"untranslated ({HOW_TO_UPDATE}):\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy: check each and remove its #, fuzzy flag:\n" + "\n".join(fuzzy)


def test_placeholders_survive_translation() -> None:
    """%(name)s, %s and {name} are filled in by the code: a translation must keep every one."""

    def placeholders(text: str) -> list[str]:
        return sorted(PLACEHOLDER_RE.findall(text))

    broken = [
        f"{entry}: {text!r}"
        for entry in po_entries()
        for text in entry.msgstr.values()
        if placeholders(text) != placeholders(entry.msgid or "")
    ]
    assert not broken, "placeholders differ from the msgid:\n" + "\n".join(broken)


def test_compiled_catalogue_matches_the_po_file() -> None:
    """A forgotten compilemessages leaves the committed .mo behind the .po."""
    assert MO_FILE.exists(), f"{MO_FILE} is missing; run compilemessages ({HOW_TO_UPDATE})"
    with MO_FILE.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    stale = []
    for entry in po_entries():
        msgid = entry.msgid or ""
        if entry.msgid_plural is not None:
            # English has two forms: msgstr[0] for one, msgstr[1] for the rest.
            shown = {
                index: (
                    compiled.npgettext(entry.msgctxt, msgid, entry.msgid_plural, n)
                    if entry.msgctxt is not None
                    else compiled.ngettext(msgid, entry.msgid_plural, n)
                )
                for index, n in ((0, 1), (1, 2))
            }
        elif entry.msgctxt is not None:
            shown = {0: compiled.pgettext(entry.msgctxt, msgid)}
        else:
            shown = {0: compiled.gettext(msgid)}
        if shown != entry.msgstr:
            stale.append(f"{entry}: .mo has {shown}, .po has {entry.msgstr}")

    assert not stale, "django.mo is stale; run compilemessages:\n" + "\n".join(stale)


# --- The source against the catalogue --------------------------------------------------------


def source_files() -> Iterator[Path]:
    """The files the documented makemessages command reads: .py, .html and .txt."""
    for folder, dirs, files in os.walk(BASE_DIR):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith((".py", ".html", ".txt")):
                yield Path(folder) / name


def literal_args(args: list[str | None], context: int | None, msgid: int) -> Key | None:
    """The (context, msgid) of a call whose arguments are known, None when one isn't a literal."""
    needed = [msgid] if context is None else [context, msgid]
    if any(position >= len(args) or args[position] is None for position in needed):
        return None
    text = args[msgid]
    assert text is not None
    return (None if context is None else args[context], text)


def python_strings(source: str) -> Iterator[Key]:
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in KEYWORDS:
            continue
        args = [
            arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            for arg in node.args
        ]
        key = literal_args(args, *KEYWORDS[name])
        if key is not None:
            yield key


def template_strings(source: str) -> Iterator[Key]:
    """Django's own templatize turns a template into gettext(u'…') calls among blanked text."""
    code = "\n".join(line.lstrip() for line in templatize(source).splitlines())
    skip = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type not in skip]
    for i, token in enumerate(tokens[:-1]):
        if token.type != tokenize.NAME or token.string not in KEYWORDS:
            continue
        if tokens[i + 1].string != "(":
            continue
        args: list[str | None] = []
        value: str | None = ""
        for arg in tokens[i + 2 :]:
            if arg.string in {",", ")"}:
                args.append(value or None)
                value = ""
                if arg.string == ")":
                    break
            elif arg.type == tokenize.STRING and value is not None:
                value += ast.literal_eval(arg.string)
            else:
                value = None
        key = literal_args(args, *KEYWORDS[token.string])
        if key is not None:
            yield key


def test_the_extractor_finds_what_makemessages_finds() -> None:
    python = (
        'from django.utils import translation\n_("один")\ntranslation.gettext("два" "три")\n'
        'pgettext_lazy("месяц", "Май")\nngettext("день", "дни", n)\n_(name)\nprint("нет")\n'
    )
    template = (
        '{% load i18n %}<p class="x">{% translate "четыре" %}</p>'
        '{% translate "Май" context "месяц" %}'
        "{% blocktranslate count n=items|length %}{{ n }} вещь{% plural %}{{ n }} вещи"
        "{% endblocktranslate %}{{ value|default:_('пять') }}"
    )

    assert set(python_strings(python)) == {
        (None, "один"),
        (None, "дватри"),
        ("месяц", "Май"),
        (None, "день"),
    }
    assert set(template_strings(template)) == {
        (None, "четыре"),
        ("месяц", "Май"),
        (None, "%(n)s вещь"),
        (None, "пять"),
    }


def test_every_translatable_string_in_the_code_is_in_the_catalogue() -> None:
    """A string added to the code after the last makemessages run is not in django.po yet."""
    in_catalogue = {entry.key for entry in po_entries()}
    found: dict[Key, Path] = {}
    for path in source_files():
        source = path.read_text(encoding="utf-8")
        keys = python_strings(source) if path.suffix == ".py" else template_strings(source)
        for key in keys:
            found.setdefault(key, path.relative_to(BASE_DIR))
    assert len(found) > 100, "the extractor found too few strings to be working"

    missing = [f"{path}: {key[1]!r}" for key, path in found.items() if key not in in_catalogue]
    assert not missing, f"not in django.po ({HOW_TO_UPDATE}):\n" + "\n".join(sorted(missing))
