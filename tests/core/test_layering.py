"""The layering the README promises, checked by walking the code.

An app uses its own code and the apps below it in CHAIN, never an app above it nor another app on
its own level (metering and payments, say, stay apart). Checked:

- every ``import kabinet.…`` and ``from kabinet… import``, module-level or inside a function,
  relative ones resolved, migrations included (a migration belongs to its app);
- every URL name written in Python (``reverse("namespace:…")``, ``redirect``, ``reverse_lazy``,
  ``resolve_url``): a page's address is as much a dependency as an import;
- every template's ``{% load %}`` (a library belongs to the app whose templatetags/ holds it;
  Django's own libraries are nobody's) and ``{% url 'namespace:…' %}`` (a namespace belongs to the
  app whose urls module declares it as ``app_name``). A template belongs to the app whose templates/
  folder holds it. The project's kabinet/templates (the customer site's frame, base.html, and shared
  includes) counts as portal's, the level that composes the customer pages.

``{% extends %}`` and ``{% include %}`` are not checked: every customer page extends the project's
base.html, which links to the pages of the apps below portal.

settings.py, urls.py and wsgi.py wire the apps together: they may import any app and no app
imports them (code reads ``django.conf.settings``). kabinet/demo/ is the top app: it may use any
app and no app uses it; the chain lists it whether or not the package exists yet.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
PACKAGE = "kabinet"
PACKAGE_DIR = BASE_DIR / PACKAGE

# From the bottom up, as the README writes it.
CHAIN: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("messaging",),
    ("identity",),
    ("billing",),
    ("metering", "payments"),
    ("documents", "support", "notifications"),
    ("portal", "staff", "api"),
    ("demo",),
)
PROJECT = "the project"
LEVEL: dict[str, int] = {app: level for level, apps in enumerate(CHAIN) for app in apps}
LEVEL[PROJECT] = len(CHAIN)
PROJECT_TEMPLATES_APP = "portal"
# Namespaces that Django's own apps declare.
DJANGO_NAMESPACES = frozenset({"admin"})

# Upward uses the code has today, as (file, app it uses). Each goes with the change named beside
# it; the test fails once an entry no longer happens, so that the entry is removed then.
KNOWN_EXCEPTIONS: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Use:
    """One place where an app uses another: an import, a template library or a URL name."""

    path: str
    line: int
    user: str
    used: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.user} uses {self.used}: {self.what}"


def allowed(use: Use) -> bool:
    if use.used == use.user:
        return True
    if use.user not in LEVEL or use.used not in LEVEL:
        return False
    return LEVEL[use.used] < LEVEL[use.user]


def relative(path: Path) -> str:
    return path.relative_to(BASE_DIR).as_posix()


def owner_of_file(path: Path) -> str:
    """The app a file under kabinet/ belongs to; the project's own modules and templates apart."""
    parts = path.relative_to(PACKAGE_DIR).parts
    if parts[0] == "templates":
        return PROJECT_TEMPLATES_APP
    return parts[0] if len(parts) > 1 else PROJECT


