"""Start-up cost of ``peermatch`` (matcher/cli/__init__.py and the command modules).

Building the parser (``peermatch --help``) must import no heavy library, and the ``mdgp``
benchmark command, whose time limit counts from process start, must never load the
teacher layer (scikit-learn, pandas, networkx). Each check runs in a fresh interpreter,
because this test process has imported everything already.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from matcher.cli import COMMAND_MODULES

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("sklearn", "pandas", "networkx", "numpy", "scipy", "numba", "dask", "matplotlib", "ortools", "flask", "sqlalchemy")
TEACHER_LAYER = ("sklearn", "pandas", "networkx", "dask", "matplotlib", "ortools")


def heavy_loaded(code: str, names=HEAVY) -> list[str]:
    """Run ``code`` in a fresh interpreter; the ``names`` it left in ``sys.modules``."""
    script = textwrap.dedent(code) + f"\nimport sys\nprint('loaded:', *[m for m in {tuple(names)!r} if m in sys.modules])\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("loaded:"), done.stdout
    return last.split()[1:]


def test_help_imports_no_heavy_library():
    code = """
        import contextlib, io
        from matcher.cli import main
        with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
            main(["--help"])
        assert "mdgp" in out.getvalue() and "cohorts" in out.getvalue()
    """
    assert heavy_loaded(code) == []


@pytest.mark.parametrize("command", COMMAND_MODULES)
def test_each_command_help_imports_no_heavy_library(command):
    code = f"""
        import contextlib, io
        from matcher.cli import main
        with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
            main([{command!r}, "--help"])
        assert "usage: peermatch {command}" in out.getvalue()
    """
    assert heavy_loaded(code) == []


def test_mdgp_import_path_skips_the_teacher_layer():
    code = "import matcher.cli, matcher.cli.mdgp\nmatcher.cli.build_parser()"
    assert heavy_loaded(code) == []
    assert heavy_loaded("import matcher, matcher.cli.mdgp, sys\nprint('sklearn' in sys.modules)", ("sklearn",)) == []


def test_mdgp_run_skips_the_teacher_layer(tmp_path):
    inst, out = tmp_path / "inst.txt", tmp_path / "out.sol"
    pairs = [f"{i} {j} {(7 * i + 3 * j) % 10}" for i in range(6) for j in range(i + 1, 6)]
    inst.write_text("6 2 ss 3 3 3 3\n" + "\n".join(pairs) + "\n")
    code = f"""
        from matcher.cli import main
        assert main(["mdgp", {str(inst)!r}, {str(out)!r}, "0.2", "--clock", "solver", "--threads", "1"]) == 0
    """
    assert heavy_loaded(code, TEACHER_LAYER) == []
    assert sorted(int(g) for g in out.read_text().split()) == [0, 0, 0, 1, 1, 1]
