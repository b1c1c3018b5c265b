"""Text in a PDF that a reader of the rendered pages cannot see (`pdfminer.six`
interprets the drawing), reported in `Extracted.hidden`: covered by a filled shape
painted after it, in (nearly) the colour of what lies behind it (white on the white
page, green on a green box; white on a dark bar is visible), tiny (< 2 pt), off the
page, or invisible (render mode 3 without an image on the page: that is an OCR
layer). Inside form XObjects too. Not detected: text clipped away, and shapes with
transparency (pdfminer reports no alpha; they are taken as opaque)."""

from __future__ import annotations

import io
import math
from typing import Any

# A reader sees the topmost paint at each point: a glyph is hidden when a filled shape
# painted after it covers most of it, when its colour is (nearly) the colour of what
# lies behind it (the page is white), when it is tiny or off the page, or when it is
# drawn invisible (render mode 3/7) on a page without images (with images, that is an
# OCR layer over a scan). pdfminer.six interprets the drawing; these are the rules.
MIN_VISIBLE_PT = 2.0  # glyphs smaller than this are unreadable
COVERED_SHARE = 0.8  # a later shape covering this much of a glyph's box hides it
SAME_COLOUR = 0.08  # RGB distance (0-1 per channel, Euclidean) at which text matches its background
OFF_PAGE_PT = 36.0  # glyphs this far outside the media box are off the page
_WHITE = (1.0, 1.0, 1.0)


def _rgb(colour: Any, components: int | None = None) -> tuple[float, float, float] | None:
    """A device colour as RGB in 0-1 (gray, RGB or CMYK by its number of components),
    or None when it is not a plain device colour (a pattern, a spot colour)."""
    if isinstance(colour, (int, float)) and not isinstance(colour, bool):
        colour = (colour,)
    if not isinstance(colour, (tuple, list)) or not all(isinstance(v, (int, float)) for v in colour):
        return None
    v = [min(1.0, max(0.0, float(x))) for x in colour]
    if len(v) == 1 and components in (None, 1):
        return (v[0], v[0], v[0])
    if len(v) == 3:
        return (v[0], v[1], v[2])
    if len(v) == 4:
        c, m, y, k = v
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Share of box `a`'s area that box `b` covers (boxes are x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    area = max(a[2] - a[0], 0.1) * max(a[3] - a[1], 0.1)
    return 0.0 if w <= 0 or h <= 0 else w * h / area


BAND_PT = 24.0  # paints are indexed by horizontal bands of this height (see `_paint_order`)


def _paint_order(layout) -> tuple[list, dict[int, list], bool]:
    """(glyphs, paints, has_images) of a pdfminer page in drawing order: glyphs as
    (order, LTChar); paints as (order, bbox, rgb, image) with rgb None when the fill
    colour is not a plain device colour (or for an image), indexed by the `BAND_PT`
    bands their height spans, so a glyph is compared only with the paints of the band
    its centre lies in (a paint covering most of a glyph always covers its centre)."""
    from pdfminer.layout import LTChar, LTCurve, LTImage

    glyphs: list = []
    paints: dict[int, list] = {}
    images = False
    order = 0

    def paint(bbox, rgb, image: bool) -> None:
        for band in range(int(bbox[1] // BAND_PT), int(bbox[3] // BAND_PT) + 1):
            paints.setdefault(band, []).append((order, bbox, rgb, image))

    def walk(item) -> None:
        nonlocal order, images
        for obj in item:
            order += 1
            if isinstance(obj, LTChar):
                glyphs.append((order, obj))
            elif isinstance(obj, LTImage):
                images = True
                paint(obj.bbox, None, True)
            elif isinstance(obj, LTCurve) and obj.fill:  # LTRect and LTLine are curves
                paint(obj.bbox, _rgb(obj.non_stroking_color), False)
            elif hasattr(obj, "__iter__"):
                walk(obj)  # a figure (form XObject): drawn here, in its own order

    walk(layout)
    return glyphs, paints, images


def _glyph_hidden(glyph, order: int, paints: dict[int, list], images: bool, box: tuple) -> bool:
    """Whether a reader of the rendered page cannot see this glyph (rules above). An
    image drawn over text does not hide it (a scan's text layer may lie under it)."""
    if 0 < glyph.size < MIN_VISIBLE_PT:
        return True
    x, y = (glyph.x0 + glyph.x1) / 2, (glyph.y0 + glyph.y1) / 2
    if not (box[0] - OFF_PAGE_PT <= x <= box[2] + OFF_PAGE_PT and box[1] - OFF_PAGE_PT <= y <= box[3] + OFF_PAGE_PT):
        return True
    if getattr(glyph, "render_mode", 0) in (3, 7) and not images:
        return True
    gbox = (glyph.x0, glyph.y0, glyph.x1, glyph.y1)
    behind: tuple[float, float, float] | None = _WHITE
    for p_order, p_box, p_rgb, image in paints.get(int(y // BAND_PT), ()):
        if p_order > order and not image and _overlap(gbox, p_box) >= COVERED_SHARE:
            return True  # painted over
        if p_order < order and p_box[0] <= x <= p_box[2] and p_box[1] <= y <= p_box[3]:
            behind = p_rgb  # the topmost paint under the glyph so far (None: an image or an unknown colour)
    colour = _rgb(glyph.graphicstate.ncolor, getattr(glyph.ncs, "ncomponents", None))
    if colour is None or behind is None:
        return False
    return math.dist(colour, behind) < SAME_COLOUR


def hidden_runs(data: bytes, max_pages: int) -> list[str]:
    """Runs of text in the PDF that a reader of the rendered pages cannot see, in page
    and drawing order (whitespace-normalised). Raises whatever pdfminer raises."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    class Device(PDFPageAggregator):
        """pdfminer keeps a glyph's colour but not its text render mode: record it."""

        def render_string(self, textstate, seq, ncs, graphicstate):
            self._render_mode = textstate.render
            return super().render_string(textstate, seq, ncs, graphicstate)

        def render_char(self, *args, **kwargs):
            adv = super().render_char(*args, **kwargs)
            self.cur_item._objs[-1].render_mode = getattr(self, "_render_mode", 0)
            return adv

    manager = PDFResourceManager()
    device = Device(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    runs: list[str] = []
    for index, page in enumerate(PDFPage.get_pages(io.BytesIO(data))):
        if index >= max_pages:
            break
        interpreter.process_page(page)
        layout = device.get_result()
        glyphs, paints, images = _paint_order(layout)
        current: list[str] = []
        last = None
        for order, glyph in glyphs:
            text = glyph.get_text()
            gap = last is not None and (
                abs(glyph.y0 - last.y0) > last.size / 2 or glyph.x0 - last.x1 > 0.3 * max(last.size, 1.0)
            )
            last = glyph
            if not text.strip():
                if current:
                    current.append(" ")
                continue
            if _glyph_hidden(glyph, order, paints, images, layout.bbox):
                current.append((" " if gap and current else "") + text)
            elif current:
                runs.append("".join(current))
                current = []
        if current:
            runs.append("".join(current))
    return [" ".join(r.split()) for r in runs if r.strip()]