def owner_of_module(module: str) -> str | None:
    """The app a dotted module name belongs to, None outside kabinet."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    # An app of the chain counts as one before its package is written (kabinet.demo).
    if len(parts) > 1 and (parts[1] in LEVEL or (PACKAGE_DIR / parts[1]).is_dir()):
        return parts[1]
    return PROJECT


def imported_modules(path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    module = node.module or ""
    if node.level:
        # A module's package is its folder, for an __init__.py as for any other module.
        package = list(path.relative_to(BASE_DIR).parts[:-1])
        base = package[: len(package) - (node.level - 1)]
        module = ".".join([*base, module] if module else base)
    if module == PACKAGE:
        # ``from kabinet import billing``: the name after import is the app.
        return [f"{PACKAGE}.{alias.name}" for alias in node.names]
    return [module]


URL_FUNCTIONS = frozenset({"reverse", "reverse_lazy", "redirect", "resolve_url"})
URL_NAME_RE = re.compile(r"^([\w-]+):[\w:-]+$")


def url_names(call: ast.Call) -> Iterator[str]:
    """The literal URL names a reverse() or redirect() call may take, both arms of an ``if``."""
    function = call.func
    name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
    if name not in URL_FUNCTIONS or not call.args:
        return
    for node in ast.walk(call.args[0]):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and URL_NAME_RE.match(node.value)
        ):
            yield node.value


def python_uses(path: Path, source: str, namespaces: dict[str, str]) -> Iterator[Use]:
    user = owner_of_file(path)
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for module in imported_modules(path, node):
                used = owner_of_module(module)
                if used is not None:
                    yield Use(relative(path), node.lineno, user, used, f"import {module}")
        elif isinstance(node, ast.Call):
            for url_name in url_names(node):
                used = namespaces.get(url_name.split(":")[0])
                if used is not None:
                    yield Use(relative(path), node.lineno, user, used, f"URL {url_name!r}")


TAG_RE = re.compile(r"{%\s*(load|url)\s+(.*?)\s*%}")
QUOTED_RE = re.compile(r"""^(['"])([^'"]*)\1""")


def template_uses(
    path: Path, text: str, libraries: dict[str, str], namespaces: dict[str, str]
) -> Iterator[Use]:
    user = owner_of_file(path)
    for number, line in enumerate(text.splitlines(), start=1):
        for tag, arguments in TAG_RE.findall(line):
            if tag == "load":
                names = arguments.split()
                # ``{% load a b from library %}`` takes names out of one library.
                if "from" in names:
                    names = names[names.index("from") + 1 :]
                for name in names:
                    if name in libraries:
                        what = f"{{% load {name} %}}"
                        yield Use(relative(path), number, user, libraries[name], what)
                continue
            quoted = QUOTED_RE.match(arguments)
            if quoted is None or ":" not in quoted.group(2):
                continue
            namespace = quoted.group(2).split(":")[0]
            if namespace in DJANGO_NAMESPACES:
                continue
            what = f"{{% url '{quoted.group(2)}' %}}"
            # A namespace no app declares is reported as used by no app in the chain.
            used = namespaces.get(namespace, f"unknown namespace {namespace!r}")
            yield Use(relative(path), number, user, used, what)


def python_files() -> list[Path]:
    return sorted(PACKAGE_DIR.rglob("*.py"))


def template_files() -> list[Path]:
    folders = [PACKAGE_DIR / "templates", *PACKAGE_DIR.glob("*/templates")]
    return sorted(path for folder in folders for path in folder.rglob("*") if path.is_file())


def template_libraries() -> dict[str, str]:
    """Library name → app, from each app's templatetags/ folder."""
    return {
        path.stem: owner_of_file(path)
        for path in PACKAGE_DIR.glob("*/templatetags/*.py")
        if path.stem != "__init__"
    }


def url_namespaces() -> dict[str, str]:
    """URL namespace → app: each urls module's ``app_name``, or an include's ``namespace=``."""
    found: dict[str, str] = {}
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "app_name" for t in node.targets)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found[node.value.value] = owner_of_file(path)
        for call in ast.walk(tree):
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id == "include"
                and call.args
                and isinstance(call.args[0], ast.Constant)
                and isinstance(call.args[0].value, str)
            ):
                continue
            for keyword in call.keywords:
                if keyword.arg == "namespace" and isinstance(keyword.value, ast.Constant):
                    app = owner_of_module(call.args[0].value)
                    if app is not None:
                        found[str(keyword.value.value)] = app
    return found


def all_uses() -> Iterator[Use]:
    libraries, namespaces = template_libraries(), url_namespaces()
    for path in python_files():
        yield from python_uses(path, path.read_text(encoding="utf-8"), namespaces)
    for path in template_files():
        yield from template_uses(path, path.read_text(encoding="utf-8"), libraries, namespaces)


def upward(uses: Iterable[Use]) -> list[Use]:
    return [use for use in uses if not allowed(use)]


@cache
def upward_in_kabinet() -> tuple[Use, ...]:
    return tuple(upward(all_uses()))


def test_every_app_is_in_the_chain() -> None:
    apps = {path.parent.name for path in PACKAGE_DIR.glob("*/__init__.py")}
    assert apps - set(LEVEL) == set(), "add the app to CHAIN here and to the README's chain"


def test_the_readme_names_the_chain() -> None:
    chain = " ← ".join(", ".join(apps) for apps in CHAIN)
    assert f"`{chain}`" in (BASE_DIR / "README.md").read_text(encoding="utf-8")


def test_no_app_uses_an_app_above_it_or_beside_it() -> None:
    found = [use for use in upward_in_kabinet() if (use.path, use.used) not in KNOWN_EXCEPTIONS]
    assert found == [], "\n".join(
        ["move the code down, or let the upper app hand it in (a setting, a registry):"]
        + [str(use) for use in found]
    )


def test_every_known_exception_still_happens() -> None:
    happening = {(use.path, use.used) for use in upward_in_kabinet()}
    gone = sorted(KNOWN_EXCEPTIONS - happening)
    assert gone == [], f"fixed, remove from KNOWN_EXCEPTIONS: {gone}"


def test_the_template_maps_find_the_apps() -> None:
    # Without them every {% load %} and {% url %} would pass unseen.
    libraries, namespaces = template_libraries(), url_namespaces()
    assert libraries["money"] == "core"
    assert libraries["support_tags"] == "support"
    assert namespaces["readings"] == "metering"
    assert namespaces["support"] == "support"


# The checker itself, on code written for the purpose.

LIBRARIES = {"money": "core", "support_tags": "support", "staff_tags": "staff"}
NAMESPACES = {"accounts": "billing", "support": "support", "portal": "portal"}


def python_file(app: str, name: str = "module.py") -> Path:
    return PACKAGE_DIR / app / name


