r"""MDGPLIB benchmark files (Gallego et al. 2013): read an instance, write a solution.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.txt"
>>> _ = path.write_text("4 2 ss 2 2 2 2\n0 1 5\n2 3 5\n0 2 1\n")
>>> problem = read_mdgplib(path)
>>> problem.n, problem.m, problem.objective([0, 0, 1, 1])
(4, 2, 10.0)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .feasibility import _invalid
from .problem import GroupingProblem

__all__ = ["read_mdgplib", "write_assignment"]


def read_mdgplib(path: str | os.PathLike[str]) -> GroupingProblem:
    """Read an MDGPLIB instance (Gallego et al. 2013): a header ``n m ds|ss a_1 b_1 ...``
    then one ``i j d_ij`` line per pair (0-based).

    Raises
    ------
    ValidationError
        Naming the file and what is wrong with it.
    """
    path = Path(path)
    text = path.read_text()
    head, _, body = text.partition("\n")
    fields = head.split()
    where = f"{path.name}: "
    try:
        n, m = int(fields[0]), int(fields[1])
        bounds = [int(x) for x in fields[3:]]
    except (IndexError, ValueError):
        raise _invalid("header", "first line must be 'n m ds|ss a_1 b_1 ... a_m b_m'", head[:40], row=1, where=where) from None
    if len(bounds) != 2 * m:
        raise _invalid("header", f"expected {2 * m} size bounds on the first line, got {len(bounds)}", row=1, where=where)
    try:
        vals = np.array(body.split(), dtype=np.float64)
    except ValueError:
        raise _invalid("pairs", "pair lines must be 'i j d_ij' numbers", where=where) from None
    if vals.size % 3:
        raise _invalid("pairs", "pair lines must be 'i j d_ij' triples", where=where)
    vals = vals.reshape(-1, 3)
    i, j = vals[:, 0].astype(np.int64), vals[:, 1].astype(np.int64)
    if i.size and (min(i.min(), j.min()) < 0 or max(i.max(), j.max()) >= n):
        raise _invalid("pairs", f"pair indices must be in 0..{n - 1}", where=where)
    w = np.zeros((n, n))
    w[i, j] = vals[:, 2]
    w[j, i] = vals[:, 2]
    np.fill_diagonal(w, 0.0)
    b = np.array(bounds, dtype=np.int64)
    return GroupingProblem(w, b[0::2], b[1::2], noun="elements")


def write_assignment(path: str | os.PathLike[str], assignment: Sequence[int] | npt.NDArray[np.integer[Any]]) -> None:
    """Write one 0-based group index per line (the MDGPLIB solution format)."""
    a = np.asarray(assignment, dtype=np.int64)
    Path(path).write_text("".join(f"{int(g)}\n" for g in a))
