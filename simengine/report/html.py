"""A self-contained HTML page: inline CSS, images inlined as base64 ``data:`` URIs, no
scripts and no external URLs, so the one file can be mailed, archived or opened offline."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1140px;
       color: #1a1a1a; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd;
       padding-bottom: 0.2em; margin-top: 2em; } h3 { margin-bottom: 0.3em; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f4f4f4; }
figure { display: inline-block; margin: 0.4em 0.6em 0.4em 0; vertical-align: top; }
figcaption { font-size: 0.85em; color: #555; max-width: 520px; }
img { image-rendering: auto; border: 1px solid #eee; }
img.pixel { image-rendering: pixelated; }
.note { color: #666; font-size: 0.9em; }
nav a { margin-right: 0.8em; }
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def cell(value: object) -> str:
    """A table cell; numbers right-aligned (floats with 4 significant digits)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"<td>{esc(value)}</td>"
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    return f'<td class="num">{esc(text)}</td>'


class Page:
    """Sections of headings, paragraphs, tables and figures, written as one HTML file."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.parts: list[str] = []
        self.toc: list[tuple[str, str]] = []

    def section(self, anchor: str, heading: str) -> None:
        self.toc.append((anchor, heading))
        self.parts.append(f'<h2 id="{esc(anchor)}">{esc(heading)}</h2>')

    def h3(self, text: str) -> None:
        self.parts.append(f"<h3>{esc(text)}</h3>")

    def p(self, text: str, note: bool = False) -> None:
        cls = ' class="note"' if note else ""
        self.parts.append(f"<p{cls}>{esc(text)}</p>")

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[object]],
              table_id: str | None = None, row_keys: Sequence[str] | None = None) -> None:
        """A table; ``row_keys`` become ``data-key`` attributes (machine-readable rows)."""
        tid = f' id="{esc(table_id)}"' if table_id else ""
        head = "".join(f"<th>{esc(h)}</th>" for h in headers) if any(headers) else ""
        body = []
        for i, row in enumerate(rows):
            key = f' data-key="{esc(row_keys[i])}"' if row_keys else ""
            body.append(f"<tr{key}>" + "".join(cell(v) for v in row) + "</tr>")
        thead = f"<thead><tr>{head}</tr></thead>" if head else ""
        self.parts.append(f"<table{tid}>{thead}<tbody>"
                          + "".join(body) + "</tbody></table>")

    def figure(self, png: bytes, caption: str, alt: str = "", pixelated: bool = False,
               width: int | None = None) -> None:
        cls = ' class="pixel"' if pixelated else ""
        w = f' width="{width}"' if width else ""
        self.parts.append(f'<figure><img{cls}{w} alt="{esc(alt or caption)}" '
                          f'src="{data_uri(png)}"><figcaption>{esc(caption)}</figcaption>'
                          "</figure>")

    def render(self, subtitle: str = "") -> str:
        nav = " ".join(f'<a href="#{esc(a)}">{esc(h)}</a>' for a, h in self.toc)
        sub = f'<p class="note">{esc(subtitle)}</p>' if subtitle else ""
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{esc(self.title)}</title><style>{CSS}</style></head><body>"
                f"<h1>{esc(self.title)}</h1>{sub}<nav>{nav}</nav>"
                + "\n".join(self.parts) + "</body></html>\n")
