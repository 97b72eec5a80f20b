"""The demo is loaded by its commands only: starting the project imports none of its code.

kabinet.demo is an installed app for the sake of seed_demo and demo_logins, so Django imports its
package and its AppConfig (both import nothing); the reference data, the people, the simulation
and the support content must stay out of every process that does not seed a demo.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
# What Django itself imports for an installed app; neither module imports anything else.
INSTALLED_APP_MODULES = {"kabinet.demo", "kabinet.demo.apps"}

IMPORT_EVERY_APP = """
import importlib, pkgutil, sys
import django
django.setup()
from django.apps import apps
importlib.import_module("kabinet.urls")
importlib.import_module("kabinet.wsgi")
for app in apps.get_app_configs():
    if app.name.startswith("kabinet.") and app.name != "kabinet.demo":
        for module in pkgutil.walk_packages(app.module.__path__, app.name + "."):
            importlib.import_module(module.name)
print(" ".join(sorted(name for name in sys.modules if name.startswith("kabinet.demo"))))
"""


def test_importing_every_app_does_not_import_the_demo(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "kabinet.settings",
        "KABINET_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_APP],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    imported = set(result.stdout.split())
    assert imported <= INSTALLED_APP_MODULES, sorted(imported - INSTALLED_APP_MODULES)


def test_no_app_imports_the_demo() -> None:
    """Not even inside a function: the demo sits on top of every app."""
    offenders = []
    for path in sorted((BASE_DIR / "kabinet").rglob("*.py")):
        if path.is_relative_to(BASE_DIR / "kabinet" / "demo"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(name == "kabinet.demo" or name.startswith("kabinet.demo.") for name in names):
                offenders.append(f"{path.relative_to(BASE_DIR)}:{node.lineno}")
    assert not offenders
