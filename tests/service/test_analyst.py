"""Tests of ``service/services/analyst.py``: k-anonymous analyst exports, pseudonymous authors."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from service.services.analyst import SUPPRESSED, k_anonymise

from .conftest import ACCOUNTS

QUASI = ("la", "dept", "role")
STEPS = [("la", "other"), ("role", SUPPRESSED)]


@given(st.lists(st.fixed_dictionaries({"la": st.sampled_from("ABCDEFG"), "dept": st.sampled_from(["1", "2-3", "4+"]), "role": st.sampled_from("xyz")}), max_size=60))
def test_every_combination_is_shared_by_k_rows_or_suppressed(rows):
    out = k_anonymise(rows, STEPS, QUASI, k=5)
    assert len(out) == len(rows)
    counts = Counter(tuple(r[q] for q in QUASI) for r in out)
    assert all(n >= 5 or set(c) == {SUPPRESSED} for c, n in counts.items())
    # only generalised, never changed into another real value
    for before, after in zip(rows, out):
        assert all(after[q] in (before[q], "other", SUPPRESSED) for q in QUASI)


def test_common_combinations_are_kept_as_they_are():
    rows = [{"la": "A", "dept": "1", "role": "x"}] * 5
    assert k_anonymise(rows, STEPS, QUASI, k=5) == rows


def test_practice_example_authors_are_pseudonyms_for_analysts(client):
    path = "/api/v1/practice-examples/radar-diagram-composing-assessment"
    raw = client.get(path, headers=ACCOUNTS["coord_n"].headers).get_json()["author_teacher_id"]
    seen = client.get(path, headers=ACCOUNTS["analyst_n"].headers).get_json()["author_teacher_id"]
    assert raw and seen.startswith("p-") and seen != raw
    listed = client.get("/api/v1/practice-examples?per_page=100", headers=ACCOUNTS["analyst_n"].headers).get_json()["items"]
    assert all(e["author_teacher_id"] is None or e["author_teacher_id"].startswith("p-") for e in listed)
