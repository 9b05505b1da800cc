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
    svg = charts.radar_svg({"pedagogy": 3}, {"inclusion": 2, "technology": 1}, title="Sam's profile", name="r1")
    root = _accessible(svg, "r1", "Sam's profile")
    desc = root.find(f"{SVG}desc").text
    assert "pedagogy: 3 strengths, 0 challenges" in desc and "inclusion: 0 strengths, 2 challenges" in desc
    for group in THEME_GROUPS:
        assert group.capitalize() in svg  # axis labels are text, not paths
    assert not svg.startswith("<?xml")


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


def test_map_draws_every_member_and_says_how_many():
    groups = [
        charts.MapGroup("1", (charts.MapPoint(51.50, -0.10), charts.MapPoint(51.52, -0.12))),
        charts.MapGroup("2", (charts.MapPoint(51.45, 0.01), charts.MapPoint(51.44, 0.02), charts.MapPoint(51.46, 0.00))),
    ]
    svg = charts.map_svg(groups, background=[charts.MapPoint(51.6, -0.3)], title="Map", name="m")
    desc = _accessible(svg, "m", "Map").find(f"{SVG}desc").text
    assert desc.startswith("2 groups, 5 members' schools and 1 other schools")
    assert ">1<" in svg.replace(" ", "") or "1</text>" in svg


def test_empty_inputs_give_a_chart_that_says_so():
    assert "No scores to show." in charts.score_distribution_svg([], title="t", name="e1")
    assert "No challenges to show." in charts.coverage_svg([], title="t", name="e2")
    assert "No schools to show." in charts.map_svg([], title="t", name="e3")
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
