"""The SVG charts of the pages (``service/charts.py``): valid, accessible, honest to their data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.profiles.themes import THEME_GROUPS, THEME_IDS
from service import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    return root


def _accessible(svg: str, name: str, title: str) -> ET.Element:
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{name}-title {name}-desc"
    assert root.find(f"{SVG}title").text == title
    assert root.find(f"{SVG}desc").text
    # Scales with its container: a viewBox, no fixed pixel size.
    assert root.get("viewBox") and root.get("width") is None and root.get("height") is None
    return root


def test_radar_is_accessible_svg_that_names_every_group():
    bars = charts.radar_svg({"pedagogy": 3}, {"inclusion": 2, "technology": 1}, title="Sam's profile", name="r1")  # drawn as bars
    radar = charts.radar_svg(FULL_S, FULL_C, title="Sam's profile", name="r1")  # drawn as a radar
    for svg in (bars, radar):
        root = _accessible(svg, "r1", "Sam's profile")
        desc = root.find(f"{SVG}desc").text
        assert "pedagogy: 3 strengths, 0 challenges" in desc and "inclusion: 0 strengths, 2 challenges" in desc
        for group in THEME_GROUPS:
            assert group.capitalize() in svg  # axis labels are text, not paths
        assert not svg.startswith("<?xml")


FULL_S = {"pedagogy": 3, "curriculum": 2, "technology": 1}
FULL_C = {"inclusion": 2, "leadership": 1, "technology": 2}


def _style_of(root: ET.Element, gid: str) -> dict[str, str]:
    group = root.find(f".//{SVG}g[@id='{gid}']")
    assert group is not None, gid
    path = group.find(f"{SVG}path")
    pairs = (item.split(":", 1) for item in path.get("style").split(";") if item.strip())
    return {k.strip(): v.strip() for k, v in pairs}


def test_radar_legend_keys_look_like_the_polygons_they_name():
    root = _parse(charts.radar_svg(FULL_S, FULL_C, title="t", name="r"))
    assert root.find(f".//{SVG}g[@id='r-bars']") is None
    looks = {}
    for series in ("strengths", "challenges"):
        polygon, key = _style_of(root, f"r-poly-{series}"), _style_of(root, f"r-legend-{series}")
        look = {k: polygon.get(k) for k in ("fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray")}
        assert look == {k: key.get(k) for k in look}, series
        assert look["fill"] != "none" and float(look["fill-opacity"]) > 0  # the legend shows the fill too
        looks[series] = look
    assert looks["strengths"]["stroke"] != looks["challenges"]["stroke"]
    assert looks["strengths"]["stroke-dasharray"] is None and looks["challenges"]["stroke-dasharray"]  # solid vs dashed


def test_radar_with_too_few_theme_groups_is_drawn_as_paired_bars():
    # One group of strengths would be a spoke, two a sliver: bars instead, same title and figures.
    for strengths, challenges in (({"pedagogy": 2}, {"inclusion": 1}), (FULL_S, {"wellbeing": 1, "inclusion": 1}), ({}, {})):
        svg = charts.radar_svg(strengths, challenges, title="Sam", name="d")
        root = _accessible(svg, "d", "Sam")
        assert root.find(f".//{SVG}g[@id='d-bars']") is not None and "d-poly-" not in svg
        assert "Strengths" in svg and "Challenges" in svg
        desc = root.find(f"{SVG}desc").text
        assert "Shown as bars" in desc
    assert "pedagogy: 2 strengths, 0 challenges" in _parse(charts.radar_svg({"pedagogy": 2}, {"inclusion": 1}, title="t", name="e")).find(f"{SVG}desc").text


def test_charts_on_one_page_do_not_share_element_ids():
    a = charts.radar_svg({"pedagogy": 1}, {}, title="a", name="a")
    b = charts.coverage_svg([("Singing", 1, 1)], title="b", name="b")
    ids_a = set(re.findall(r'id="([^"]+)"', a))
    ids_b = set(re.findall(r'id="([^"]+)"', b))
    assert ids_a and ids_b and not ids_a & ids_b


def test_score_distribution_highlights_exactly_the_worst_off():
    scores = [0.6, 0.1, 0.8, 0.5]
    svg = charts.score_distribution_svg(scores, highlight=[1], labels=["A", "Bea", "C", "D"], title="Scores", name="s")
    root = _accessible(svg, "s", "Scores")
    assert "Bea 0.10" in svg
    assert "lowest 0.10, mean 0.50, highest 0.80; 1 worst-off highlighted" in root.find(f"{SVG}desc").text
    assert charts.WARN.lower() in svg.lower()


def test_score_distribution_without_highlight_has_no_warning_colour():
    svg = charts.score_distribution_svg([0.2, 0.4], title="Scores", name="s")
    assert charts.WARN.lower() not in svg.lower()


def test_coverage_summary_counts_what_it_draws():
    svg = charts.coverage_svg([("Singing", 3, 1), ("SEND", 2, 0)], title="Coverage", name="c")
    desc = _accessible(svg, "c", "Coverage").find(f"{SVG}desc").text
    assert desc.startswith("5 of 6 challenges covered (83%)")
    assert "Singing" in svg and "SEND" in svg


def test_empty_inputs_give_a_chart_that_says_so():
    assert "No scores to show." in charts.score_distribution_svg([], title="t", name="e1")
    assert "No challenges to show." in charts.coverage_svg([], title="t", name="e2")
    _parse(charts.radar_svg({}, {}, title="t", name="e4"))


def test_titles_are_escaped():
    svg = charts.radar_svg({}, {}, title="<script>alert(1)</script> & co", name="x")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    _parse(svg)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(THEME_IDS + ("not_a_theme",)), max_size=20))
def test_theme_group_counts_count_every_known_theme_once(themes):
    counts = charts.theme_group_counts(themes)
    assert set(counts) == set(THEME_GROUPS)
    assert sum(counts.values()) == sum(1 for t in themes if t != "not_a_theme")
