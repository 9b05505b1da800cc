"""The cohort map: London's boroughs and the Thames, members' schools coloured by group.

Drawn as SVG by hand rather than through matplotlib, so that every group is one ``<g>``
with data attributes that ``static/js/map.js`` can highlight: hovering, clicking or
focusing a group's school, or choosing the group in the list the script adds next to the
map, shows that group's spokes (member to group centre) and dims the others. Without the
script the map shows the boroughs and every member's school, and no spokes at all (they
are hidden by a presentation attribute that ``static/css/map.css`` overrides for the
highlighted group only), so 60 groups never become a tangle of lines.

The borough outlines are the ONS/OS London boundaries (OGL v3.0) shipped under
``data/boundaries`` (see its README for source, licence and how they were simplified); the
Thames is the gap those boundaries leave below mean high water. The projection is local
equirectangular (longitude scaled by the cosine of the middle latitude): equal scale in
both directions to within a few per cent over a city. No axes, no latitude/longitude
ticks: a scale bar gives distances.

Examples
--------
>>> svg = map_svg([MapGroup("1", (MapPoint(51.50, -0.10, "Ann"), MapPoint(51.52, -0.12, "Bo")))], title="Groups")
>>> 'data-group="1"' in svg and 'class="map-borough"' in svg and "longitude" not in svg
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from markupsafe import Markup, escape
from matplotlib.path import Path as MplPath

from matcher.places.schools import DATA_DIR

from .charts import INK, MUTED, PALETTE

__all__ = ["ATTRIBUTION", "Borough", "MapGroup", "MapPoint", "boroughs", "map_svg", "thames"]

BOUNDARIES_DIR = DATA_DIR / "boundaries"
ATTRIBUTION = "Borough boundaries: contains National Statistics and OS data © Crown copyright and database right 2015 (OGL v3.0)"
WIDTH = 640.0  # viewBox width; the height follows the area shown
_PAD = 12.0
_LAND = "#e6e9ed"
_BORDER = "#ffffff"
_WATER = "#b7d4ea"
_OTHER = "#aab4bf"

Ring = tuple[tuple[float, float], ...]  # (lon, lat) pairs, closed or not


@dataclass(frozen=True)
class MapPoint:
    """A school on the map."""

    lat: float
    lon: float
    label: str = ""


@dataclass(frozen=True)
class MapGroup:
    """A group on the map: its label and its members' school positions."""

    label: str
    points: tuple[MapPoint, ...]


@dataclass(frozen=True)
class Borough:
    """A borough outline: its name and polygons (each an outer ring, then any holes)."""

    name: str
    polygons: tuple[tuple[Ring, ...], ...]


def _polygons(geometry: dict[str, Any]) -> tuple[tuple[Ring, ...], ...]:
    """GeoJSON Polygon or MultiPolygon coordinates as tuples."""
    coords = geometry["coordinates"]
    polys = [coords] if geometry["type"] == "Polygon" else coords
    return tuple(tuple(tuple((float(x), float(y)) for x, y in ring) for ring in poly) for poly in polys)


