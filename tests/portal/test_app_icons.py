"""The favicon and the web app manifest: linked from every page, served as static files, and
complete enough for a phone to offer «Add to home screen»."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/login/"])
def test_every_page_links_the_favicon_and_the_manifest(client: Client, path: str) -> None:
    html = client.get(path).content.decode()
    assert 'rel="icon" href="/static/core/favicon.ico"' in html
    assert 'rel="manifest" href="/static/core/manifest.webmanifest"' in html


def test_the_manifest_makes_the_portal_installable() -> None:
    path = finders.find("core/manifest.webmanifest")
    assert path
    with open(path, encoding="utf-8") as file:
        manifest = json.load(file)
    assert manifest["name"] == "Личный кабинет клиента"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    sizes: dict[str, set[str]] = {}
    for icon in manifest["icons"]:
        found = finders.find(f"core/{icon['src']}")
        assert found, icon["src"]
        with Image.open(found) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
            assert image.format == "PNG"
        sizes.setdefault(icon.get("purpose", "any"), set()).add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes["any"]


def test_the_favicon_holds_the_small_sizes() -> None:
    path = finders.find("core/favicon.ico")
    assert path
    with open(path, "rb") as file:
        image = Image.open(io.BytesIO(file.read()))
        assert {(16, 16), (32, 32)} <= set(image.info["sizes"])
