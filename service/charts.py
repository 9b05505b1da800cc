"""Charts for the pages, drawn with matplotlib as inline, accessible SVG.

Each function takes plain numbers (no ORM rows, no scoring: the figures come from
``matcher`` results) and returns SVG text ready to put in a page: no XML prologue, no
fixed pixel size (it scales with its container), ``role="img"`` with a ``<title>`` and
``<desc>`` for screen readers, text kept as text. Pages also show the numbers as text or
a table next to each chart, so nothing is only in a picture.

Nothing here needs a display or the network: matplotlib's ``Figure`` is used directly
(no pyplot, so it is safe in worker threads). The cohort map lives in ``mapchart``.

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
from typing import TYPE_CHECKING, Any, cast

from markupsafe import Markup, escape
from matplotlib import rc_context
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from matcher.profiles.themes import THEME_GROUPS, THEMES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.projections.polar import PolarAxes
    from matplotlib.ticker import MaxNLocator
    from matplotlib.typing import LineStyleType, RcKeyType

__all__ = [
    "PALETTE",
    "change_intervals_svg",
    "coverage_svg",
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


_SERIES: tuple[tuple[str, str, LineStyleType, float, str], ...] = (  # the radar's two series: one look for polygon, legend and bars alike
    ("Strengths", PALETTE[2], "-", 0.25, "o"),
    ("Challenges", PALETTE[5], "--", 0.12, "s"),
)


def _empty(fig: Figure, ax: Axes, text: str, *, name: str, title: str, desc: str) -> Markup:
    """The chart for nothing to draw yet: ``text`` in the middle, no axes."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color=MUTED)
    ax.set_axis_off()
    return _svg(fig, name=name, title=title, desc=desc)


def _number(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:g}"


def radar_svg(strengths: Mapping[str, float], challenges: Mapping[str, float], *, title: str, name: str = "radar") -> Markup:
    """A radar diagram of strengths and challenges by theme group, or paired bars when it would collapse.

    Each series is one filled polygon; the legend's keys are patches with the polygon's
    own fill, opacity, edge colour and line style. A series with values in only one or two
    theme groups would draw a spoke or a sliver, not a shape, so then (and when there is
    nothing at all) the same figures are drawn as horizontal paired bars instead, with the
    same title and description.

    Parameters
    ----------
    strengths, challenges
        Count (or share) per theme group; missing groups count 0.
    title
        What the chart shows, for its ``<title>``.
    name
        A prefix for element ids, unique on the page.

    >>> "radar-legend-strengths" in radar_svg({"pedagogy": 1, "curriculum": 1, "inclusion": 2}, {}, title="t")
    True
    >>> "radar-bars" in radar_svg({"pedagogy": 1}, {"inclusion": 1}, title="t")
    True
    """
    groups = list(THEME_GROUPS)
    values = [[float(strengths.get(g, 0)) for g in groups], [float(challenges.get(g, 0)) for g in groups]]
    desc = "; ".join(f"{g}: {_number(a)} strengths, {_number(b)} challenges" for g, a, b in zip(groups, *values))
    shapes = [sum(1 for v in series if v) for series in values]
    if all(n == 0 for n in shapes) or any(0 < n < 3 for n in shapes):
        return _paired_bars(groups, values, title=title, desc=desc, name=name)
    top = max([1.0, *values[0], *values[1]])
    angles = [2 * math.pi * i / len(groups) for i in range(len(groups))]
    fig = _figure(3.9, 3.7)
    ax = cast("PolarAxes", fig.add_subplot(projection="polar"))
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    closed = angles + angles[:1]
    handles = []
    for (label, colour, style, alpha, marker), series in zip(_SERIES, values):
        if not any(series):
            continue
        key = label.lower()
        (polygon,) = ax.fill(closed, series + series[:1], facecolor=to_rgba(colour, alpha), edgecolor=colour, linewidth=2, linestyle=style, label=label)
        polygon.set_gid(f"poly-{key}")
        ax.plot(angles, series, linestyle="none", marker=marker, markersize=4, color=colour)
        handles.append((key, Patch(facecolor=to_rgba(colour, alpha), edgecolor=colour, linewidth=2, linestyle=style, label=label)))
    ax.set_xticks(angles)
    ax.set_xticklabels([g.capitalize() for g in groups], color=INK, fontsize=10)
    ax.set_ylim(0, top)
    step = max(1, math.ceil(top / 4))
    ax.set_yticks(list(range(step, int(top) + 1, step)))
    ax.set_rlabel_position(180 / len(groups))  # between the first two axes, clear of the labels
    ax.tick_params(axis="y", labelsize=8, colors=MUTED)
    ax.grid(color="#cbd2d9")
    ax.spines["polar"].set_color("#cbd2d9")
    legend = ax.legend(handles=[h for _, h in handles], loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False, fontsize=10, handlelength=2.4)
    for (key, _), patch in zip(handles, legend.get_patches()):
        patch.set_gid(f"legend-{key}")
    return _svg(fig, name=name, title=title, desc=desc)


