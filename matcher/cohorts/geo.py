"""Balanced geographic areas: the block split behind regions (:mod:`.regions`) and polishing
blocks (:mod:`.polish`).

Examples
--------
>>> import numpy as np
>>> geo_regions(np.array([[51.5, -0.1], [51.6, -0.1], [52.5, -1.9], [52.4, -1.9]]), max_size=2).tolist()
[0, 0, 1, 1]
"""

from __future__ import annotations

import numpy as np

__all__ = ["geo_regions", "REGION_SIZE"]

REGION_SIZE = 1500  # teachers per automatic geographic region (dense affinity each)


def geo_regions(coords: np.ndarray, *, max_size: int = REGION_SIZE) -> np.ndarray:
    """Balanced areas: split the points at the median of their wider axis (latitude, or
    longitude scaled by the cosine of the latitude) until every area has at most
    ``max_size`` points. Returns an area number per point, numbered in split order."""
    coords = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    labels = np.zeros(len(coords), dtype=np.int64)
    todo = [np.arange(len(coords))]
    done: list[np.ndarray] = []
    while todo:
        idx = todo.pop(0)
        if len(idx) <= max_size:
            done.append(idx)
            continue
        pts = coords[idx]
        span_lat = np.ptp(pts[:, 0])
        span_lon = np.ptp(pts[:, 1]) * np.cos(np.radians(pts[:, 0].mean()))
        axis = 0 if span_lat >= span_lon else 1
        order = idx[np.argsort(pts[:, axis], kind="stable")]
        half = len(order) // 2
        todo += [order[:half], order[half:]]
    done.sort(key=lambda a: a.min())
    for k, idx in enumerate(done):
        labels[idx] = k
    return labels
