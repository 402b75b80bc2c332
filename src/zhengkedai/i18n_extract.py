"""A Babel extraction method for the CLI: ``_()`` calls, plus click help texts and headings.

A command's help is its docstring and an option's help its ``help="…"``
argument (STYLE: "each command's docstring is its ``--help``"); a table's
headings are the labels of its ``Column("key", "label")``. Rather than wrap
each of them, this extractor collects them as they are written, and the CLI
translates them where they are shown (``zhengkedai_cli.main.translate_help``
as ``--help`` is built, ``common.table_text`` for headings); the message id is
the text as click keeps it (``inspect.cleandoc``). Used by ``babel.cfg``.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from typing import IO, Any

from babel.messages.extract import extract_python

_DECORATORS = ("command", "group")


def _is_click_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr in _DECORATORS
    return isinstance(target, ast.Name) and target.id in _DECORATORS


def _column_label(node: ast.Call) -> ast.Constant | None:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name != "Column" or len(node.args) < 2:
        return None
    label = node.args[1]
    if isinstance(label, ast.Constant) and isinstance(label.value, str) and label.value:
        return label
    return None


def click_help(source: str) -> Iterator[tuple[int, str]]:
    """``(line, text)`` for each command docstring, ``help=`` string and column heading."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
                _is_click_decorator(d) for d in node.decorator_list):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.body[0].lineno, doc
        elif isinstance(node, ast.keyword) and node.arg == "help":
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
                yield value.lineno, inspect.cleandoc(value.value)
        elif isinstance(node, ast.Call) and (label := _column_label(node)) is not None:
            yield label.lineno, label.value


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
            ) -> Iterator[tuple[int, str | None, str | tuple[str, ...], list[str]]]:
    """Babel's Python extraction, then the click help texts of the same file."""
    data = fileobj.read()
    import io

    yield from extract_python(io.BytesIO(data), keywords, comment_tags, options)
    for lineno, text in click_help(data.decode("utf-8")):
        yield lineno, None, text, []
