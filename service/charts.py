"""Charts for the pages, drawn with matplotlib as inline, accessible SVG.

Each function takes plain numbers (no ORM rows, no scoring: the figures come from
``matcher`` results) and returns SVG text ready to put in a page: no XML prologue, no
fixed pixel size (it scales with its container), ``role="img"`` with a ``<title>`` and
``<desc>`` for screen readers, text kept as text. Pages also show the numbers as text or
a table next to each chart, so nothing is only in a picture.

Nothing here needs a display or the network: matplotlib's ``Figure`` is used directly
(no pyplot, so it is safe in worker threads), and the map is drawn from school
coordinates, not map tiles.

Examples
--------
>>> svg = radar_svg({"pedagogy": 2, "curriculum": 1}, {"inclusion": 2}, title="Sam")
>>> svg.startswith("<svg") and 'role="img"' in svg and '<title id="radar-title">Sam</title>' in svg
True
>>> theme_group_counts(["singing", "send", "composition"])["pedagogy"]
2
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from markupsafe import Markup, escape
from matplotlib import rc_context
from matplotlib.figure import Figure

from matcher.profiles.themes import THEME_GROUPS, THEMES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.projections.polar import PolarAxes
    from matplotlib.ticker import MaxNLocator
    from matplotlib.typing import RcKeyType

__all__ = [
    "MapGroup",
    "MapPoint",
    "PALETTE",
    "coverage_svg",
    "map_svg",
    "radar_svg",
    "score_distribution_svg",
    "theme_group_counts",
]

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_LIGHT = frozenset({"#E69F00", "#56B4E9", "#F0E442"})  # labels on these are dark, not white
INK = "#1f2933"
MUTED = "#7b8794"
ACCENT = "#0b6e69"
WARN = "#c0392b"

_RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text: selectable, scalable, styled by the page
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(fig: Figure, *, name: str, title: str, desc: str) -> Markup:
    """Serialise ``fig`` to embeddable, accessible SVG."""
    buf = io.StringIO()
    # A fixed salt per chart name keeps ids stable and distinct between charts on one page.
    with rc_context({**_RC, "svg.hashsalt": f"pm-{name}"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", transparent=True)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    # Inline SVGs share the page's id space: prefix every id and every reference to one.
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{name}-{m.group(1)}"', text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{name}-{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{name}-{m.group(1)})", text)
    head_end = text.index(">")
    head = text[:head_end]
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    head += f' role="img" aria-labelledby="{name}-title {name}-desc" class="chart" preserveAspectRatio="xMidYMid meet"'
    accessible = f'<title id="{name}-title">{escape(title)}</title><desc id="{name}-desc">{escape(desc)}</desc>'
    # Drop matplotlib's own metadata block, keep the drawing.
    body = re.sub(r"<metadata>.*?</metadata>", "", text[head_end + 1 :], flags=re.S)
    # Safe: title and desc are escaped above, matplotlib escapes the text it draws.
    return Markup(head + ">" + accessible + body)  # noqa: S704


def _figure(width: float, height: float) -> Figure:
    with rc_context(_RC):
        fig = Figure(figsize=(width, height), dpi=72)
        fig.set_layout_engine("constrained")
    return fig


def _style(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color(MUTED)
    ax.spines["bottom"].set_color(MUTED)
    ax.tick_params(colors=INK, labelsize=9)


def theme_group_counts(themes: Iterable[str]) -> dict[str, int]:
    """How many of ``themes`` fall in each theme group (every group present, unknown ids ignored).

    >>> theme_group_counts(["singing", "music_technology"])["technology"]
    1
    """
    counts = dict.fromkeys(THEME_GROUPS, 0)
    for t in themes:
        theme = THEMES.get(t)
        if theme is not None:
            counts[theme.group] += 1
    return counts


def radar_svg(strengths: Mapping[str, float], challenges: Mapping[str, float], *, title: str, name: str = "radar") -> Markup:
    """A radar diagram of strengths and challenges by theme group.

    Parameters
    ----------
    strengths, challenges
        Count (or share) per theme group; missing groups count 0.
    title
        What the chart shows, for its ``<title>``.
    name
        A prefix for element ids, unique on the page.
    """
    groups = list(THEME_GROUPS)
    s = [float(strengths.get(g, 0)) for g in groups]
    c = [float(challenges.get(g, 0)) for g in groups]
    top = max([1.0, *s, *c])
    angles = [2 * math.pi * i / len(groups) for i in range(len(groups))]
    fig = _figure(3.9, 3.7)
    ax = cast("PolarAxes", fig.add_subplot(projection="polar"))
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    closed = angles + angles[:1]
    ax.plot(closed, s + s[:1], color=PALETTE[2], linewidth=2, marker="o", markersize=4, label="Strengths")
    ax.fill(closed, s + s[:1], color=PALETTE[2], alpha=0.25)
    ax.plot(closed, c + c[:1], color=PALETTE[5], linewidth=2, linestyle="--", marker="s", markersize=4, label="Challenges")
    ax.fill(closed, c + c[:1], color=PALETTE[5], alpha=0.12)
    ax.set_xticks(angles)
    ax.set_xticklabels([g.capitalize() for g in groups], color=INK, fontsize=10)
    ax.set_ylim(0, top)
    step = max(1, math.ceil(top / 4))
    ax.set_yticks(list(range(step, int(top) + 1, step)))
    ax.set_rlabel_position(180 / len(groups))  # between the first two axes, clear of the labels
    ax.tick_params(axis="y", labelsize=8, colors=MUTED)
    ax.grid(color="#cbd2d9")
    ax.spines["polar"].set_color("#cbd2d9")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False, fontsize=10)
    desc = "; ".join(f"{g}: {int(a) if a == int(a) else a} strengths, {int(b) if b == int(b) else b} challenges" for g, a, b in zip(groups, s, c))
    return _svg(fig, name=name, title=title, desc=desc)


def score_distribution_svg(
    scores: Sequence[float], *, highlight: Sequence[int] = (), labels: Sequence[str] | None = None, title: str, name: str = "scores"
) -> Markup:
    """Each member's score as one dot, sorted low to high; the worst-off highlighted.

    A sorted dot strip shows the whole distribution (and who is at the bottom) better
    than a histogram for a few dozen to a few hundred members; a dashed line marks the mean.

    Parameters
    ----------
    scores
        One score per member (e.g. mean affinity to their groupmates).
    highlight
        Positions in ``scores`` to draw in the warning colour (the worst-off members).
    labels
        Optional names for the highlighted members, written next to their dots.
    """
    values = [float(x) for x in scores]
    fig = _figure(6.4, 2.9)
    ax = fig.add_subplot()
    _style(ax)
    if not values:
        ax.text(0.5, 0.5, "No members yet", ha="center", va="center", transform=ax.transAxes, color=MUTED)
        ax.set_axis_off()
        return _svg(fig, name=name, title=title, desc="No scores to show.")
    order = sorted(range(len(values)), key=lambda i: values[i])
    marked = set(highlight)
    xs = list(range(1, len(values) + 1))
    ys = [values[i] for i in order]
    colours = [WARN if i in marked else PALETTE[0] for i in order]
    sizes = [42 if i in marked else 16 for i in order]
    ax.scatter(xs, ys, c=colours, s=sizes, zorder=3, linewidths=0)
    mean = sum(values) / len(values)
    ax.axhline(mean, color=MUTED, linestyle="--", linewidth=1, zorder=2)
    ax.annotate(f"mean {mean:.2f}", xy=(len(values), mean), xytext=(0, 4), textcoords="offset points", ha="right", va="bottom", color=INK, fontsize=9)
    if labels is not None and marked:
        worst = [i for i in order if i in marked][:3]
        text = "Worst-off: " + ", ".join(f"{labels[i]} {values[i]:.2f}" for i in worst)
        ax.text(0.01, 0.98, text, transform=ax.transAxes, ha="left", va="top", color=WARN, fontsize=9)
    ax.set_xlabel("members, from lowest to highest score")
    ax.set_ylabel("score")
    ax.set_xlim(0, len(values) + 1)
    low = min(values)
    ax.set_ylim(min(0.0, low - 0.05), max(values) * 1.12 + 0.01)
    ax.grid(axis="y", color="#e4e7eb", zorder=0)
    desc = f"{len(values)} members; lowest {min(values):.2f}, mean {mean:.2f}, highest {max(values):.2f}; {len(marked)} worst-off highlighted."
    return _svg(fig, name=name, title=title, desc=desc)


def coverage_svg(rows: Sequence[tuple[str, int, int]], *, title: str, name: str = "coverage") -> Markup:
    """Challenge coverage: per challenge, how many holders have a groupmate strong in it.

    Parameters
    ----------
    rows
        ``(label, covered, not_covered)`` per challenge theme, drawn top to bottom.
    """
    rows = list(rows)
    fig = _figure(6.4, 0.9 + 0.27 * max(1, len(rows)))
    ax = fig.add_subplot()
    _style(ax)
    if not rows:
        ax.text(0.5, 0.5, "No challenges recorded", ha="center", va="center", transform=ax.transAxes, color=MUTED)
        ax.set_axis_off()
        return _svg(fig, name=name, title=title, desc="No challenges to show.")
    ys = list(range(len(rows)))[::-1]
    covered = [r[1] for r in rows]
    missing = [r[2] for r in rows]
    ax.barh(ys, covered, color=PALETTE[2], label="covered by a groupmate", height=0.7)
    ax.barh(ys, missing, left=covered, color="#f5c6bf", edgecolor=WARN, linewidth=0.6, label="not covered", height=0.7)
    ax.set_yticks(ys)
    ax.set_yticklabels([r[0] for r in rows], fontsize=9)
    ax.set_xlabel("teachers with this challenge")
    cast("MaxNLocator", ax.xaxis.get_major_locator()).set_params(integer=True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False, fontsize=9)
    ax.grid(axis="x", color="#e4e7eb")
    ax.set_axisbelow(True)
    total_c, total_m = sum(covered), sum(missing)
    share = total_c / (total_c + total_m) if total_c + total_m else 1.0
    desc = f"{total_c} of {total_c + total_m} challenges covered ({share:.0%}). " + "; ".join(f"{a}: {b} covered, {c} not" for a, b, c in rows)
    return _svg(fig, name=name, title=title, desc=desc)


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


def map_svg(groups: Sequence[MapGroup], *, background: Sequence[MapPoint] = (), title: str, name: str = "map") -> Markup:
    """Schools and groups drawn from coordinates (no tiles, works offline).

    Every member's school is a dot in its group's colour, joined by thin lines to the
    group's centre, where the group's label sits; ``background`` schools (e.g. the rest
    of the programme) are small grey dots. The projection is equirectangular, scaled by
    the cosine of the mean latitude, which is accurate to a few per cent over a city or
    region.
    """
    all_points = [p for g in groups for p in g.points] + list(background)
    fig = _figure(6.4, 5.4)
    ax = fig.add_subplot()
    if not all_points:
        ax.text(0.5, 0.5, "Nothing to show", ha="center", va="center", transform=ax.transAxes, color=MUTED)
        ax.set_axis_off()
        return _svg(fig, name=name, title=title, desc="No schools to show.")
    lat0 = sum(p.lat for p in all_points) / len(all_points)
    ax.set_aspect(1 / math.cos(math.radians(lat0)))
    if background:
        ax.scatter([p.lon for p in background], [p.lat for p in background], s=6, color="#cbd2d9", zorder=1, linewidths=0)
    for n, g in enumerate(groups):
        if not g.points:
            continue
        colour = PALETTE[n % len(PALETTE)]
        cx = sum(p.lon for p in g.points) / len(g.points)
        cy = sum(p.lat for p in g.points) / len(g.points)
        for p in g.points:
            ax.plot([cx, p.lon], [cy, p.lat], color=colour, linewidth=1, alpha=0.7, zorder=2)
        ax.scatter([p.lon for p in g.points], [p.lat for p in g.points], s=22, color=colour, zorder=3, edgecolors="white", linewidths=0.6)
        ax.annotate(
            g.label,
            (cx, cy),
            ha="center",
            va="center",
            fontsize=8,
            color=INK if colour in _LIGHT else "white",
            zorder=4,
            bbox={"boxstyle": "round,pad=0.25", "fc": colour, "ec": "none"},
        )
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.tick_params(labelsize=8, colors=MUTED)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_color("#e4e7eb")
    lats = [p.lat for p in all_points]
    lons = [p.lon for p in all_points]
    span = max(max(lats) - min(lats), (max(lons) - min(lons)) * math.cos(math.radians(lat0)), 0.01)
    km = span * 111.2
    desc = (
        f"{len(groups)} groups, {sum(len(g.points) for g in groups)} members' schools"
        f"{f' and {len(background)} other schools' if background else ''}, over about {km:.0f} km."
    )
    return _svg(fig, name=name, title=title, desc=desc)
