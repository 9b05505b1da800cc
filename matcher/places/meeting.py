"""Who can meet whom in person: places, travel limits and in-person-only members.

A :class:`MeetingRange` is the geometric hard constraint of in-person groups. Members who
meet only in person may share a group only with members they can reach: both able to meet
in person and no further apart than the smaller of their two travel limits. Members who
can also meet online are free to share a group with each other wherever they are.

Checking a pair is O(1) (a chord length between unit vectors against a per-member
threshold), so large sparse problems check it on the fly instead of listing the millions
of pairs that cannot meet.

Examples
--------
>>> import numpy as np
>>> # two schools 1.1 km apart in Camden, one 20 km away; the first two meet in person only
>>> where = MeetingRange(lat=[51.55, 51.56, 51.40], lon=[-0.15, -0.15, 0.10],
...                      reach_km=[5, 5, -1], in_person_only=[True, True, False])
>>> where.can_meet([0, 0], [1, 2]).tolist()
[True, False]
>>> where.unmeetable_pairs().tolist()
[[0, 2], [1, 2]]
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import numpy.typing as npt

from ..errors import Issue, ValidationError, shown
from ..pairkeys import pairs_from_keys, sorted_unique
from .schools import EARTH_RADIUS_KM

__all__ = ["MeetingRange"]


def _unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _chord_sq(km: np.ndarray) -> np.ndarray:
    """Squared chord between two unit vectors ``km`` apart on the earth (monotone in km)."""
    angle = np.minimum(np.asarray(km, dtype=np.float64), np.pi * EARTH_RADIUS_KM) / EARTH_RADIUS_KM
    return (2.0 * np.sin(angle / 2.0)) ** 2


@dataclass(frozen=True, eq=False)
class MeetingRange:
    """Places and travel limits of a problem's members (immutable).

    Parameters
    ----------
    lat, lon : array of float, shape (n,)
        Where each member is, in degrees.
    reach_km : array of float, shape (n,)
        How far each member travels to meet; negative: does not meet in person at all
        (online only).
    in_person_only : array of bool, shape (n,)
        Members who meet only in person: every groupmate must be within reach of them.
    """

    lat: np.ndarray
    lon: np.ndarray
    reach_km: np.ndarray
    in_person_only: np.ndarray
    # Derived in __post_init__: unit vectors on the sphere, squared chord each member covers.
    points: np.ndarray = field(init=False, repr=False)
    threshold: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lat = np.array(self.lat, dtype=np.float64).reshape(-1)
        lon = np.array(self.lon, dtype=np.float64).reshape(-1)
        reach = np.array(self.reach_km, dtype=np.float64).reshape(-1)
        strict = np.array(self.in_person_only, dtype=bool).reshape(-1)
        n = lat.size
        for name, arr in (("lon", lon), ("reach_km", reach), ("in_person_only", strict)):
            if arr.size != n:
                raise ValidationError(
                    [Issue(None, name, f"{arr.size} values", f"must have one value per member, as lat has ({n})")],
                    summary=f"meeting range: {name} has {arr.size} values, lat has {n}",
                )
        if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon)) and np.all(np.isfinite(reach))):
            bad = [name for name, arr in (("lat", lat), ("lon", lon), ("reach_km", reach)) if not np.all(np.isfinite(arr))]
            raise ValidationError(
                [Issue(None, name, "NaN or infinite", "must be finite numbers") for name in bad],
                summary="meeting range: places and travel limits must be finite numbers",
            )
        if np.any(np.abs(lat) > 90) or np.any(np.abs(lon) > 180):
            issues = [
                Issue(None, name, shown(float(arr[np.argmax(np.abs(arr))])), f"must be within ±{limit} degrees")
                for name, arr, limit in (("lat", lat, 90), ("lon", lon, 180))
                if np.any(np.abs(arr) > limit)
            ]
            raise ValidationError(issues, summary="meeting range: latitude must be within ±90 and longitude within ±180 degrees")
        points = _unit_vectors(lat, lon)
        # squared chord each member can cover; -1: cannot meet in person
        threshold = np.where(reach >= 0, _chord_sq(np.maximum(reach, 0.0)), -1.0)
        for name, arr in (("lat", lat), ("lon", lon), ("reach_km", reach), ("in_person_only", strict),
                          ("points", points), ("threshold", threshold)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @property
    def n(self) -> int:
        return int(self.lat.size)

    def can_meet(self, i: npt.ArrayLike, j: npt.ArrayLike) -> np.ndarray:
        """For index arrays ``i``, ``j``: may the pairs share a group? (Symmetric; a member
        with itself is allowed.)"""
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        either = self.in_person_only[i] | self.in_person_only[j]
        limit = np.minimum(self.threshold[i], self.threshold[j])
        gap = self.points[i] - self.points[j]
        close = np.einsum("kd,kd->k", gap, gap) <= limit
        ok: np.ndarray = ~either | ((limit >= 0) & close) | (i == j)
        return ok

    def reachable_pairs(self) -> np.ndarray:
        """Pairs ``(i, j)``, ``i < j``, with at least one in-person-only member, that can
        meet: the only pairs such members may share a group with (sorted, read-only,
        computed once)."""
        cached = self.__dict__.get("_reachable")
        if cached is None:
            cached = self._reachable_pairs()
            cached.setflags(write=False)
            object.__setattr__(self, "_reachable", cached)
        return cached

    def _reachable_pairs(self) -> np.ndarray:
        strict = np.flatnonzero(self.in_person_only & (self.threshold >= 0))
        if strict.size == 0:
            return np.zeros((0, 2), dtype=np.int64)
        from scipy.spatial import cKDTree  # imported here: it slows down start-up of the mdgp CLI

        tree = cKDTree(self.points)
        radius = np.sqrt(np.maximum(self.threshold[strict], 0.0)) * (1 + 1e-12)
        found = cast("list[list[int]]", tree.query_ball_point(self.points[strict], r=radius, return_sorted=False))
        lengths = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
        i = np.repeat(strict, lengths)
        j = np.fromiter(itertools.chain.from_iterable(found), dtype=np.int64, count=int(lengths.sum()))
        keep = (i != j) & (self.threshold[j] >= 0)
        i, j = i[keep], j[keep]
        keep = self.can_meet(i, j)
        lo, hi = np.minimum(i[keep], j[keep]), np.maximum(i[keep], j[keep])
        return pairs_from_keys(sorted_unique(lo * self.n + hi), self.n)

    def unmeetable_pairs(self) -> np.ndarray:
        """Every pair ``(i, j)``, ``i < j``, that may not share a group (sorted). Quadratic
        in the number of in-person-only members: for dense problems of a few thousand."""
        strict = np.flatnonzero(self.in_person_only)
        n = self.n
        parts = []
        for start in range(0, strict.size, 256):
            rows = strict[start : start + 256]
            i, j = np.repeat(rows, n), np.tile(np.arange(n), rows.size)
            bad = ~self.can_meet(i, j)
            i, j = i[bad], j[bad]
            parts.append(np.minimum(i, j) * n + np.maximum(i, j))
        if not parts:
            return np.zeros((0, 2), dtype=np.int64)
        return pairs_from_keys(sorted_unique(np.concatenate(parts)), n)

    def subset(self, rows: npt.ArrayLike) -> MeetingRange:
        """The range of the members ``rows``, in that order (its reachable pairs are taken
        from this range's, when known, rather than searched again)."""
        rows = np.asarray(rows, dtype=np.int64)
        sub = MeetingRange(self.lat[rows], self.lon[rows], self.reach_km[rows], self.in_person_only[rows])
        known = self.__dict__.get("_reachable")
        if known is not None:
            pos = np.full(self.n, -1, dtype=np.int64)
            pos[rows] = np.arange(rows.size)
            i, j = pos[known[:, 0]], pos[known[:, 1]]
            both = (i >= 0) & (j >= 0)
            i, j = i[both], j[both]
            pairs = pairs_from_keys(sorted_unique(np.minimum(i, j) * sub.n + np.maximum(i, j)), sub.n)
            pairs.setflags(write=False)
            object.__setattr__(sub, "_reachable", pairs)
        return sub

