"""The visible stamp on a result's first page: its number, who signs, when.

Drawn into the page content (pyHanko's text stamp, a form XObject painted by the page),
so it is printed, copied and extracted with the page text, and the signature that
follows covers it.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStamp, TextStampStyle

# Liberation Sans 2 covers Vietnamese (the Makefile installs fonts-liberation2, as for
# the printed forms); the standard PDF fonts do not.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
)
FONT_FILE = "LiberationSans-Regular.ttf"
STAMP_WIDTH = 250
MARGIN = 24


@cache
def _style() -> TextStampStyle:
    font = next((d / FONT_FILE for d in FONT_DIRS if (d / FONT_FILE).exists()), None)
    box = (
        TextBoxStyle(font_size=8)
        if font is None
        else TextBoxStyle(font=GlyphAccumulatorFactory(str(font), font_size=8), font_size=8)
    )
    return TextStampStyle(
        stamp_text="%(text)s", text_box_style=box, border_width=1, background=None
    )


def stamp_first_page(pdf_bytes: bytes, lines: list[str]) -> bytes:
    """The document with `lines` in a framed box at the bottom right of page 1."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    node = writer.find_page_for_modification(0)[0].get_object()
    media_box = None
    for _ in range(32):  # the box may be inherited from a parent /Pages node
        media_box = node.get("/MediaBox")
        if media_box is not None or "/Parent" not in node:
            break
        node = node["/Parent"]
    width = float(media_box[2]) if media_box is not None else 595.0
    stamp = TextStamp(writer, _style(), text_params={"text": "\n".join(lines)})
    stamp.apply(0, max(MARGIN, width - STAMP_WIDTH - MARGIN), MARGIN)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
