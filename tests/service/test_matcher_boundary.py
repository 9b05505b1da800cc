"""The service uses only matcher's public names (``service/`` scanned with ``ast``).

No ``from matcher... import _name``, no ``import matcher._x``, no attribute ``._name`` on
anything imported from matcher, and none of the cohort engine's inner modules whose
names the service used to reach into (``explain.describe``, ``groups.build_problem``,
``cohort_affinity``): the service asks ``matcher.cohorts`` for a ``Grouping`` and its
explanation instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[2] / "service"
# Cohort internals the service must not call: it goes through Grouping / explain_grouping.
INNER = {"matcher.cohorts.explain", "matcher.cohorts.groups", "matcher.cohorts.sparse_affinity", "matcher.cohorts.problem", "matcher.cohorts.repair"}
INNER_NAMES = {"describe", "build_problem", "cohort_affinity"}


def _private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def offences(source: str, filename: str = "<text>") -> list[str]:
    """Every use of a private (or inner cohort) matcher name in ``source``."""
    tree = ast.parse(source, filename)
    bound: set[str] = set()  # local names bound to matcher modules or objects
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (node.module == "matcher" or node.module.startswith("matcher.")):
            if _private(node.module) or node.module in INNER:
                out.append(f"{filename}:{node.lineno}: from {node.module} import ...")
            for alias in node.names:
                if _private(alias.name) or alias.name in INNER_NAMES:
                    out.append(f"{filename}:{node.lineno}: from {node.module} import {alias.name}")
                bound.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "matcher" or alias.name.startswith("matcher."):
                    if _private(alias.name) or alias.name in INNER:
                        out.append(f"{filename}:{node.lineno}: import {alias.name}")
                    bound.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and ((node.attr.startswith("_") and not node.attr.startswith("__")) or node.attr in INNER_NAMES):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in bound:
                out.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return out


def test_the_scan_finds_what_it_should():
    bad = (
        "from matcher.cohorts.groups import _labels\n"
        "from matcher.cohorts.explain import describe\n"
        "import matcher._lazy\n"
        "import matcher\n"
        "from matcher import cohorts\n"
        "x = matcher.cohorts._weights_and_rules\n"
        "y = cohorts.groups.build_problem\n"
        "z = other._private\n"
    )
    found = offences(bad)
    assert len(found) == 7, found  # two lines name an inner module and a name in it
    assert not offences("from matcher.cohorts import Grouping, explain_grouping\nx = Grouping.from_dict\ny = self._cache\n")


@pytest.mark.parametrize("path", sorted(SERVICE.rglob("*.py")), ids=lambda p: str(p.relative_to(SERVICE)))
def test_service_uses_only_public_matcher_names(path):
    assert offences(path.read_text(encoding="utf-8"), str(path.relative_to(SERVICE.parent))) == []
