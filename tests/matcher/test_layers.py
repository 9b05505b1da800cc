"""The ``matcher`` package imports only downward: its import graph has no cycle.

Every import that runs counts, at module level and inside functions alike, so a circle
cannot hide behind a function-local import. Imports under ``if TYPE_CHECKING:`` never run:
they name a type for annotations (a module below referring to the record of the module
that uses it, e.g. ``feasibility`` to ``GroupingProblem``) and are not edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import matcher

ROOT = Path(matcher.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path = ROOT) -> nx.DiGraph:
    """Edges ``a -> b``: module ``a`` imports module ``b`` (both inside ``root``'s package).

    ``from X import name`` points at ``X.name`` when that is a module, else at ``X``.
    """
    files = {_module_name(p): p for p in root.rglob("*.py")}
    packages = {name for name, p in files.items() if p.name == "__init__.py"}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        here = name if name in packages else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        typing_only = {
            id(inner)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
            for stmt in block.body
            for inner in ast.walk(stmt)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in files else module for a in node.names]
            for target in targets:
                while target and target not in files:  # ``import a.b.c`` of a name, not a module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph.add_edge(name, target)
    return graph


def test_the_graph_sees_relative_absolute_and_function_level_imports():
    graph = import_graph()
    assert graph.number_of_nodes() > 40
    assert graph.has_edge("matcher.cohorts.groups", "matcher.cohorts.search")  # relative, module level
    assert graph.has_edge("matcher.cohorts.reduced", "matcher.cohorts._numba")  # inside a function
    assert graph.has_edge("matcher.cohorts._numba.sparse", "matcher.cohorts._numba.moves")
    assert not graph.has_edge("matcher.cohorts.feasibility", "matcher.cohorts.problem")  # under TYPE_CHECKING only


def test_the_matcher_package_has_no_import_cycle():
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c + c[:1]) for c in cycles[:10])


def test_function_level_imports_in_the_cohort_engine_are_only_deliberately_lazy():
    """Inside functions, ``matcher.cohorts`` imports only heavy libraries on first use
    (numba kernels, OR-Tools), each saying so with a ``lazy`` comment."""
    unexplained = []
    for path in (ROOT / "cohorts").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for fn in ast.walk(ast.parse(text)):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if isinstance(node, (ast.Import, ast.ImportFrom)) and "lazy" not in lines[node.lineno - 1]:
                        unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert unexplained == []
