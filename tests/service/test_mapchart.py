"""The cohort map (``service/mapchart.py``): borough outlines, no axes, one highlightable ``<g>`` per group."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from service import mapchart
from service.mapchart import MapGroup, MapPoint

from .test_pages_cohorts import stored_run
from .pages_helpers import sign_in

SVG = "{http://www.w3.org/2000/svg}"

CAMDEN = MapPoint(51.5430, -0.1470, "Ann")  # Camden Town
EALING = MapPoint(51.5130, -0.3050, "Bo")  # Ealing
CROYDON = (MapPoint(51.3762, -0.0982, "Cy"), MapPoint(51.3700, -0.0900, "Di"), MapPoint(51.3800, -0.1100, "Ed"))
GROUPS = [MapGroup("1", (CAMDEN, EALING)), MapGroup("2", CROYDON)]


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    return root


def _texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]


def test_map_is_accessible_and_says_what_it_draws():
    svg = mapchart.map_svg(GROUPS, background=[MapPoint(51.6, -0.3)], title="Map", name="m")
    root = _parse(svg)
    assert root.get("aria-labelledby") == "m-title m-desc" and root.find(f"{SVG}title").text == "Map"
    assert root.get("viewBox") and root.get("width") is None and root.get("height") is None
    assert root.find(f"{SVG}desc").text.startswith("2 groups, 5 members' schools and 1 other schools")


def test_map_has_no_latitude_or_longitude_axes():
    root = _parse(mapchart.map_svg(GROUPS, background=[MapPoint(51.6, -0.3)], title="Map", name="m"))
    texts = _texts(root)
    assert not any(re.fullmatch(r"[−-]?\d+(\.\d+)?°?", t) for t in texts), texts  # no tick numbers
    assert not any(word in t.lower() for t in texts for word in ("latitude", "longitude"))
    assert "10 km" in texts or "5 km" in texts or "2 km" in texts  # a scale bar instead


def test_every_group_is_one_g_with_its_members_and_hidden_spokes():
    root = _parse(mapchart.map_svg(GROUPS, title="Map", name="m"))
    groups = root.findall(f".//{SVG}g[@class='map-group']")
    assert [g.get("data-group") for g in groups] == ["1", "2"]
    assert [g.get("data-size") for g in groups] == ["2", "3"]
    assert groups[0].get("data-colour") != groups[1].get("data-colour")
    for g, group in zip(groups, GROUPS):
        assert len(g.findall(f"{SVG}circle")) == len(group.points)
        spokes = g.find(f"{SVG}g[@class='map-spokes']")
        # Without the script only one group's lines could ever show: none are visible by default.
        assert spokes.get("visibility") == "hidden" and len(spokes.findall(f"{SVG}line")) == len(group.points)
    names = [c.find(f"{SVG}title").text for c in groups[0].findall(f"{SVG}circle")]
    assert names == ["Ann, group 1", "Bo, group 1"]


def test_boroughs_and_thames_are_drawn_and_only_boroughs_with_members_labelled():
    root = _parse(mapchart.map_svg(GROUPS, title="Map", name="m"))
    boroughs = root.findall(f".//{SVG}path[@class='map-borough']")
    assert len(boroughs) == 33 and all(p.get("d").startswith("M") for p in boroughs)
    assert {p.find(f"{SVG}title").text for p in boroughs} >= {"Camden", "Croydon", "City of London"}
    assert root.find(f".//{SVG}path[@class='map-river']") is not None
    labels = {"".join(t.itertext()) for t in root.iter(f"{SVG}text") if t.get("class") == "map-borough-label"}
    assert {"Camden", "Ealing", "Croydon"} <= labels
    assert "Bexley" not in labels and "Havering" not in labels
    assert any("Crown copyright" in t for t in _texts(root))  # OGL attribution on the map itself


def test_projection_has_equal_scale_east_and_north():
    km = 2.0
    dlat = km / 110.57
    dlon = km / (111.32 * math.cos(math.radians(51.5)))
    g = MapGroup("1", (MapPoint(51.5, -0.1), MapPoint(51.5 + dlat, -0.1), MapPoint(51.5, -0.1 + dlon)))
    circles = _parse(mapchart.map_svg([g], title="t", name="m")).findall(f".//{SVG}g[@class='map-group']/{SVG}circle")
    (x0, y0), (x1, y1), (x2, y2) = ((float(c.get("cx")), float(c.get("cy"))) for c in circles)
    north, east = abs(y1 - y0), abs(x2 - x0)
    assert y1 < y0 and x2 > x0  # north is up, east is right
    assert abs(north - east) / east < 0.03


def test_background_schools_under_members_are_not_drawn_twice():
    root = _parse(mapchart.map_svg(GROUPS, background=[MapPoint(CAMDEN.lat, CAMDEN.lon), MapPoint(51.6, -0.3)], title="t", name="m"))
    assert len(root.findall(f".//{SVG}g[@class='map-background']/{SVG}circle")) == 1


def test_names_are_escaped_and_empty_map_says_so():
    svg = mapchart.map_svg([MapGroup("<b>1</b>", (MapPoint(51.5, -0.1, "<script>x</script>"),))], title="<i>t</i>", name="m")
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    _parse(svg)
    assert "No schools to show." in mapchart.map_svg([], title="t", name="e")


def test_boundary_data_names_its_source_and_licence():
    readme = (mapchart.BOUNDARIES_DIR / "README.md").read_text(encoding="utf-8")
    for needed in (
        "London_Borough_Excluding_MHW",
        "vega-datasets",
        "Open Government Licence v3.0",
        "Contains National Statistics data © Crown copyright and database right 2015",
        "Contains OS data © Crown copyright and database right 2015",
        "Douglas–Peucker",
    ):
        assert needed in readme, needed
    assert len(mapchart.boroughs()) == 33 and mapchart.thames()


def test_map_page_loads_its_script_from_static_and_runs_no_inline_script(client, app):
    run_id = stored_run(app)
    sign_in(client, "coord_n")
    for path in (f"/cohorts/{run_id}/map", f"/cohorts/{run_id}"):
        resp = client.get(path)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all(re.search(r'\bsrc="/static/', s) for s in scripts), scripts  # no inline scripts
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)  # no inline event handlers
    html = client.get(f"/cohorts/{run_id}/map").get_data(as_text=True)
    assert '<script src="/static/js/map.js" defer></script>' in html
    assert 'href="/static/css/map.css"' in html
    assert html.count('class="map-group"') == 3
    static = client.get("/static/js/map.js")
    assert static.status_code == 200 and b"addEventListener" in static.data
    static.close()
