"""Small charts drawn with Pillow (already a dependency): bar charts, histograms and line
charts with axes, ticks and labels, as PNG bytes for the HTML report.

Pillow rather than matplotlib: the report needs four kinds of plain chart, and Pillow keeps
the core free of a plotting stack (matplotlib brings six more packages and a font cache).
Charts are deterministic: the same numbers give the same PNG bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 520, 300
MARGIN = (62, 30, 16, 48)  # left, top, right, bottom: room for tick labels and titles
PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]
GRID, AXIS, TEXT = (228, 228, 228), (60, 60, 60), (20, 20, 20)


def load_font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:  # Pillow >= 10.1 ships a scalable default font
        return ImageFont.load_default(size=size)
    except TypeError:  # pragma: no cover - older Pillow: the fixed bitmap font
        return ImageFont.load_default()


def nice_ticks(lo: float, hi: float, target: int = 5) -> np.ndarray:
    """Round tick values (1, 2, 5 × 10^k steps) covering [lo, hi]."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return np.array([0.0])
    if hi <= lo:
        hi = lo + (abs(lo) if lo else 1.0)
    raw = (hi - lo) / max(target, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    return np.arange(first, hi + step * 0.5, step)


def fmt(v: float) -> str:
    """Compact number label: 3 significant digits, no trailing zeros."""
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    if abs(v) >= 1e6 or abs(v) < 1e-3:
        return f"{v:.2g}"
    if abs(v) >= 1000:
        return f"{v:.0f}"
    return f"{v:.3g}"


@dataclass
class Series:
    """One line of a line chart; ``lo``/``hi`` (optional) draw a vertical range per point."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    lo: Sequence[float] | None = None
    hi: Sequence[float] | None = None


class _Axes:
    """A chart canvas with a data → pixel mapping, grid, ticks and labels."""

    def __init__(self, xlim: tuple[float, float], ylim: tuple[float, float], title: str,
                 xlabel: str, ylabel: str, xticks: bool = True) -> None:
        self.img = Image.new("RGB", (WIDTH, HEIGHT), "white")
        self.draw = ImageDraw.Draw(self.img)
        self.font, self.title_font = load_font(11), load_font(13)
        left, top, right, bottom = MARGIN
        self.box = (left, top, WIDTH - right, HEIGHT - bottom)
        yt = nice_ticks(*ylim)
        self.ylim = (min(ylim[0], yt[0]), max(ylim[1], yt[-1]))
        self.xlim = xlim if xlim[1] > xlim[0] else (xlim[0] - 0.5, xlim[0] + 0.5)
        x0, y0, x1, y1 = self.box
        for t in yt:
            py = self.py(t)
            self.draw.line([(x0, py), (x1, py)], fill=GRID)
            self.draw.text((x0 - 4, py), fmt(float(t)), fill=TEXT, font=self.font, anchor="rm")
        if xticks:
            for t in nice_ticks(*self.xlim, target=6):
                if self.xlim[0] - 1e-9 <= t <= self.xlim[1] + 1e-9:
                    self.xtick(self.px(t), fmt(float(t)))
        self.draw.rectangle(self.box, outline=AXIS)
        self.draw.text((WIDTH / 2, 6), title, fill=TEXT, font=self.title_font, anchor="mt")
        self.draw.text(((x0 + x1) / 2, HEIGHT - 6), xlabel, fill=TEXT, font=self.font,
                       anchor="mb")
        label = Image.new("RGB", (int(self.draw.textlength(ylabel, font=self.font)) + 4, 14),
                          "white")
        ImageDraw.Draw(label).text((2, 0), ylabel, fill=TEXT, font=self.font)
        rotated = label.rotate(90, expand=True)
        self.img.paste(rotated, (4, int((y0 + y1) / 2 - rotated.height / 2)))

    def px(self, x: float) -> float:
        x0, _, x1, _ = self.box
        return x0 + (x - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * (x1 - x0)

    def py(self, y: float) -> float:
        _, y0, _, y1 = self.box
        span = self.ylim[1] - self.ylim[0] or 1.0
        return y1 - (y - self.ylim[0]) / span * (y1 - y0)

    def xtick(self, px: float, text: str) -> None:
        y1 = self.box[3]
        self.draw.line([(px, y1), (px, y1 + 3)], fill=AXIS)
        self.draw.text((px, y1 + 5), text, fill=TEXT, font=self.font, anchor="mt")

    def png(self) -> bytes:
        return png_bytes(self.img)


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def bar_chart(labels: Sequence[str], values: Sequence[float], title: str, xlabel: str = "",
              ylabel: str = "count", one_colour: bool = False) -> bytes:
    """Vertical bars, one per label (non-zero values printed on top); ``one_colour`` for a
    distribution over counts, else a colour per category."""
    vals = np.asarray(values, np.float64)
    n = max(len(vals), 1)
    top = float(vals.max()) if vals.size else 1.0
    ax = _Axes((-0.5, n - 0.5), (0.0, top * 1.1 or 1.0), title, xlabel, ylabel, xticks=False)
    width = 0.7 * (ax.px(1) - ax.px(0))
    for i, (label, v) in enumerate(zip(labels, vals, strict=True)):
        cx = ax.px(i)
        ax.draw.rectangle([cx - width / 2, ax.py(v), cx + width / 2, ax.py(0)],
                          fill=PALETTE[0 if one_colour else i % len(PALETTE)])
        if v:
            ax.draw.text((cx, ax.py(v) - 2), fmt(float(v)), fill=TEXT, font=ax.font,
                         anchor="mb")
        ax.xtick(cx, _shorten(label, int(ax.px(1) - ax.px(0)) // 6))
    return ax.png()


def histogram(edges: np.ndarray, counts: np.ndarray, title: str, xlabel: str,
              ylabel: str = "count") -> bytes:
    """Counts over bins ``edges`` (len(counts) + 1), as touching bars."""
    edges, counts = np.asarray(edges, np.float64), np.asarray(counts, np.float64)
    top = float(counts.max()) if counts.size else 1.0
    ax = _Axes((float(edges[0]), float(edges[-1])), (0.0, top * 1.05 or 1.0), title, xlabel,
               ylabel)
    for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True):
        if c > 0:
            ax.draw.rectangle([ax.px(a), ax.py(c), max(ax.px(b) - 1, ax.px(a)), ax.py(0)],
                              fill=PALETTE[0])
    return ax.png()


def line_chart(series: Sequence[Series], title: str, xlabel: str, ylabel: str,
               xlim: tuple[float, float] | None = None) -> bytes:
    """Lines with markers (and optional min–max whiskers), a legend in the top-left."""
    ys = [v for s in series for v in (*s.y, *(s.lo or ()), *(s.hi or ())) if math.isfinite(v)]
    xs = [v for s in series for v in s.x]
    lo, hi = (min(ys), max(ys)) if ys else (0.0, 1.0)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
    if xlim is None:
        xlim = (min(xs) - 0.5, max(xs) + 0.5) if xs else (0.0, 1.0)
    ax = _Axes(xlim, (lo - pad, hi + pad), title, xlabel, ylabel)
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        pts = [(ax.px(x), ax.py(y)) for x, y in zip(s.x, s.y, strict=True) if math.isfinite(y)]
        if len(pts) > 1:
            ax.draw.line(pts, fill=colour, width=2)
        for j, (px, py) in enumerate(pts):
            if s.lo is not None and s.hi is not None:
                ax.draw.line([(px, ax.py(s.lo[j])), (px, ax.py(s.hi[j]))], fill=colour)
            ax.draw.ellipse([px - 3, py - 3, px + 3, py + 3], fill=colour)
        ly = ax.box[1] + 8 + 14 * i
        ax.draw.rectangle([ax.box[0] + 8, ly - 4, ax.box[0] + 18, ly + 4], fill=colour)
        ax.draw.text((ax.box[0] + 22, ly), s.label, fill=TEXT, font=ax.font, anchor="lm")
    return ax.png()


def _shorten(text: str, chars: int) -> str:
    chars = max(chars, 4)
    return text if len(text) <= chars else text[:chars - 2] + ".."  # the font lacks …
