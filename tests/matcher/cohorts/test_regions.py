"""Tests for matcher/cohorts/regions.py: splitting into regions and running them on Dask."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.cohorts.regions import form_groups_by_region, geo_regions, region_labels
from matcher.errors import ParameterError


@given(n=st.integers(1, 300), size=st.integers(1, 80), seed=st.integers(0, 1000))
def test_geo_regions_are_balanced_and_cover_everyone(n, size, seed):
    coords = np.random.default_rng(seed).uniform([51.3, -0.5], [51.7, 0.3], (n, 2))
    labels = geo_regions(coords, max_size=size)
    counts = np.bincount(labels)
    assert labels.shape == (n,) and counts.min() >= 1 and counts.max() <= max(size, 1)
    assert counts.max() - counts.min() <= counts.max() // 2 + 1


def test_region_labels_by_authority_mapping_and_function(small_cohort):
    las = region_labels(small_cohort, "local_authority")
    assert las == [small_cohort.schools[p.school_urn].local_authority for p in small_cohort.profiles]
    mapping = {t: ("north" if k % 2 else "south") for k, t in enumerate(small_cohort.ids)}
    assert region_labels(small_cohort, mapping)[:2] == ["south", "north"]
    assert set(region_labels(small_cohort, lambda p, s: p.meeting_mode)) <= {"online", "either"}
    with pytest.raises(ParameterError, match="region_of"):
        region_labels(small_cohort, "county")


def test_regions_on_a_dask_local_cluster(small_cohort):
    from dask.distributed import Client, LocalCluster

    halves = {t: ("A" if k < 20 else "B") for k, t in enumerate(small_cohort.ids)}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            result = form_groups_by_region(small_cohort, region_of=halves, client=client, size=(4, 6), rounds=2, seconds=None)
    assert set(result.regions) == {"A", "B"}
    placed = [t for g in result.groups for t in g.members]
    assert sorted(placed) == sorted(small_cohort.ids) and result.unplaced == ()
    for g in result.groups:  # groups never cross regions
        assert len({halves[t] for t in g.members}) == 1
    assert len({g.id for g in result.groups}) == len(result.groups)
    assert result.figures.teachers == 40 and result.figures.groups == len(result.groups)
    assert result.violations() == []
    data = json.loads(result.to_json())
    assert {g["region"] for g in data["groups"]} == {"A", "B"}
    assert len(result.to_csv().splitlines()) == 41


def test_regions_without_a_cluster_match_the_same_seed(small_cohort):
    halves = {t: ("A" if k < 20 else "B") for k, t in enumerate(small_cohort.ids)}
    a = form_groups_by_region(small_cohort, region_of=halves, size=(4, 6), rounds=2, seconds=None, threads=1)
    b = form_groups_by_region(small_cohort, region_of=halves, size=(4, 6), rounds=2, seconds=None, threads=1)
    assert [g.members for g in a.groups] == [g.members for g in b.groups]


def test_regional_csv_is_formula_safe(small_cohort):
    """A name a spreadsheet would run (``=HYPERLINK(...)``) is written as text, as every CSV
    the library writes for people (matcher.csvsafe); the regional CSV used a plain csv.writer."""
    import csv
    import io

    from matcher.profiles.teacher import Cohort

    evil = '=HYPERLINK("http://x.example","click")'
    profiles = [p.with_changes(name=evil) if k == 0 else p for k, p in enumerate(small_cohort.profiles)]
    cohort = Cohort.from_profiles(profiles, small_cohort.schools)
    halves = {t: ("A" if k < 20 else "B") for k, t in enumerate(cohort.ids)}
    result = form_groups_by_region(cohort, region_of=halves, size=(4, 6), rounds=1, seconds=None, threads=1)
    rows = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert len(rows) == 40 and [r["name"] for r in rows].count("'" + evil) == 1
    assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r.values())
    assert {r["region"] for r in rows} == {"A", "B"} and max(int(r["group"]) for r in rows) == len(result.groups)
