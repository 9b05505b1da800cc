"""Rebuild ``london_boroughs.geojson`` and ``thames.geojson`` from the published TopoJSON.

Input: ``londonBoroughs.json`` from the npm package ``vega-datasets`` 3.2.1 (see README.md
here for its source and licence). Run from the repository root::

    npm pack vega-datasets@3.2.1 && tar xzf vega-datasets-3.2.1.tgz
    python data/boundaries/prepare.py package/data/londonBoroughs.json

Needs numpy, scipy and matplotlib (all dependencies of the project already).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
from contourpy import contour_generator
from matplotlib.path import Path as MplPath
from scipy import ndimage

HERE = Path(__file__).resolve().parent
LAT0 = 51.5  # local equirectangular projection for distances: x = lon * cos(LAT0), km
KX, KY = 111.32 * math.cos(math.radians(LAT0)), 110.57
TOLERANCE_KM = 0.05  # Douglas-Peucker tolerance for the borough arcs
RIVER_TOLERANCE_KM = 0.03
CELL_KM = 0.04  # raster cell for finding the river gap
CLOSE_KM = 0.8  # closing radius: fills gaps narrower than about twice this


def douglas_peucker(pts: np.ndarray, tol: float) -> np.ndarray:
    """Keep the points of a polyline (in km) that lie more than ``tol`` from the simplified line."""
    keep = np.zeros(len(pts), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        seg = pts[b] - pts[a]
        rel = pts[a + 1 : b] - pts[a]
        norm = math.hypot(*seg)
        if norm == 0:
            dist = np.hypot(rel[:, 0], rel[:, 1])
        else:
            dist = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm
        i = int(np.argmax(dist))
        if dist[i] > tol:
            k = a + 1 + i
            keep[k] = True
            stack += [(a, k), (k, b)]
    return pts[keep]


def to_km(lonlat: np.ndarray) -> np.ndarray:
    return np.column_stack([lonlat[:, 0] * KX, lonlat[:, 1] * KY])


def to_lonlat(km: np.ndarray) -> np.ndarray:
    return np.column_stack([km[:, 0] / KX, km[:, 1] / KY])


def rounded(ring: np.ndarray) -> list[list[float]]:
    return [[round(float(x), 5), round(float(y), 5)] for x, y in ring]


def main(src: str) -> None:
    topo = json.loads(Path(src).read_text())
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        lonlat = np.column_stack([q[:, 0] * sx + tx, q[:, 1] * sy + ty])
        # Shared arcs are simplified once, so neighbouring boroughs still meet exactly.
        arcs.append(to_lonlat(douglas_peucker(to_km(lonlat), TOLERANCE_KM)))

    def ring(indices: list[int]) -> np.ndarray:
        parts = []
        for k, i in enumerate(indices):
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            parts.append(a if k == 0 else a[1:])
        return np.vstack(parts)

    features = []
    rings_km = []
    for geom in topo["objects"]["boroughs"]["geometries"]:
        polys = [geom["arcs"]] if geom["type"] == "Polygon" else geom["arcs"]
        coords = [[ring(r) for r in poly] for poly in polys]
        rings_km += [to_km(r) for poly in coords for r in poly]
        features.append(
            {
                "type": "Feature",
                "properties": {"name": geom["id"]},
                "geometry": {"type": "MultiPolygon", "coordinates": [[rounded(r) for r in poly] for poly in coords]},
            }
        )
    collection = {"type": "FeatureCollection", "features": sorted(features, key=lambda f: f["properties"]["name"])}
    (HERE / "london_boroughs.geojson").write_text(json.dumps(collection, separators=(",", ":")) + "\n")

    # The boundaries exclude the Thames below mean high water, so the river is the long
    # gap between them: close the union of the boroughs and keep what closing added.
    allpts = np.vstack(rings_km)
    pad = 2 * CLOSE_KM
    x0, y0 = allpts.min(axis=0) - pad
    x1, y1 = allpts.max(axis=0) + pad
    xs = np.arange(x0, x1, CELL_KM)
    ys = np.arange(y0, y1, CELL_KM)
    gx, gy = np.meshgrid(xs, ys)
    cells = np.column_stack([gx.ravel(), gy.ravel()])
    land = np.zeros(len(cells), dtype=bool)
    for r in rings_km:
        land |= MplPath(r).contains_points(cells)
    land = land.reshape(gx.shape)
    radius = int(round(CLOSE_KM / CELL_KM))
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    disk = xx**2 + yy**2 <= radius**2
    closed = ndimage.binary_closing(land, structure=disk, border_value=0)
    gap = closed & ~land
    labels, n = ndimage.label(gap)
    sizes = ndimage.sum(gap, labels, range(1, n + 1))
    river = labels == (1 + int(np.argmax(sizes)))
    lines = contour_generator(xs, ys, river.astype(float)).lines(0.5)
    river_rings = [douglas_peucker(np.asarray(line), RIVER_TOLERANCE_KM) for line in lines if len(line) > 20]
    thames = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "River Thames (gap between the borough boundaries, below mean high water)"},
                "geometry": {"type": "MultiPolygon", "coordinates": [[rounded(to_lonlat(r))] for r in river_rings]},
            }
        ],
    }
    (HERE / "thames.geojson").write_text(json.dumps(thames, separators=(",", ":")) + "\n")
    print(f"{len(features)} boroughs, {sum(len(a) for a in arcs)} arc points; river: {len(river_rings)} ring(s), {sum(len(r) for r in river_rings)} points")


if __name__ == "__main__":
    main(sys.argv[1])
