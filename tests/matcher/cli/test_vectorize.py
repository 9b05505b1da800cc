"""Tests for ``peermatch vectorize`` (matcher/cli/vectorize.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from matcher.cli import main
from matcher.profiles.io import load_cohort

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "data" / "samples" / "teachers.csv"


def test_writes_the_matrix_with_ids_and_blocks(tmp_path, capsys):
    out = tmp_path / "x.npz"
    assert main(["vectorize", str(SAMPLE), "-o", str(out)]) == 0
    saved = np.load(out)
    rows, cols = saved["shape"]
    assert list(saved["ids"]) == list(load_cohort(SAMPLE).ids) and rows == len(saved["ids"])
    assert len(saved["indptr"]) == rows + 1 and len(saved["feature_names"]) == cols
    stops = [int(b.split(":")[2]) for b in saved["blocks"]]
    assert stops[-1] == cols and stops == sorted(stops)
    assert f"{rows} teachers x {cols} features" in capsys.readouterr().out


def test_bad_output_name_and_missing_file(tmp_path, capsys):
    assert main(["vectorize", str(SAMPLE), "-o", str(tmp_path / "x.csv")]) == 1
    assert "must end in .npz" in capsys.readouterr().err
    assert main(["vectorize", str(tmp_path / "none.csv"), "-o", str(tmp_path / "x.npz")]) == 1
    assert "no such file" in capsys.readouterr().err
