"""The project's import graph, read from the source with `ast` (nothing is imported):
which module imports which, where (top of file or inside a function), and how long
each function is. Used by tests/test_structure.py and bench/structure.py."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("tools", "agent", "tui", "prompts")
#: Who may import whom: a package may import itself and those after it in this list
#: (`tui -> agent -> tools`); anyone may read prompts.
LAYERS = ("tui", "agent", "tools")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The project module an import names: the longest known prefix."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def edges() -> list[Edge]:
    known = modules()
    out: list[Edge] = []
    for source, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = source if path.name == "__init__.py" else source.rpartition(".")[0]

        def visit(node: ast.AST, in_function: bool) -> None:
            for child in ast.iter_child_nodes(node):
                inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                names: list[str] = []
                if isinstance(child, ast.Import):
                    names = [a.name for a in child.names]
                elif isinstance(child, ast.ImportFrom):
                    base = child.module or ""
                    if child.level:
                        anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                        base = ".".join(anchor + ([base] if base else []))
                    names = [f"{base}.{a.name}" for a in child.names] or [base]
                for name in names:
                    target = _resolve(name, known)
                    if target and target != source:
                        out.append(Edge(source, target, child.lineno, in_function))
                visit(child, inside)

        visit(tree, False)
    return out


def cycles(graph_edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for e in graph_edges:
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strongconnect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return found


def against_layers(graph_edges: list[Edge]) -> list[Edge]:
    """Imports that run back up: tools importing agent or tui, agent importing tui."""
    def rank(module: str) -> int | None:
        top = module.split(".")[0]
        return LAYERS.index(top) if top in LAYERS else None

    bad = []
    for e in graph_edges:
        s, t = rank(e.source), rank(e.target)
        if s is not None and t is not None and t < s:
            bad.append(e)
    return bad


def long_functions(limit: int = 80) -> list[tuple[str, str, int]]:
    out = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > limit:
                    out.append((name, node.name, length))
    return sorted(out, key=lambda x: -x[2])