def _paired_bars(groups: Sequence[str], values: Sequence[Sequence[float]], *, title: str, desc: str, name: str) -> Markup:
    """Strengths and challenges per theme group as side-by-side horizontal bars (the radar's fallback)."""
    fig = _figure(3.9, 3.7)
    ax = fig.add_subplot()
    ax.set_gid("bars")
    _style(ax)
    ys = list(range(len(groups)))[::-1]
    height = 0.38
    for k, ((label, colour, style, alpha, _marker), series) in enumerate(zip(_SERIES, values)):
        offset = height / 2 if k == 0 else -height / 2
        ax.barh(
            [y + offset for y in ys], series, height=height, facecolor=to_rgba(colour, min(1.0, alpha * 3)),
            edgecolor=[colour if v else "none" for v in series], linewidth=1.2, linestyle=style, label=label,
        )
    ax.set_yticks(ys)
    ax.set_yticklabels([g.capitalize() for g in groups], fontsize=10)
    top = max([1.0, *values[0], *values[1]])
    ax.set_xlim(0, top * 1.05)
    cast("MaxNLocator", ax.xaxis.get_major_locator()).set_params(integer=True)
    ax.set_xlabel("themes chosen")
    ax.grid(axis="x", color="#e4e7eb")
    ax.set_axisbelow(True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False, fontsize=10)
    if not any(values[0]) and not any(values[1]):
        ax.text(0.5, 0.5, "No strengths or challenges chosen yet", ha="center", va="center", transform=ax.transAxes, color=MUTED)
    return _svg(fig, name=name, title=title, desc=desc + ". Shown as bars: too few theme groups for a radar shape.")


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
        return _empty(fig, ax, "No members yet", name=name, title=title, desc="No scores to show.")
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
        return _empty(fig, ax, "No challenges recorded", name=name, title=title, desc="No challenges to show.")
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


def change_intervals_svg(rows: Sequence[tuple[str, float | None, float | None, float | None, int]], *, title: str, name: str = "change", k: int = 5) -> Markup:
    """Mean changes with their confidence intervals, one row each (a forest plot).

    Parameters
    ----------
    rows
        ``(label, change, low, high, n)`` drawn top to bottom; ``change`` ``None`` for a
        cell with too few teachers to show (fewer than ``k``; written as such, with its ``n``). Changes are
        in points on a 1-5 scale, positive is better; a dashed line marks no change.

    >>> svg = change_intervals_svg([("All", 0.4, 0.2, 0.6, 30), ("Early-career", None, None, None, 3)], title="Change")
    >>> "fewer than 5 teachers" in svg and "better" in svg
    True
    """
    rows = list(rows)
    fig = _figure(6.8, 0.9 + 0.3 * max(1, len(rows)))
    ax = fig.add_subplot()
    _style(ax)
    ys = list(range(len(rows)))[::-1]
    spans = [abs(v) for r in rows for v in r[1:4] if v is not None]
    reach = max([1.0, *spans]) * 1.15
    for y, (_label, change, low, high, n) in zip(ys, rows):
        if change is None:
            ax.text(0, y, f"fewer than {k} teachers (n={n})" if n else "no answers yet", ha="center", va="center", color=MUTED, fontsize=8)
            continue
        colour = PALETTE[2] if low is not None and low > 0 else WARN if high is not None and high < 0 else PALETTE[0]
        if low is not None and high is not None:
            ax.plot([low, high], [y, y], color=colour, linewidth=2, solid_capstyle="butt")
        ax.plot([change], [y], marker="o", color=colour, markersize=6)
        ax.annotate(f"{change:+.2f} (n={n})", xy=(reach, y), xytext=(4, 0), textcoords="offset points", ha="left", va="center", fontsize=8, color=INK, annotation_clip=False)
    ax.axvline(0, color=MUTED, linestyle="--", linewidth=1)
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_yticks(ys)
    ax.set_yticklabels([r[0] for r in rows], fontsize=8)
    ax.set_xlabel("change in points on the 1-5 scale (after − before); right of the dashed line is better")
    ax.grid(axis="x", color="#e4e7eb")
    ax.set_axisbelow(True)
    shown = [r for r in rows if r[1] is not None]
    desc = "; ".join(f"{r[0]}: {r[1]:+.2f} points (95% interval {r[2]:+.2f} to {r[3]:+.2f}, n={r[4]})" if r[2] is not None and r[3] is not None else f"{r[0]}: {r[1]:+.2f} (n={r[4]})" for r in shown)
    hidden = len(rows) - len(shown)
    if hidden:
        desc += f"; {hidden} cells with too few teachers to show."
    return _svg(fig, name=name, title=title, desc=desc or "No answers before and after yet.")
