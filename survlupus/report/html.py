"""The self-contained ``index.html``: inline CSS, figures embedded as PNG data URIs, no network.

A tiny inline script marks the page once every figure has decoded (``data-images-ok`` on
``<body>``), which the headless-browser test reads.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

CSS = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #0072B2; padding-bottom: .2em; }
h3 { margin-top: 1.5em; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #eef4fa; }
figure { margin: 1em 0 2em; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .9em; color: #555; }
.note { color: #555; font-size: .9em; }
nav a { margin-right: 1em; }
details { margin: .3em 0; } summary { cursor: pointer; font-weight: bold; }
"""

SCRIPT = """
window.addEventListener('load', function () {
  var imgs = document.querySelectorAll('img');
  var ok = 0;
  imgs.forEach(function (i) { if (i.complete && i.naturalWidth > 0) { ok += 1; } });
  document.body.setAttribute('data-images', imgs.length);
  document.body.setAttribute('data-images-ok', ok);
});
"""


def esc(text) -> str:
    return html.escape("" if text is None else str(text))


def table_html(df: pd.DataFrame, table_id: str, float_digits: int = 3) -> str:
    def fmt(v):
        if isinstance(v, float):
            return "" if pd.isna(v) else (str(int(v)) if v == int(v) else f"{v:.{float_digits}g}")
        if isinstance(v, pd.Timestamp):
            return v.strftime("%Y-%m-%d")
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)

    head = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(fmt(v))}</td>" for v in row) + "</tr>"
        for row in df.itertuples(index=False)
    )
    return (
        f'<table id="{esc(table_id)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def figure_html(png: Path, caption: str, fig_id: str) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (
        f'<figure id="{esc(fig_id)}"><img alt="{esc(caption)}" '
        f'src="data:image/png;base64,{data}"><figcaption>{esc(caption)}</figcaption></figure>'
    )


def page(title: str, sections: list[tuple[str, str, str]]) -> str:
    """``sections``: (anchor, heading, inner html)."""
    nav = "".join(f'<a href="#{esc(a)}">{esc(h)}</a>' for a, h, _ in sections)
    body = "".join(
        f'<section id="{esc(a)}"><h2>{esc(h)}</h2>{inner}</section>' for a, h, inner in sections
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{CSS}</style><script>{SCRIPT}</script></head>"
        f"<body><h1>{esc(title)}</h1><nav>{nav}</nav>{body}</body></html>\n"
    )
