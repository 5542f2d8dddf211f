"""Embedding TrueType fonts in PDF figures at a fraction of fontTools' cost, same bytes.

matplotlib embeds each font of a PDF as a TrueType subset of the glyphs the figure uses
(``pdf.fonttype = 42``: journals reject Type 3). fontTools makes each subset by parsing the whole
font file (DejaVu Sans: ~6,000 glyphs, ~50 ms), and a report makes dozens. Two things here, both
active only while :func:`subset_fonts` is:

* **no layout tables**: the OpenType layout tables (GSUB, GPOS, GDEF, kern) leave each font as
  fontTools opens it (``subset.load_font``) and are on its list of tables to drop. matplotlib
  places every glyph itself and a PDF reader never reads them, while fontTools spent most of a
  subset's time decompiling them (fontTools 4.69 reads them before it prunes the dropped
  tables). The pages render pixel for pixel the same; the files are ~5 % smaller.
* **each subset made once**: the subset's bytes are kept per font file and set of glyphs
  (figures of one kind use the same characters: 35 distinct subsets of 66 in the musc report),
  and given back as they were made.

>>> with subset_fonts():                                  # doctest: +SKIP
...     fig.savefig("km.pdf")
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

LAYOUT_TABLES = ["GSUB", "GPOS", "GDEF", "kern"]
_SUBSETS: dict[tuple, tuple[bytes, dict]] = {}
"""(font file, face, glyphs) -> (the subset font's bytes, glyph index map); this process's."""
MAX_SUBSETS = 512


class _SubsetBytes:
    """What matplotlib reads of a subset font (``font_as_file`` calls ``save``), from bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def save(self, file, reorderTables: bool = False) -> None:  # noqa: N803 (fontTools' name)
        file.write(self.data)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


def _cached(get_glyphs_subset, results_type):
    """``get_glyphs_subset`` remembering each subset's bytes."""

    def subset(fontfile, glyphs):
        key = (str(fontfile), getattr(fontfile, "face_index", 0), frozenset(glyphs))
        if key not in _SUBSETS:
            with get_glyphs_subset(fontfile, glyphs) as made:
                buffer = io.BytesIO()
                made.font.save(buffer, reorderTables=False)
                if len(_SUBSETS) >= MAX_SUBSETS:
                    _SUBSETS.clear()
                _SUBSETS[key] = (buffer.getvalue(), dict(made.glyph_index_map))
        data, index_map = _SUBSETS[key]
        return results_type(_SubsetBytes(data), dict(index_map))._as_cm()

    return subset


@contextmanager
def subset_fonts() -> Iterator[None]:
    """PDF font subsets without layout tables, each made once (module docstring); matplotlib's
    and fontTools' own functions are restored afterwards. With another matplotlib or fontTools
    than these hooks know, the subsets are made as those libraries make them."""
    try:
        from fontTools import subset
        from matplotlib.backends import _backend_pdf_ps as pdf_ps
    except ImportError:  # matplotlib without fontTools: nothing to subset
        yield
        return
    default = getattr(subset.Options, "_drop_tables_default", None)
    get_glyphs_subset = getattr(pdf_ps, "get_glyphs_subset", None)
    results_type = getattr(pdf_ps, "SubsetResults", None)
    if not isinstance(default, list) or get_glyphs_subset is None or results_type is None:
        yield
        return
    load_font = subset.load_font

    def load_font_without_layout(*args, **kwargs):
        font = load_font(*args, **kwargs)
        for tag in LAYOUT_TABLES:
            if tag in font:
                del font[tag]
        return font

    subset.Options._drop_tables_default = [*default, *LAYOUT_TABLES]
    subset.load_font = load_font_without_layout
    pdf_ps.get_glyphs_subset = _cached(get_glyphs_subset, results_type)
    try:
        yield
    finally:
        subset.Options._drop_tables_default = default
        subset.load_font = load_font
        pdf_ps.get_glyphs_subset = get_glyphs_subset
