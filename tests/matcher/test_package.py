"""Tests for matcher/__init__.py (and matcher/cohorts/__init__.py): lazy public names (PEP 562).

``import matcher`` must stay cheap (no scikit-learn, pandas, networkx, numpy), every public
name must still resolve to the object its submodule defines, and the ``TYPE_CHECKING``
imports that IDEs see must list the same names as ``__all__``.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import types
from pathlib import Path

import pytest

import matcher
import matcher.cohorts

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "pandas", "networkx", "numpy", "scipy", "numba", "dask", "matplotlib", "ortools")


def fresh_python(code: str) -> str:
    """Run ``code`` in a new interpreter (so nothing is imported yet) and return its stdout."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def loaded_after(statement: str, names=HEAVY) -> list[str]:
    """Which of ``names`` are in ``sys.modules`` after running ``statement`` in a fresh interpreter."""
    code = f"import sys\n{statement}\nprint(' '.join(m for m in {tuple(names)!r} if m in sys.modules))"
    return fresh_python(code).split()


def type_checking_names(path: Path) -> set[str]:
    """Names bound by the ``if TYPE_CHECKING:`` block of a module (imports and annotations)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    block = next(
        node for node in tree.body if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    )
    names = set()
    for node in block.body:
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
    return names


def test_import_matcher_loads_no_heavy_library():
    assert loaded_after("import matcher") == []
    assert fresh_python("import matcher, sys; print('sklearn' in sys.modules)") == "False"


def test_first_use_loads_only_what_the_name_needs():
    # matcher.profiles.themes and matcher.errors are pure Python: no numpy, no scikit-learn.
    assert loaded_after("import matcher\nmatcher.THEMES\nmatcher.MatcherError") == []
    assert "sklearn" in loaded_after("import matcher\nmatcher.ProfileVectorizer")


def test_cohort_search_layer_does_not_load_the_teacher_layer():
    loaded = loaded_after("import matcher.cohorts.problem, matcher.cohorts.search\nimport matcher.cohorts")
    assert not {"sklearn", "pandas", "networkx", "dask", "ortools"} & set(loaded)


@pytest.mark.parametrize("name", matcher.__all__)
def test_every_public_name_resolves_to_its_submodule_object(name):
    value = getattr(matcher, name)
    if name == "SAMPLE_TEACHERS":
        assert value == matcher.DATA_DIR / "samples" / "teachers.csv"
        return
    lazy = {n: (module, n) for module, names in matcher._SOURCES.items() for n in names} | matcher._RENAMED
    module, attribute = lazy[name]
    assert value is getattr(importlib.import_module(module, "matcher"), attribute)


def test_public_names_are_unique_and_include_the_cohort_engine():
    assert len(matcher.__all__) == len(set(matcher.__all__))
    for name in ("form_groups", "form_groups_by_region", "repair", "move_member", "Group", "CohortFigures",
                 "CohortResult", "RegionalResult", "GroupingProblem", "read_mdgplib", "solve_exact"):
        assert getattr(matcher, name) is getattr(matcher.cohorts, name)
    assert matcher.solve_grouping is matcher.cohorts.solve
    assert "solve" not in matcher.__all__  # too generic a name at the top level


def test_star_import_gives_every_public_name():
    namespace: dict = {}
    exec("from matcher import *", namespace)
    assert set(matcher.__all__) <= set(namespace)


def test_dir_lists_public_names_before_first_use():
    listed = fresh_python("import matcher; print(' '.join(dir(matcher)))").split()
    assert set(matcher.__all__) <= set(listed)
    assert set(matcher.cohorts.__all__) <= set(dir(matcher.cohorts))


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'load_cohrot'"):
        matcher.load_cohrot  # noqa: B018
    with pytest.raises(AttributeError, match=r"matcher\.cohorts"):
        matcher.cohorts.nonexistent  # noqa: B018
    assert not hasattr(matcher, "solve")


SUBPACKAGES = ["cohorts", "profiles", "places", "affinity", "graph", "peers", "practice", "samples", "programme"]


@pytest.mark.parametrize("name", ["matcher", *(f"matcher.{sub}" for sub in SUBPACKAGES)])
def test_type_checking_imports_match_all(name):
    package = importlib.import_module(name)
    assert type_checking_names(Path(package.__file__)) == set(package.__all__)


@pytest.mark.parametrize("sub", SUBPACKAGES[1:])
def test_subpackage_names_resolve_lazily(sub):
    package = importlib.import_module(f"matcher.{sub}")
    for name in package.__all__:
        assert getattr(package, name) is not None
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError, match=f"matcher.{sub}"):
        package.no_such_name  # noqa: B018


def test_vocabulary_loads_without_the_rest_of_its_package():
    assert loaded_after("from matcher.profiles.themes import THEMES\nfrom matcher.profiles import THEME_IDS") == []


def test_cohorts_repair_stays_the_function_when_its_submodule_loads_first():
    code = (
        "import sys, types, matcher.cohorts.repair, matcher.cohorts as C\n"
        "from matcher.cohorts import repair\n"
        "print(isinstance(C.repair, types.FunctionType), repair is C.repair is sys.modules['matcher.cohorts.repair'].repair)"
    )
    assert fresh_python(code) == "True True"
    assert isinstance(matcher.cohorts.repair, types.FunctionType)
    assert matcher.cohorts.repair is importlib.import_module("matcher.cohorts.repair").repair