def upward_imports(path: Path, source: str) -> list[str]:
    return [str(use) for use in upward(python_uses(path, source, NAMESPACES))]


def test_it_reports_an_upward_import_inside_a_function() -> None:
    source = 'def f() -> None:\n    """Late."""\n    from kabinet.staff.models import StaffMember\n'
    assert upward_imports(python_file("core"), source) == [
        "kabinet/core/module.py:3: core uses staff: import kabinet.staff.models"
    ]


@pytest.mark.parametrize(
    ("app", "source", "used"),
    [
        ("billing", "import kabinet.support.services\n", "support"),
        ("billing", "from kabinet import support\n", "support"),
        ("billing", "from ..support import services\n", "support"),
        ("metering", "from kabinet.payments.models import Payment\n", "payments"),
        ("payments", "from kabinet.metering import services\n", "metering"),
        ("staff", "from kabinet.demo import people\n", "demo"),
        ("demo", "from kabinet import settings\n", PROJECT),
        ("identity", "from kabinet.urls import urlpatterns\n", PROJECT),
    ],
)
def test_it_reports_an_import_of_an_app_above_or_beside(app: str, source: str, used: str) -> None:
    uses = upward(python_uses(python_file(app), source, NAMESPACES))
    assert [(use.user, use.used) for use in uses] == [(app, used)]


@pytest.mark.parametrize(
    ("app", "source"),
    [
        ("billing", "from kabinet.core.periods import period_of\nimport kabinet.identity.models\n"),
        ("billing", "from . import models\nfrom .exchange import kinds\n"),
        ("support", "from kabinet import billing, metering, payments\n"),
        ("demo", "from kabinet.staff.models import StaffMember\n"),
        ("api", "import json\nfrom django.db import models\n"),
    ],
)
def test_it_lets_an_app_import_itself_and_the_apps_below(app: str, source: str) -> None:
    assert upward_imports(python_file(app), source) == []


def test_it_resolves_a_relative_import_from_a_package() -> None:
    path = PACKAGE_DIR / "billing" / "exchange" / "__init__.py"
    assert upward_imports(path, "from ...staff import models\n") == [
        "kabinet/billing/exchange/__init__.py:1: billing uses staff: import kabinet.staff"
    ]
    assert upward_imports(path, "from .. import models\n") == []


def test_it_reports_a_url_name_of_an_app_above() -> None:
    source = (
        "from django.shortcuts import redirect\n"
        "from django.urls import reverse\n"
        "a = reverse('accounts:list')\n"
        "b = redirect('accounts:list' if a else 'portal:home', pk=1)\n"
        "c = urls.reverse_lazy('support:faq')\n"
        "d = reverse('admin:index'), redirect('https://example.org/a:b'), redirect(a)\n"
    )
    assert upward_imports(python_file("billing"), source) == [
        "kabinet/billing/module.py:4: billing uses portal: URL 'portal:home'",
        "kabinet/billing/module.py:5: billing uses support: URL 'support:faq'",
    ]


def test_the_project_modules_may_import_any_app() -> None:
    assert upward_imports(PACKAGE_DIR / "urls.py", "from kabinet.demo import views\n") == []


def upward_in_template(path: Path, text: str) -> list[str]:
    return [str(use) for use in upward(template_uses(path, text, LIBRARIES, NAMESPACES))]


def test_it_reports_a_template_loading_or_linking_upwards() -> None:
    path = PACKAGE_DIR / "billing" / "templates" / "page.html"
    text = (
        "{% load i18n money %}\n"
        "{% load support_tags %}\n"
        "{% load badge from staff_tags %}\n"
        '<a href="{% url "accounts:list" %}"></a><a href="{% url \'support:faq\' %}"></a>\n'
        "{% url 'admin:index' %}{% url next_page %}{% url 'portal:home' as home %}\n"
    )
    assert upward_in_template(path, text) == [
        "kabinet/billing/templates/page.html:2: billing uses support: {% load support_tags %}",
        "kabinet/billing/templates/page.html:3: billing uses staff: {% load staff_tags %}",
        "kabinet/billing/templates/page.html:4: billing uses support: {% url 'support:faq' %}",
        "kabinet/billing/templates/page.html:5: billing uses portal: {% url 'portal:home' %}",
    ]


def test_it_reports_a_namespace_no_app_declares() -> None:
    path = PACKAGE_DIR / "support" / "templates" / "support" / "page.html"
    assert upward_in_template(path, "{% url 'nowhere:page' %}") == [
        "kabinet/support/templates/support/page.html:1: support uses unknown namespace 'nowhere': "
        "{% url 'nowhere:page' %}"
    ]


def test_the_project_templates_sit_at_the_portal_level() -> None:
    path = PACKAGE_DIR / "templates" / "base.html"
    assert upward_in_template(path, "{% load support_tags %}{% url 'portal:home' %}") == []
    assert upward_in_template(path, "{% load staff_tags %}") == [
        "kabinet/templates/base.html:1: portal uses staff: {% load staff_tags %}"
    ]
