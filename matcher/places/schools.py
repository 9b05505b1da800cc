"""Real school records for England (DfE/Ofsted open data, OGL v3.0), keyed by URN.

The London table ships in ``data/schools/`` so the package works on its own; set
``PEERMATCH_SCHOOLS_CSV`` or pass ``path`` to use another table with the same columns
(e.g. ``england_secondary_schools.csv``).

Examples
--------
>>> schools = load_schools()
>>> school = schools[100049]
>>> school.local_authority, school.lat > 51
('Camden', True)
>>> haversine_km(51.5, -0.1, 51.5, -0.1)
0.0
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

import numpy as np

from ..errors import ParameterError

__all__ = [
    "School",
    "load_schools",
    "haversine_km",
    "pairwise_km",
    "DATA_DIR",
    "default_schools_path",
    "FSM_HIGH",
    "FSM_LOW",
    "EAL_HIGH",
]

# The repository's data/ folder (schools, practice examples, samples). Environment overrides are
# read by the loaders when they run (default_schools_path), never at import time.
DATA_DIR = Path(__file__).resolve().parents[2] / "data"
FSM_HIGH = 35.0  # % of pupils eligible for free school meals: "high-FSM", roughly London's top quartile
FSM_LOW = 15.0
EAL_HIGH = 50.0  # % with English as an additional language: "high-EAL"
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class School:
    """One school's public record; numeric fields are ``None`` where the source had no value."""

    urn: int
    name: str
    local_authority: str
    type: str
    sector: str
    phase: str
    gender: str
    religious_character: str
    pupils: int | None
    fsm_percent: float | None
    eal_percent: float | None
    sen_percent: float | None
    ofsted_rating: str
    ofsted_inspection_date: str
    postcode: str
    lat: float
    lon: float


_N = TypeVar("_N", int, float)

def default_schools_path() -> Path:
    """The schools table in use: ``$PEERMATCH_SCHOOLS_CSV`` or the shipped London file."""
    return Path(os.environ.get("PEERMATCH_SCHOOLS_CSV", DATA_DIR / "schools" / "london_secondary_schools.csv"))


def _num(text: str, kind: Callable[[float], _N]) -> _N | None:
    text = text.strip()
    if not text:
        return None
    return kind(float(text))


@lru_cache(maxsize=4)
def _load(path: Path) -> MappingProxyType[int, School]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    schools = {}
    for r in rows:
        if not r.get("lat") or not r.get("lon"):
            continue  # a school we cannot place cannot be matched on distance
        school = School(
            urn=int(r["urn"]),
            name=r["name"],
            local_authority=r["local_authority"],
            type=r["type"],
            sector=r["sector"],
            phase=r["phase"],
            gender=r.get("gender", ""),
            religious_character=r.get("religious_character", ""),
            pupils=_num(r.get("pupils", ""), int),
            fsm_percent=_num(r.get("fsm_percent", ""), float),
            eal_percent=_num(r.get("eal_percent_ks4", ""), float),
            sen_percent=_num(r.get("sen_percent_ks4", ""), float),
            ofsted_rating=r.get("ofsted_rating", ""),
            ofsted_inspection_date=r.get("ofsted_inspection_date", ""),
            postcode=r.get("postcode", ""),
            lat=float(r["lat"]),
            lon=float(r["lon"]),
        )
        schools[school.urn] = school
    return MappingProxyType(schools)


def load_schools(path: str | os.PathLike[str] | None = None) -> MappingProxyType[int, School]:
    """Read a schools table into a read-only ``{urn: School}`` mapping (cached per path)."""
    return _load(Path(path) if path is not None else default_schools_path())


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    return float(pairwise_km(np.array([lat1]), np.array([lon1]), np.array([lat2]), np.array([lon2]))[0, 0])


def pairwise_km(lat_a: np.ndarray, lon_a: np.ndarray, lat_b: np.ndarray | None = None, lon_b: np.ndarray | None = None) -> np.ndarray:
    """Matrix of great-circle distances (km) between points a (rows) and b (columns).

    >>> d = pairwise_km(np.array([51.5, 51.6]), np.array([-0.1, -0.1]))
    >>> d.shape, round(float(d[0, 1]), 1)
    ((2, 2), 11.1)
    """
    if lat_b is None:
        lat_b, lon_b = lat_a, lon_a
    elif lon_b is None:
        raise ParameterError("lon_b", None, "must be given with lat_b (pass both, or neither)")
    la, lo = np.radians(lat_a)[:, None], np.radians(lon_a)[:, None]
    lb, ob = np.radians(lat_b)[None, :], np.radians(lon_b)[None, :]
    h = np.sin((lb - la) / 2) ** 2 + np.cos(la) * np.cos(lb) * np.sin((ob - lo) / 2) ** 2
    km: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return km
