"""The Chinese font of the PDF statements, embedded so that any viewer shows the text.

We embed WenQuanYi Micro Hei from the ``paperang-p2-fonts-cjk`` package: it is a
TrueType collection with *glyf* (quadratic TrueType) outlines, which reportlab
subsets and embeds as FontFile2. The better-known Noto Sans CJK / Source Han
fonts are OpenType with CFF (PostScript) outlines; reportlab's TTF support reads
only glyf tables and refuses them with "postscript outlines are not supported".

If the collection is missing we fall back to reportlab's CID font
``STSong-Light``. That font is *not* embedded (the viewer must supply Adobe's
Chinese font pack), so the files would not be fit for archiving; we warn.
"""

from __future__ import annotations

import functools
import importlib.resources
import warnings
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

EMBEDDED_FONT_NAME = "WenQuanYiMicroHei"
FALLBACK_FONT_NAME = "STSong-Light"


@dataclass(frozen=True, slots=True)
class FontChoice:
    """The registered font name and whether its glyphs are embedded in the PDF."""

    name: str
    embedded: bool


def default_font_path() -> Path | None:
    """Where ``paperang-p2-fonts-cjk`` installed ``wqy-microhei.ttc``, if it did."""
    try:
        root = importlib.resources.files("paperang_p2_fonts_cjk")
    except ModuleNotFoundError:
        return None
    path = Path(str(root)) / "fonts" / "wqy-microhei.ttc"
    return path if path.is_file() else None


@functools.cache
def cjk_font(path: Path | None = None) -> FontChoice:
    """Register (once) and return the Chinese font; ``path`` overrides the packaged one.

    Warns (UserWarning) and returns the non-embedded ``STSong-Light`` when no
    TrueType collection is found.
    """
    path = path or default_font_path()
    if path is not None and path.is_file():
        # Index 0 of the collection is the proportional face; 1 is its Mono twin.
        pdfmetrics.registerFont(TTFont(EMBEDDED_FONT_NAME, str(path), subfontIndex=0))
        _map_family(EMBEDDED_FONT_NAME)
        return FontChoice(EMBEDDED_FONT_NAME, embedded=True)
    warnings.warn(
        "WenQuanYi Micro Hei (paperang-p2-fonts-cjk) not found; falling back to STSong-Light: "
        "the PDF will not embed Chinese glyphs and may not display everywhere",
        UserWarning,
        stacklevel=2,
    )
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT_NAME))
    _map_family(FALLBACK_FONT_NAME)
    return FontChoice(FALLBACK_FONT_NAME, embedded=False)


def _map_family(name: str) -> None:
    # The face has no bold or italic; map them to itself so that markup never
    # silently switches to a Latin-only standard font.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)
