"""Structure figures for a review: import circles, imports against the layers,
functions over 80 lines, function-level imports of the project's own modules, and
lines of tui/app.py. Run from the repository root: `python bench/structure.py`."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.structure import ROOT, against_layers, cycles, edges, long_functions  # noqa: E402


def main() -> None:
    graph = edges()
    print(f"import circles: {len(cycles(graph))}")
    for c in cycles(graph):
        print("  " + " <-> ".join(c))
    print(f"imports against tui -> agent -> tools: {len(against_layers(graph))}")
    longs = long_functions()
    print(f"functions over 80 lines: {len(longs)}")
    for module, name, length in longs:
        print(f"  {module}.{name}: {length}")
    print(f"function-level imports of the project's own modules: {len({(e.source, e.line) for e in graph if e.in_function})}")
    print(f"lines of tui/app.py: {len((ROOT / 'tui/app.py').read_text().splitlines())}")


if __name__ == "__main__":
    main()
