"""The house's shape: no import circles, no arrow against `tui -> agent -> tools`,
and the domain (tools/) free of the app's heavy libraries."""
from __future__ import annotations

from tests.structure import against_layers, cycles, edges, modules


def test_there_are_modules_to_check():
    names = set(modules())
    assert {"tools.registry", "agent.session", "tui.app"} <= names


def test_no_import_circles():
    assert cycles(edges()) == []


def test_no_import_runs_against_the_layers():
    assert [f"{e.source} -> {e.target} (line {e.line})" for e in against_layers(edges())] == []


def test_the_domain_imports_neither_textual_nor_litellm():
    import ast

    for name, path in modules().items():
        if not name.startswith("tools"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                roots = [a.name.split(".")[0] for a in node.names] if isinstance(node, ast.Import) \
                    else [(node.module or "").split(".")[0]]
                assert not {"textual", "litellm", "rich"} & set(roots), f"{name}:{node.lineno}"
