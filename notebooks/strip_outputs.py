"""Strip outputs and execution counts from notebooks before committing them.

Run from the repository root after working in Jupyter::

    .venv/bin/python notebooks/strip_outputs.py            # every notebook in notebooks/
    .venv/bin/python notebooks/strip_outputs.py notebooks/02_peer_network.ipynb

``tests/notebooks/test_notebooks_clean.py`` fails while any committed notebook still has outputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def strip(path: Path) -> bool:
    """Clear outputs, execution counts and per-run metadata in place; return True if the file changed."""
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    after = nbformat.writes(nb) + "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
        return True
    return False


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(Path(__file__).resolve().parent.glob("*.ipynb"))
    for path in paths:
        if strip(path):
            print(f"stripped {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
