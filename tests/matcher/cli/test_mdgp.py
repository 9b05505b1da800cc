"""Tests for matcher/cli/mdgp.py (``peermatch mdgp``)."""

from __future__ import annotations

import numpy as np

from matcher.cli import main
from matcher.cli.mdgp import main as module_main
from matcher.cohorts.mdgplib import read_mdgplib



def random_weights(n: int, seed: int) -> np.ndarray:
    w = np.triu(np.random.default_rng(seed).uniform(0, 10, (n, n)), 1)
    return w + w.T


def _instance(tmp_path, n=12, m=3, ds=False):
    w = np.round(random_weights(n, seed=n), 3)
    bounds = " ".join(["3 5"] * m) if ds else " ".join([f"{n // m} {n // m}"] * m)
    text = [f"{n} {m} {'ds' if ds else 'ss'} {bounds}"] + [f"{i} {j} {w[i, j]:.3f}" for i in range(n) for j in range(i + 1, n)]
    path = tmp_path / "inst.txt"
    path.write_text("\n".join(text) + "\n")
    return path


def test_writes_one_feasible_group_per_line(tmp_path, capsys):
    inst = _instance(tmp_path)
    out = tmp_path / "out.sol"
    assert main(["mdgp", str(inst), str(out), "5", "--seed", "3", "--clock", "solver", "--threads", "1"]) == 0
    groups = [int(x) for x in out.read_text().split()]
    problem = read_mdgplib(inst)
    assert len(groups) == 12 and problem.violations(np.array(groups)) == []
    assert "objective" in capsys.readouterr().err


def test_module_entry_point_and_ds_bounds(tmp_path):
    inst = _instance(tmp_path, n=11, m=3, ds=True)
    out = tmp_path / "out.sol"
    assert module_main([str(inst), str(out), "1", "--clock", "solver"]) == 0
    assert read_mdgplib(inst).violations(np.loadtxt(out, dtype=int)) == []


def test_bad_instance_is_reported(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("not an instance\n")
    assert main(["mdgp", str(bad), str(tmp_path / "o.sol"), "1"]) == 1
    assert "first line" in capsys.readouterr().err
    assert main(["mdgp", str(tmp_path / "missing.txt"), str(tmp_path / "o.sol"), "1"]) == 1
    assert "no such file" in capsys.readouterr().err
