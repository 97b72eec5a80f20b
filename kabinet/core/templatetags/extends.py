"""``{% extends %}`` that finds the root template's blocks once instead of on every render.

Django's ``ExtendsNode.render`` walks the whole root template (``base.html``: the navbar, the
menus, every ``{% if %}`` and ``{% cache %}`` in it) to collect its ``{% block %}`` nodes each
time a page is rendered; ``IfNode.nodelist`` even builds a new list per visit. A compiled
template does not change once parsed (the cached loader keeps it; without that loader each
render parses a new one), so the blocks are kept on the compiled root template.

Installed as a template builtin (settings ``TEMPLATES`` ``OPTIONS["builtins"]``), so it replaces
the standard tag for every template; the syntax and the result are the standard ones.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import Parser, TextNode, Token
from django.template.context import Context
from django.template.loader_tags import (
    BLOCK_CONTEXT_KEY,
    BlockContext,
    BlockNode,
    ExtendsNode,
    do_extends,
)
from django.utils.safestring import SafeString

register = template.Library()

_ROOT_BLOCKS = "_kabinet_root_blocks"


def _root_blocks(parent: Any) -> dict[str, BlockNode] | None:
    """The blocks of ``parent`` if it is the root of the chain (extends nothing), else None."""
    try:
        return parent.__dict__[_ROOT_BLOCKS]
    except KeyError:
        pass
    blocks: dict[str, BlockNode] | None = None
    for node in parent.nodelist:
        # As in Django: the extends tag, if any, is the first node that is not text.
        if not isinstance(node, TextNode):
            if not isinstance(node, ExtendsNode):
                found: list[BlockNode] = parent.nodelist.get_nodes_by_type(BlockNode)
                blocks = {n.name: n for n in found}
            break
    parent.__dict__[_ROOT_BLOCKS] = blocks
    return blocks


class CachedRootExtendsNode(ExtendsNode):
    def render(self, context: Context) -> SafeString:
        compiled_parent: Any = self.get_parent(context)
        if BLOCK_CONTEXT_KEY not in context.render_context:
            context.render_context[BLOCK_CONTEXT_KEY] = BlockContext()
        block_context = context.render_context[BLOCK_CONTEXT_KEY]
        block_context.add_blocks(self.blocks)
        blocks = _root_blocks(compiled_parent)
        if blocks is not None:
            block_context.add_blocks(blocks)
        with context.render_context.push_state(compiled_parent, isolated_context=False):
            return compiled_parent._render(context)


@register.tag("extends")
def extends(parser: Parser, token: Token) -> Any:
    node = do_extends(parser, token)
    return CachedRootExtendsNode(node.nodelist, node.parent_name, node.template_dirs)
