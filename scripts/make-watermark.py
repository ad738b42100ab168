#!/usr/bin/env python3
"""Writes assets/pdf/not-releasable.svg: the words NOT RELEASABLE as outlines
(paths) from the bundled Noto Sans Bold, for the PDF's watermark.

A watermark drawn as text enters the PDF's text layer, and pdftotext then
mixes its letters into the evidence text it crosses (an id copied from the
PDF would carry an "EA" in its middle). As paths it is seen, never read.

    python3 scripts/make-watermark.py     (needs fonttools: pip install fonttools)
"""
from pathlib import Path

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
WORDS = "NOT RELEASABLE"

font = TTFont(ROOT / "assets/fonts/NotoSans-Bold.ttf")
glyphs = font.getGlyphSet()
cmap = font.getBestCmap()
upm = font["head"].unitsPerEm
ascent, descent = font["hhea"].ascent, font["hhea"].descent

pen = SVGPathPen(glyphs, ntos=lambda v: ("%.1f" % v).rstrip("0").rstrip("."))
x = 0
for ch in WORDS:
    name = cmap[ord(ch)]
    # Font units have y up; SVG has y down, baseline at `ascent`.
    glyphs[name].draw(TransformPen(pen, (1, 0, 0, -1, x, ascent)))
    x += glyphs[name].width
height = ascent - descent
svg = (
    f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {x} {height}" '
    f'width="{x / upm * 64:.1f}pt" height="{height / upm * 64:.1f}pt">'
    f'<path fill="#a1121b" fill-opacity="0.11" d="{pen.getCommands()}"/></svg>\n'
)
(ROOT / "assets/pdf/not-releasable.svg").write_text(svg)
