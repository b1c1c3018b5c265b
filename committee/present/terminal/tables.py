"""Tables that stay readable at any terminal width: the one way the terminal renderers
print a table of records.

A table is described once, by its columns (`Col`) and its rows (one cell per column),
and printed in the first layout that fits the console without breaking a word:

1. the full table (rich's default heavy head), every column;
2. the compact table (a simple head, one space of padding between columns), every
   column, headers wrapped between words to the width of their cells;
3. the compact table without the columns a reader can spare (`Col.drop`, the highest
   numbers left out first);
4. the compact layouts of any narrower variant of the same records (shorter or merged
   columns: `fitted`'s `narrower`);
5. stacked: one block per record, its first cell as the block's head and one
   `header  value` line per other column (every column, dropped ones too).

A layout fits when rich's own measurement of its minimum width (every one-line cell
whole, every wrapping cell no narrower than its longest word and WRAP_MIN) is within
the console's width, so rich never has to cut a cell mid-word. Long words inside
sentences are for `bullets`, `diff_lines` and plain `Text`, which wrap between words."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

Cell = str | Text
WRAP_MIN = 16  # a wrapping column is never narrower (unless all its cells are): no word-per-line cells
UNBOUNDED = 100_000  # a width no table reaches: measurements taken under it are not capped


@dataclass(frozen=True)
class Col:
    """One column. `wrap`: long text that may wrap between words (never inside one);
    otherwise every cell stays on one line. `drop` > 0: a compact table may leave it
    out (highest first; a stacked record still shows it). `shrink`: the cells may be cut
    with an ellipsis down to this many characters (only for values shown in full
    elsewhere, e.g. `--json`). `min_width`: the column is never narrower."""

    header: Cell
    justify: str = "left"
    wrap: bool = False
    drop: int = 0
    shrink: int | None = None
    min_width: int | None = None


def cell_width(cell: Cell) -> int:
    """The widest line of a cell, in terminal columns."""
    text = cell if isinstance(cell, Text) else Text(str(cell))
    return max((Text(line).cell_len for line in text.plain.splitlines()), default=0)


def _header(col: Col, width: int, compact: bool) -> Cell:
    """The header of a one-line column: as given, or in a compact table wrapped between
    words to `width` (the column's widest cell; at least its longest word)."""
    plain = _plain(col.header)
    if not compact or len(plain) <= width:
        return col.header
    wrapped = textwrap.fill(plain, width=max(width, *(len(w) for w in plain.split())))
    if isinstance(col.header, Text):
        return Text(wrapped, style=col.header.style)
    return wrapped


def build_table(
    console: Console,
    title: str | None,
    cols: Sequence[Col],
    rows: Sequence[Sequence[Cell]],
    *,
    compact: bool = False,
    caption: str | None = None,
) -> Table:
    """The table of `rows` under `cols` (full or `compact` style). One-line columns are
    `no_wrap` with a `min_width` of their widest cell, so that rich's measurement says
    what they need; a `shrink` column takes the width the others leave (ellipsis)."""
    style = (
        dict(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True)
        if compact
        else dict(box=box.HEAVY_HEAD)
    )
    t = Table(title=title, caption=caption, **style)
    for i, col in enumerate(cols):
        widest = max((cell_width(r[i]) for r in rows), default=0)
        if col.wrap:
            t.add_column(
                col.header, justify=col.justify, overflow="fold", min_width=_wrap_min(col, [r[i] for r in rows])
            )
        elif col.shrink is not None:
            t.add_column(
                _header(col, col.shrink, compact),
                justify=col.justify,
                no_wrap=True,
                overflow="ellipsis",
                min_width=min(max(widest, cell_width(col.header)), col.shrink),
            )
        else:
            # the full table keeps its headers on one line; a compact one wraps them
            need = max(widest, col.min_width or 0, 0 if compact else cell_width(col.header))
            t.add_column(_header(col, need, compact), justify=col.justify, no_wrap=True, min_width=need)
    for r in rows:
        t.add_row(*r)
    _give_room(console, t, cols, rows)
    _share_wrapping(console, t, cols, rows)
    return t


def _wrap_min(col: Col, cells: Sequence[Cell]) -> int:
    """The fewest columns a wrapping column may take: its longest word, and at least
    WRAP_MIN (or its widest cell, when narrower), so that it never reads one word per
    line."""
    words = max([_word_width(c) for c in cells] + [_word_width(col.header)])
    widest = max((cell_width(c) for c in cells), default=0)
    return max(words, min(widest, WRAP_MIN), col.min_width or 0)


def _plain(cell: Cell) -> str:
    """A cell's text without its styles."""
    return cell.plain if isinstance(cell, Text) else str(cell)


def _word_width(cell: Cell) -> int:
    """The longest word of a cell, in terminal columns."""
    return max((Text(w).cell_len for w in _plain(cell).split()), default=0)


def _share_wrapping(console: Console, t: Table, cols: Sequence[Col], rows: Sequence[Sequence[Cell]]) -> None:
    """When the table is wider than the console but its minimum fits, give each
    wrapping column a fixed width: its longest word, plus a share of what is left in
    proportion to how much more it could use. (Left to itself, rich narrows the widest
    wrapping column first, through its longest word.)"""
    wrapping = [i for i, c in enumerate(cols) if c.wrap]
    table_max = Measurement.get(console, console.options.update_width(UNBOUNDED), t).maximum
    if not wrapping or table_max <= console.width:
        return
    lo = {i: _wrap_min(cols[i], [r[i] for r in rows]) for i in wrapping}
    hi = {i: max([cell_width(r[i]) for r in rows] + [cell_width(cols[i].header), lo[i]]) for i in wrapping}
    for i in wrapping:
        t.columns[i].width = lo[i]
    left = console.width - min_width(console, t)
    if left < 0:
        return  # it does not fit: `fits` says so
    want = sum(hi[i] - lo[i] for i in wrapping) or 1
    for i in wrapping:
        t.columns[i].width = lo[i] + min(hi[i] - lo[i], left * (hi[i] - lo[i]) // want)


def _give_room(console: Console, t: Table, cols: Sequence[Col], rows: Sequence[Sequence[Cell]]) -> None:
    """Let each `shrink` column grow from its minimum by an equal share of the width the
    table's minimum leaves, up to its widest cell."""
    shrinking = [i for i, c in enumerate(cols) if c.shrink is not None]
    if not shrinking:
        return
    for i in shrinking:  # first at their minimum, to measure what the others need
        t.columns[i].max_width = t.columns[i].min_width
    spare = console.width - min_width(console, t)
    for n, i in enumerate(shrinking):
        share = max(0, spare // (len(shrinking) - n))
        column = t.columns[i]
        widest = max([cell_width(r[i]) for r in rows] + [cell_width(cols[i].header)])
        column.max_width = min(widest, (column.min_width or 0) + share)
        spare -= column.max_width - (column.min_width or 0)


def min_width(console: Console, renderable: RenderableType) -> int:
    """The fewest terminal columns `renderable` needs, by rich's own measurement (taken
    without the console's width as a cap, which would hide an overflow)."""
    return Measurement.get(console, console.options.update_width(UNBOUNDED), renderable).minimum


def fits(console: Console, t: Table) -> bool:
    """Whether `t` renders within the console's width with no cell cut mid-word."""
    return min_width(console, t) <= console.width


def stacked(title: str | None, cols: Sequence[Col], rows: Sequence[Sequence[Cell]], *, head: int = 1) -> Group:
    """One block per record: its first `head` cells in bold on one line, then an
    indented `header  value` line per other column (a long value wraps under itself)."""
    parts: list[RenderableType] = [Text(title, style="table.title")] if title else []
    for r in rows:
        line = Text("  ").join(c.copy() if isinstance(c, Text) else Text(str(c)) for c in r[:head])
        line.stylize("bold")
        grid = Table.grid(padding=(0, 2, 0, 0))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        for col, value in zip(cols[head:], r[head:], strict=True):
            grid.add_row(" ".join(_plain(col.header).split()), value)
        parts += [line, Padding(grid, (0, 0, 0, 2), expand=False)]
    return Group(*parts)


def layouts(console: Console, title: str | None, cols: Sequence[Col], rows, caption: str | None = None):
    """The table layouts of `rows` widest first (full, compact, compact without the
    droppable columns, level by level)."""
    yield build_table(console, title, cols, rows, caption=caption)
    yield build_table(console, title, cols, rows, compact=True, caption=caption)
    for level in sorted({c.drop for c in cols if c.drop}, reverse=True):
        keep = [i for i, c in enumerate(cols) if not c.drop or c.drop < level]
        yield build_table(
            console, title, [cols[i] for i in keep], [[r[i] for i in keep] for r in rows], compact=True, caption=caption
        )


Variant = tuple[Sequence[Col], Sequence[Sequence[Cell]]]


def fitted(
    console: Console,
    title: str | None,
    cols: Sequence[Col],
    rows: Sequence[Sequence[Cell]],
    *,
    narrower: Sequence[Variant] = (),
    caption: str | None = None,
    head: int = 1,
) -> RenderableType:
    """The first layout that fits the console (see the module's docstring): those of
    `cols`/`rows`, then the compact ones of each `narrower` (columns, rows) variant of
    the same records (fewer, shorter or merged columns); when none fits, `cols`/`rows` stacked, each
    record headed by its first `head` cells."""
    tables = itertools.chain(
        layouts(console, title, cols, rows, caption),
        *(itertools.islice(layouts(console, title, vc, vr, caption), 1, None) for vc, vr in narrower),
    )
    for t in tables:  # built one at a time: most reports stop at the first
        if fits(console, t):
            return t
    blocks = stacked(title, cols, rows, head=head)
    return Group(blocks, Text(caption, style="table.caption")) if caption else blocks


def print_table(
    console: Console,
    title: str | None,
    cols: Sequence[Col],
    rows: Sequence[Sequence[Cell]],
    **how,
) -> None:
    """Print `rows` under `cols` in the first layout that fits (`fitted`, which takes
    `narrower`, `caption` and `head`)."""
    console.print(fitted(console, title, cols, rows, **how))


def rule_text(rule: str, names: dict[str, str] | None = None, dimensions: dict[str, str] | None = None) -> str:
    """A decision rule id in words, as the app shows it (`views.readable_rule`: "veto by
    Jonas Whitfield", "must-pass dimension failed: Alignment judgement"); persona `names`
    and dimension titles default to the catalog's. JSON keeps the id."""
    from committee.errors import CommitteeError
    from committee.present.views import dimension_titles, readable_rule

    if names is None or dimensions is None:
        try:
            from committee.catalog import default_catalog

            cat = default_catalog()
            names = {p.id: p.name.split(",")[0] for p in cat.personas.values()} if names is None else names
            dimensions = dimension_titles(cat) if dimensions is None else dimensions
        except CommitteeError:
            names, dimensions = names or {}, dimensions or {}
    return readable_rule(rule, names, dimensions)


def bullets(items: Sequence[Cell], *, indent: int = 2) -> Padding:
    """A bullet list, `indent` columns in, whose items wrap under their own first word
    (a hanging indent), not under the bullet."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for item in items:
        grid.add_row("•", item)
    return Padding(grid, (0, 0, 0, indent), expand=False)


DIFF_STYLE = {"+": "green", "-": "red", "@": "cyan"}


def diff_lines(diff: str, width: int) -> list[Text]:
    """A unified diff as terminal lines of at most `width` columns: each diff line is
    wrapped between words to the width its marker leaves, and every piece, the
    continuations too, starts with the line's marker (`+`, `-`, a space for context,
    `@` for a hunk head), so that no changed text ever reads as unchanged. File heads
    (`---`, `+++`) are bold."""
    out: list[Text] = []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            out.append(Text(line[:width] if len(line) > width else line, style="bold"))
            continue
        marker, body = (line[:1] or " "), line[1:]
        style = DIFF_STYLE.get(marker, "")
        pieces = Text(body).wrap(_MEASURE, max(8, width - 1)) if body.strip() else [Text("")]
        out += [Text(marker + piece.plain.rstrip(), style=style) for piece in pieces]
    return out


_MEASURE = Console(width=UNBOUNDED, color_system=None, file=None)  # wraps text; never prints
