"""The project's ``{% extends %}`` renders what Django's does, and walks the root template once."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Engine
from django.template.base import NodeList
from django.template.loader_tags import ExtendsNode

TEMPLATES = {
    "root.html": (
        "<title>{% block title %}Root{% endblock %}</title>"
        "{% if flag %}<nav>{% block nav %}menu{% endblock %}</nav>{% endif %}"
        "<main>{% block content %}root content{% endblock %}</main>"
        "{% for item in items %}{% block item %}[{{ item }}]{% endblock %}{% endfor %}"
    ),
    "middle.html": (
        '{% extends "root.html" %}'
        "{% block content %}<aside>{% block aside %}side{% endblock %}</aside>"
        "{{ block.super }}{% endblock %}"
    ),
    "page.html": (
        '{% extends "middle.html" %}'
        "{% block title %}Page · {{ block.super }}{% endblock %}"
        "{% block aside %}own side, {{ block.super }}{% endblock %}"
        "{% block nav %}{{ block.super }} and more{% endblock %}"
    ),
    "variable.html": "{% extends parent %}{% block content %}from a variable{% endblock %}",
}


def _engine(builtins: list[str]) -> Engine:
    return Engine(
        loaders=[
            (
                "django.template.loaders.cached.Loader",
                [("django.template.loaders.locmem.Loader", TEMPLATES)],
            )
        ],
        builtins=builtins,
    )


@pytest.mark.parametrize(
    ("name", "context"),
    [
        ("page.html", {"flag": True, "items": [1, 2]}),
        ("page.html", {"flag": False, "items": []}),
        ("middle.html", {"flag": True, "items": ["a"]}),
        ("variable.html", {"parent": "middle.html", "flag": True, "items": []}),
    ],
)
def test_renders_what_the_standard_tag_renders(name: str, context: dict[str, Any]) -> None:
    standard = _engine([]).get_template(name)
    ours = _engine(["kabinet.core.templatetags.extends"]).get_template(name)
    assert type(standard.nodelist[0]) is ExtendsNode
    assert type(ours.nodelist[0]).__name__ == "CachedRootExtendsNode"
    for _ in range(2):  # the second render uses the kept blocks
        assert ours.render(Context(context)) == standard.render(Context(context))


def test_a_template_object_as_parent() -> None:
    engine = _engine(["kabinet.core.templatetags.extends"])
    parent = engine.get_template("root.html")
    page = engine.get_template("variable.html")
    assert page.render(Context({"parent": parent, "flag": False, "items": []})) == (
        "<title>Root</title><main>from a variable</main>"
    )


def test_the_root_template_is_walked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine(["kabinet.core.templatetags.extends"])
    page = engine.get_template("page.html")
    page.render(Context({"flag": True, "items": [1]}))
    walks = []
    original = NodeList.get_nodes_by_type

    def counting(self: NodeList, nodetype: type) -> Any:
        walks.append(nodetype)
        return original(self, nodetype)

    monkeypatch.setattr(NodeList, "get_nodes_by_type", counting)
    for _ in range(3):
        assert page.render(Context({"flag": True, "items": [1]})).startswith(
            "<title>Page · Root</title><nav>menu and more</nav>"
        )
    assert walks == []