def _features(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    features: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["features"]
    return features


@lru_cache(maxsize=1)
def boroughs() -> tuple[Borough, ...]:
    """London's 33 local authorities from ``data/boundaries`` (empty if the file is missing).

    >>> len(boroughs()), "Camden" in {b.name for b in boroughs()}
    (33, True)
    """
    out = []
    for f in _features(BOUNDARIES_DIR / "london_boroughs.geojson"):
        out.append(Borough(str(f["properties"]["name"]), _polygons(f["geometry"])))
    return tuple(out)


@lru_cache(maxsize=1)
def thames() -> tuple[tuple[Ring, ...], ...]:
    """The tidal Thames inside Greater London, as polygons (empty if the file is missing).

    >>> len(thames()) >= 1
    True
    """
    polys: list[tuple[Ring, ...]] = []
    for f in _features(BOUNDARIES_DIR / "thames.geojson"):
        polys += _polygons(f["geometry"])
    return tuple(polys)


def _ring_area_centroid(ring: Ring) -> tuple[float, float, float]:
    """Signed area and centroid of a ring (shoelace), in its own units."""
    xy = np.asarray(ring, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    area = float(cross.sum()) / 2
    if area == 0:
        return 0.0, float(x.mean()), float(y.mean())
    return area, float(((x + x1) * cross).sum() / (6 * area)), float(((y + y1) * cross).sum() / (6 * area))


@dataclass(frozen=True)
class _Projection:
    """Local equirectangular: lon scaled by cos(middle latitude), north up, fitted to the viewBox."""

    lon0: float
    lat1: float
    k: float
    scale: float

    @classmethod
    def fit(cls, lons: Sequence[float], lats: Sequence[float]) -> _Projection:
        k = math.cos(math.radians((min(lats) + max(lats)) / 2))
        span_x = max((max(lons) - min(lons)) * k, 0.01)
        return cls(min(lons), max(lats), k, (WIDTH - 2 * _PAD) / span_x)

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return _PAD + (lon - self.lon0) * self.k * self.scale, _PAD + (self.lat1 - lat) * self.scale

    def km(self, km: float) -> float:
        """Length in viewBox units of ``km`` kilometres."""
        return km / 111.2 * self.scale


def _path(polygons: Sequence[Sequence[Ring]], proj: _Projection) -> str:
    parts = []
    for poly in polygons:
        for ring in poly:
            pts = [proj(lon, lat) for lon, lat in ring]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
    return "".join(parts)


def _label(
    x: float, y: float, text: str, *, size: float, cls: str, colour: str = INK, weight: str = "normal", anchor: str = "middle", hidden: bool = False
) -> str:
    """Text with a white halo (stroke painted under the fill), readable over any colour."""
    vis = ' visibility="hidden"' if hidden else ""
    halo = "0.75" if cls == "map-borough-label" else "1"
    return (
        f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" fill="{colour}" text-anchor="{anchor}" '
        f'dominant-baseline="central" stroke="#ffffff" stroke-opacity="{halo}" stroke-width="3" stroke-linejoin="round" paint-order="stroke" pointer-events="none"{vis}>{escape(text)}</text>'
    )


def _extent(points: Sequence[MapPoint], shapes: Sequence[Borough]) -> tuple[list[float], list[float]]:
    """Longitudes and latitudes to fit: the points, and all of London if any point is in it."""
    lons = [p.lon for p in points]
    lats = [p.lat for p in points]
    ring_pts = [xy for b in shapes for poly in b.polygons for xy in poly[0]]
    if ring_pts:
        blon = [x for x, _ in ring_pts]
        blat = [y for _, y in ring_pts]
        if any(min(blon) <= lon <= max(blon) and min(blat) <= lat <= max(blat) for lon, lat in zip(lons, lats)):
            lons += [min(blon), max(blon)]
            lats += [min(blat), max(blat)]
    mx = max(0.005, (max(lons) - min(lons)) * 0.02)
    my = max(0.005, (max(lats) - min(lats)) * 0.02)
    return [min(lons) - mx, max(lons) + mx], [min(lats) - my, max(lats) + my]


def _boroughs_with(points: Sequence[MapPoint], shapes: Sequence[Borough]) -> set[str]:
    if not points:
        return set()
    xy = np.array([(p.lon, p.lat) for p in points])
    return {b.name for b in shapes if any(MplPath(np.asarray(poly[0])).contains_points(xy).any() for poly in b.polygons)}


def _lines(name: str) -> list[str]:
    """A long borough name on two lines ("Kensington" / "and Chelsea"), a short one on one.

    >>> _lines("Kensington and Chelsea"), _lines("Camden")
    (['Kensington', 'and Chelsea'], ['Camden'])
    """
    if len(name) <= 12:
        return [name]
    words = name.split()
    best = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
    return [" ".join(words[:best]), " ".join(words[best:])]


def _borough_labels(shapes: Sequence[Borough], names: set[str], proj: _Projection) -> str:
    """Labels of the boroughs in ``names``, largest first, skipping any that would overlap one already placed."""
    placed: list[tuple[float, float, float, float]] = []
    out = ['<g class="map-borough-labels" aria-hidden="true">']
    candidates = []
    for b in shapes:
        if b.name in names:
            area, cx, cy = max((_ring_area_centroid(poly[0]) for poly in b.polygons), key=lambda a: abs(a[0]))
            candidates.append((abs(area), b.name, proj(cx, cy)))
    for area, name, (x, y) in sorted(candidates, reverse=True):
        size = 9.5 if area >= 0.0025 else 8.5  # central boroughs are small: smaller type
        lines = _lines(name)
        w = 0.56 * size * max(len(t) for t in lines) + 4
        h = 1.15 * size * len(lines) + 2
        box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue  # its name is still the outline's tooltip
        placed.append(box)
        for i, line in enumerate(lines):
            dy = (i - (len(lines) - 1) / 2) * 1.1 * size
            out.append(_label(x, y + dy, line, size=size, cls="map-borough-label", colour="#3e4c59"))
    out.append("</g>")
    return "".join(out)


def _scale_bar(proj: _Projection, height: float) -> str:
    target = (WIDTH - 2 * _PAD) / 6
    km = max((n for n in (1, 2, 5, 10, 20, 50, 100, 200, 500) if proj.km(n) <= target), default=1)
    length = proj.km(km)
    x, y = _PAD, height - _PAD
    return (
        f'<g class="map-scale"><path d="M{x:.1f},{y - 4:.1f}V{y:.1f}H{x + length:.1f}V{y - 4:.1f}" fill="none" stroke="{INK}" stroke-width="1.2"/>'
        + _label(x + length / 2, y - 9, f"{km} km", size=9, cls="map-scale-label")
        + "</g>"
    )


def _key(has_background: bool, has_river: bool) -> str:
    x, y = _PAD + 4, _PAD + 4
    items = [f'<circle cx="{x}" cy="{y}" r="3.4" fill="{PALETTE[0]}" stroke="#fff" stroke-width="0.8"/>', _label(x + 8, y, "member's school (colour: group)", size=9, cls="map-key", anchor="start")]
    row = 1
    if has_background:
        yy = y + 13 * row
        items += [f'<circle cx="{x}" cy="{yy}" r="2" fill="{_OTHER}"/>', _label(x + 8, yy, "other school in the programme", size=9, cls="map-key", anchor="start")]
        row += 1
    if has_river:
        yy = y + 13 * row
        items += [f'<rect x="{x - 4}" y="{yy - 3}" width="8" height="6" fill="{_WATER}"/>', _label(x + 8, yy, "River Thames", size=9, cls="map-key", anchor="start")]
    return '<g class="map-key">' + "".join(items) + "</g>"


def map_svg(groups: Sequence[MapGroup], *, background: Sequence[MapPoint] = (), title: str, name: str = "map") -> Markup:
    """The groups over London's boroughs: one ``<g class="map-group">`` per group.

    Parameters
    ----------
    groups
        Each group's label and its members' schools; colours cycle through ``PALETTE``.
    background
        Other schools (e.g. the rest of the programme), drawn as small grey dots; those
        at a member's school are left out (the member's dot stands for them).
    title
        What the map shows, for its ``<title>``.
    name
        A prefix for element ids, unique on the page.

    Boroughs are drawn whenever the points are in or near London; only boroughs holding a
    member's school are labelled, to keep the labels readable.
    """
    members = [p for g in groups for p in g.points]
    at_members = {(p.lat, p.lon) for p in members}
    background = [p for p in background if (p.lat, p.lon) not in at_members]  # a member's dot covers it anyway
    all_points = members + list(background)
    head = f'<svg xmlns="http://www.w3.org/2000/svg" class="chart map js-map" role="group" aria-labelledby="{name}-title {name}-desc" preserveAspectRatio="xMidYMid meet"'
    accessible = f'<title id="{name}-title">{escape(title)}</title>'
    if not all_points:
        return Markup(  # noqa: S704 (escaped above)
            f'{head} viewBox="0 0 {WIDTH:.0f} 120">{accessible}<desc id="{name}-desc">No schools to show.</desc>'
            f'{_label(WIDTH / 2, 60, "Nothing to show", size=14, cls="map-empty", colour=MUTED)}</svg>'
        )
    shapes = boroughs()
    lons, lats = _extent(all_points, shapes)
    proj = _Projection.fit(lons, lats)
    height = proj(lons[0], lats[0])[1] + _PAD
    out = [f'{head} viewBox="0 0 {WIDTH:.0f} {height:.0f}">', accessible]
    lat_mid = math.radians(sum(lats) / 2)
    km = max(lats[1] - lats[0], (lons[1] - lons[0]) * math.cos(lat_mid)) * 111.2
    out.append(
        f'<desc id="{name}-desc">{len(groups)} groups, {len(members)} members\' schools'
        f"{f' and {len(background)} other schools' if background else ''}, over about {km:.0f} km"
        f"{', on the outlines of the London boroughs' if shapes else ''}.</desc>"
    )
    out.append('<g class="map-boroughs">')
    for b in shapes:
        out.append(f'<path class="map-borough" d="{_path(b.polygons, proj)}" fill="{_LAND}" stroke="{_BORDER}" stroke-width="1.2"><title>{escape(b.name)}</title></path>')
    river = thames()
    if river:
        out.append(f'<path class="map-river" d="{_path(river, proj)}" fill="{_WATER}" stroke="none"><title>River Thames</title></path>')
    out.append("</g>")
    if background:
        out.append('<g class="map-background">')
        out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.8" fill="{_OTHER}"/>' for x, y in (proj(p.lon, p.lat) for p in background)]
        out.append("</g>")
    out.append('<g class="map-groups">')
    for n, g in enumerate(groups):
        if not g.points:
            continue
        colour = PALETTE[n % len(PALETTE)]
        xy = [proj(p.lon, p.lat) for p in g.points]
        cx, cy = sum(x for x, _ in xy) / len(xy), sum(y for _, y in xy) / len(xy)
        out.append(f'<g class="map-group" data-group="{escape(g.label)}" data-size="{len(g.points)}" data-colour="{colour}" aria-label="Group {escape(g.label)}: {len(g.points)} members">')
        spokes = "".join(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}"/>' for x, y in xy)
        out.append(f'<g class="map-spokes" visibility="hidden" stroke="{colour}" stroke-width="1.6" stroke-linecap="round">{spokes}</g>')
        for (x, y), p in zip(xy, g.points):
            tip = f"{p.label}, group {g.label}" if p.label else f"Group {g.label}"
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.6" fill="{colour}" stroke="#ffffff" stroke-width="0.8"><title>{escape(tip)}</title></circle>')
        out.append(_label(cx, cy, f"Group {g.label}", size=11, cls="map-group-label", weight="bold", hidden=True))
        out.append("</g>")
    out.append("</g>")
    out.append(_borough_labels(shapes, _boroughs_with(members, shapes), proj))  # over the dots: names stay readable
    out.append(_key(bool(background), bool(river)))
    out.append(_scale_bar(proj, height))
    if shapes:
        out.append(
            f'<text class="map-attribution" x="{WIDTH - _PAD:.1f}" y="{height - 3:.1f}" font-size="6.5" fill="{MUTED}" text-anchor="end">'
            f"{escape(ATTRIBUTION)}</text>"
        )
    out.append("</svg>")
    # Safe: every piece of text above went through escape(); the rest is numbers and constants.
    return Markup("".join(out))  # noqa: S704
