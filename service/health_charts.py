"""Charts of the programme health page, drawn like :mod:`service.charts` (matplotlib, inline accessible SVG).

Plain numbers in, SVG out, cached on the numbers (the page redraws nothing that did not
change). Each chart says its scale and what good looks like, in the drawing and in its
description; the page shows the same numbers as text beside it.

Examples
--------
>>> svg = meetings_svg((("Autumn 2026", 10, 3, 4),), title="Meetings by round")
>>> svg.startswith("<svg") and "10 met" in svg
True
>>> "3 = neutral" in usefulness_svg((("Autumn 2026", 4.2, 5),), title="Usefulness")
True
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, cast

from markupsafe import Markup

from .charts import INK, MUTED, PALETTE, WARN, _empty, _figure, _style, _svg

if TYPE_CHECKING:
    from matplotlib.ticker import MaxNLocator

__all__ = ["meetings_svg", "usefulness_svg"]

_STATUS = (("met", PALETTE[2]), ("not met", "#f5c6bf"), ("no answer", "#e4e7eb"))


@functools.lru_cache(maxsize=64)
def meetings_svg(
    rows: tuple[tuple[str, int, int, int], ...], *, title: str, name: str = "chart-meetings", unit: str = "meetings so far",
    labels: tuple[str, str, str] = ("met", "not met", "no answer"), good: str = "mostly met",
) -> Markup:
    """Stacked bars, one per row: ``(label, met, not met, no answer)`` (or the three ``labels``).

    Good looks like a bar that is mostly green (met); grey is a meeting nobody reported on
    (or, with other ``labels``, the third kind: e.g. groups with no meeting due yet).
    """
    fig = _figure(6.4, 0.9 + 0.38 * max(1, len(rows)))
    ax = fig.add_subplot()
    _style(ax)
    if not rows:
        return _empty(fig, ax, "Nothing to show yet", name=name, title=title, desc="Nothing to show yet.")
    ys = list(range(len(rows)))[::-1]
    left = [0] * len(rows)
    widest = max(1, *(sum(r[1:]) for r in rows))
    for k, ((_, colour), label) in enumerate(zip(_STATUS, labels)):
        values = [int(r[k + 1]) for r in rows]
        edge = WARN if k == 1 else MUTED if k == 2 else colour
        ax.barh(ys, values, left=left, color=colour, edgecolor=edge, linewidth=0.6, height=0.6, label=label)
        for y, v, x in zip(ys, values, left):
            if v >= 0.16 * widest:  # a narrower segment has no room for its label (the table has every number)
                ax.text(x + v / 2, y, f"{v} {label}", ha="center", va="center", fontsize=8, color="white" if k == 0 else INK)
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(ys)
    ax.set_yticklabels([r[0] for r in rows], fontsize=9)
    ax.set_xlabel(f"{unit} (good: {good})")
    cast("MaxNLocator", ax.xaxis.get_major_locator()).set_params(integer=True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, frameon=False, fontsize=9)
    ax.grid(axis="x", color="#e4e7eb")
    ax.set_axisbelow(True)
    desc = "; ".join(f"{r[0]}: " + ", ".join(f"{v} {lab}" for v, lab in zip(r[1:], labels)) for r in rows) + f". Good: {good}."
    return _svg(fig, name=name, title=title, desc=desc)


@functools.lru_cache(maxsize=64)
def usefulness_svg(rows: tuple[tuple[str, float | None, int], ...], *, title: str, name: str = "chart-useful") -> Markup:
    """Mean usefulness per row, ``(label, mean or None, n)``, on the 1-5 scale.

    A dashed line marks 3 (neutral) and a band 4-5 (good); each bar is labelled with its
    mean and ``n``, so a mean from few answers is visibly so.
    """
    fig = _figure(6.4, 0.9 + 0.38 * max(1, len(rows)))
    ax = fig.add_subplot()
    _style(ax)
    ys = list(range(len(rows)))[::-1]
    ax.axvspan(4, 5, color=PALETTE[2], alpha=0.08, zorder=0)
    ax.axvline(3, color=MUTED, linestyle="--", linewidth=1, zorder=1)
    ax.text(3, len(rows) - 0.35, "3 = neutral", ha="center", va="bottom", fontsize=8, color=MUTED)
    ax.text(4.5, len(rows) - 0.35, "good (4-5)", ha="center", va="bottom", fontsize=8, color=PALETTE[2])
    for y, (_label, mean, n) in zip(ys, rows):
        if mean is None:
            ax.text(1.05, y, "no answers yet", va="center", fontsize=8, color=MUTED)
            continue
        ax.barh([y], [mean - 1], left=1, height=0.55, color=PALETTE[0] if mean >= 3 else WARN, zorder=2)
        ax.text(min(mean, 4.6) + 0.05, y, f"{mean:.1f} (n = {n})", va="center", fontsize=8, color=INK, zorder=3,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
    ax.set_xlim(1, 5.4)
    ax.set_ylim(-0.6, len(rows) + 0.1)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.set_yticks(ys)
    ax.set_yticklabels([r[0] for r in rows], fontsize=9)
    ax.set_xlabel("mean usefulness, 1 (not useful) to 5 (very useful)")
    desc = "; ".join(f"{r[0]}: " + ("no answers" if r[1] is None else f"{r[1]:.1f} from {r[2]} answers") for r in rows)
    return _svg(fig, name=name, title=title, desc=desc + ". Scale 1-5, 3 is neutral, 4 or more is good.")
