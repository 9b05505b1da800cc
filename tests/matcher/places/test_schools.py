"""Tests for matcher/places/schools.py: the real schools table and distances."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.errors import ParameterError
from matcher.places.schools import DATA_DIR, School, default_schools_path, haversine_km, load_schools, pairwise_km

LONDON = DATA_DIR / "schools" / "london_secondary_schools.csv"


def test_london_table_loads_every_school_that_has_coordinates():
    schools = load_schools()
    with open(LONDON, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    placed = [r for r in rows if r["lat"] and r["lon"]]
    assert len(rows) == 678 and len(schools) == len(placed) == 674
    assert len({s.local_authority for s in schools.values()}) == 33
    assert all(isinstance(k, int) and isinstance(v, School) and v.urn == k for k, v in schools.items())


def test_values_are_typed_and_plausible():
    schools = load_schools().values()
    assert all(51.2 < s.lat < 51.8 and -0.6 < s.lon < 0.4 for s in schools)  # Greater London
    assert all(s.sector in ("state-funded", "independent") for s in schools)
    fsm = [s.fsm_percent for s in schools if s.fsm_percent is not None]
    assert fsm and all(0 <= f <= 100 for f in fsm)
    # independent schools have no FSM figure: missing stays None, never 0
    assert all(s.fsm_percent is None for s in schools if s.sector == "independent")


def test_known_school():
    s = load_schools()[100049]
    assert s.local_authority == "Camden" and s.phase in ("Secondary", "All-through")


def test_table_is_read_only_and_cached():
    a, b = load_schools(), load_schools(default_schools_path())
    assert a is b
    with pytest.raises(TypeError):
        a[1] = a[100049]  # type: ignore[index]


def test_environment_variable_chooses_the_table(monkeypatch, tmp_path):
    small = tmp_path / "two.csv"
    with open(LONDON, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    small.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    monkeypatch.setenv("PEERMATCH_SCHOOLS_CSV", str(small))
    assert default_schools_path() == small
    assert len(load_schools()) == 2


def test_haversine_known_distance():
    # Charing Cross to the Eiffel Tower is about 341 km
    assert haversine_km(51.5074, -0.1278, 48.8584, 2.2945) == pytest.approx(341, abs=3)
    assert haversine_km(51.5, -0.1, 51.5, -0.1) == 0.0


coords = st.tuples(st.floats(50.0, 56.0), st.floats(-5.0, 2.0))


@given(st.lists(coords, min_size=1, max_size=8))
def test_pairwise_km_is_a_distance_matrix(points):
    lat, lon = np.array(points).T
    d = pairwise_km(lat, lon)
    assert d.shape == (len(points), len(points))
    assert np.allclose(np.diag(d), 0) and np.allclose(d, d.T) and (d >= 0).all()
    n = len(points)
    for i in range(n):  # triangle inequality
        assert (d[i][:, None] <= d[i][None, :] + d + 1e-6).all()


def test_pairwise_km_rectangular():
    d = pairwise_km(np.array([51.5, 51.6, 51.7]), np.array([0.0, 0.0, 0.0]), np.array([51.5]), np.array([0.0]))
    assert d.shape == (3, 1) and d[0, 0] == 0 and d[2, 0] == pytest.approx(22.24, abs=0.05)


def test_pairwise_km_wants_both_columns_of_b():
    with pytest.raises(ParameterError, match="lat_b"):
        pairwise_km(np.array([51.5]), np.array([0.0]), np.array([51.5]))
