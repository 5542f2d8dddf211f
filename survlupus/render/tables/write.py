"""One :class:`ReportTable`, three formats: HTML, LaTeX (booktabs + longtable) and RTF (rtflite).

* HTML: ``<table>`` with a caption (the title), a header row and the footnotes in ``<tfoot>``.
* LaTeX: a ``longtable`` (pages break inside it, the header repeats) with booktabs rules, every
  cell escaped, non-ASCII symbols spelt for pdfLaTeX (``—`` ``---``, ``†`` ``\\dag``, ``≥``
  ``$\\geq$``, ``µ`` ``$\\mu$``); it needs ``\\usepackage{booktabs,longtable}``.
* RTF: rtflite's ``RTFDocument`` (title, column headers, body, footnotes; landscape when the
  table has more than six columns), the format study reports are assembled from. rtflite writes
  no time stamp, so the same table gives the same bytes.

>>> table.to_latex("tte_summary.tex")      # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import html
import io
import re
from pathlib import Path

from survlupus.textsafe import latex_escape

_TEX_SYMBOLS = {
    "—": "---",
    "–": "--",
    "†": r"\dag{}",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "µ": r"$\mu$",
    "μ": r"$\mu$",
    "×": r"$\times$",
    "⁹": r"$^{9}$",
    "³": r"$^{3}$",
    "²": r"$^{2}$",
    "→": r"$\rightarrow$",
    "’": "'",
    "é": r"\'e",
    "ï": r"\"i",
    "ñ": r"\~n",
}
_TEX_RE = re.compile("|".join(map(re.escape, _TEX_SYMBOLS)))


def tex(text) -> str:
    """Escaped for LaTeX, with the symbols survlupus prints spelt for pdfLaTeX."""
    escaped = latex_escape(str(text))
    escaped = _TEX_RE.sub(lambda m: _TEX_SYMBOLS[m.group(0)], escaped)
    return escaped.encode("ascii", "replace").decode("ascii")


def to_html(table) -> str:
    """The table as an HTML ``<table>`` (caption, header, body, footnotes)."""
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in table.frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>"
        for row in table.frame.itertuples(index=False)
    )
    n = max(1, len(table.frame.columns))
    foot = "".join(f'<tr><td colspan="{n}">{e(f)}</td></tr>' for f in table.footnotes)
    return (
        f'<table class="survlupus" id="table-{e(table.name)}">'
        f"<caption>{e(table.title)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody><tfoot>{foot}</tfoot></table>\n"
    )


def to_latex(table) -> str:
    """The table as a booktabs ``longtable``, with the title as its caption."""
    cols = list(table.frame.columns)
    spec = "l" + "p{%.2f\\linewidth}" % (0.8 / max(1, len(cols) - 1)) * (len(cols) - 1)
    if len(cols) <= 1:
        spec = "l"
    header = " & ".join(rf"\textbf{{{tex(c)}}}" for c in cols) + r" \\"
    lines = [
        rf"\begin{{longtable}}{{{spec}}}",
        rf"\caption{{{tex(table.title)}}}\label{{tab:{table.name.replace('_', '-')}}} \\",
        r"\toprule",
        header,
        r"\midrule",
        r"\endfirsthead",
        r"\toprule",
        header,
        r"\midrule",
        r"\endhead",
        r"\bottomrule",
    ]
    lines += [
        rf"\multicolumn{{{len(cols)}}}{{p{{0.95\linewidth}}}}{{\footnotesize {tex(f)}}} \\"
        for f in table.footnotes
    ]
    lines.append(r"\endlastfoot")
    lines += [
        " & ".join(tex(v) for v in row) + r" \\" for row in table.frame.itertuples(index=False)
    ]
    lines.append(r"\end{longtable}")
    return "\n".join(lines) + "\n"


def _rtf_text(text) -> str:
    """rtflite writes Unicode; keep the cells as they are but never empty (an empty RTF cell
    collapses its row in some readers)."""
    s = str(text)
    return s if s else " "


def to_rtf(table, path: str | Path) -> Path:
    """The table as an RTF document (rtflite), written to ``path``."""
    import polars as pl
    import rtflite as rtf

    frame = table.frame.astype(str).map(_rtf_text) if len(table.frame) else table.frame
    if frame.empty:
        frame = frame.reindex([0]).fillna(" ") if len(frame.columns) else frame
    if not len(frame.columns):
        frame = frame.assign(**{"(no rows)": [" "]})
    df = pl.DataFrame({str(c): frame[c].astype(str).tolist() for c in frame.columns})
    widths = [2.0] + [1.0] * (len(df.columns) - 1)
    landscape = len(df.columns) > 6
    doc = rtf.RTFDocument(
        df=df,
        rtf_page=rtf.RTFPage(orientation="landscape" if landscape else "portrait"),
        rtf_title=rtf.RTFTitle(text=[table.title]),
        rtf_column_header=[
            rtf.RTFColumnHeader(text=[str(c) for c in df.columns], col_rel_width=widths)
        ],
        rtf_body=rtf.RTFBody(col_rel_width=widths),
        rtf_footnote=rtf.RTFFootnote(text=list(table.footnotes)) if table.footnotes else None,
    )
    path = Path(path)
    with contextlib.redirect_stdout(io.StringIO()):  # rtflite prints the path it wrote
        doc.write_rtf(str(path))
    return path
