"""Committed notebooks stay clean: no outputs, no execution counts, no imports from ``service``.

Executing them is a separate run: ``.venv/bin/pytest --nbmake notebooks/``. To strip a notebook
after working in Jupyter: ``.venv/bin/python notebooks/strip_outputs.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = {"01_profiles_and_contexts.ipynb", "02_peer_network.ipynb", "03_cohort_quality.ipynb", "04_programme_outcomes.ipynb"}


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code(nb: nbformat.NotebookNode) -> list[str]:
    # IPython magics and shell escapes are not Python; blank them so ast can parse the rest.
    return [
        "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines())
        for cell in nb.cells
        if cell.cell_type == "code"
    ]


def _imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_the_three_analyst_notebooks_exist():
    assert EXPECTED <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid_and_stripped(path):
    nb = _read(path)
    nbformat.validate(nb)
    dirty = [
        i for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; run notebooks/strip_outputs.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_imports_matcher_and_nothing_from_service(path):
    modules = set().union(*(_imported_modules(src) for src in _code(_read(path))))
    assert any(m == "matcher" or m.startswith("matcher.") for m in modules), f"{path.name} does not import matcher"
    service = sorted(m for m in modules if m == "service" or m.startswith("service."))
    assert not service, f"{path.name} imports {service}: notebooks use the matcher library only"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_opens_with_a_title_and_reads_the_sample_data(path):
    nb = _read(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), f"{path.name}: first cell must be a '# Title' markdown cell"
    assert any("../data/samples/" in src for src in _code(nb)), f"{path.name}: expected to read ../data/samples/ (paths relative to notebooks/)"


def test_import_check_sees_service_imports():
    # Guard against the check above passing vacuously.
    assert _imported_modules("import service.db\nfrom service import create_app\nimport matcher") == {"service.db", "service", "matcher"}
