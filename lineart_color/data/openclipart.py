"""Cels from Open Clip Art, the second artwork source (Debian's `openclipart-svg`).

The package holds ~8,100 public-domain SVGs by many artists in topic folders. Unlike
OpenMoji they have no separate line layer, so one is made by rewriting the drawing's paint:
every stroke becomes black, near-black fills stay black (ink), every other fill becomes
white, so a fill still hides the lines drawn behind it. A drawing is a cel exactly like an
OpenMoji emoji (`openmoji.CelImage`): rasterised once, warped per frame.

Which drawings are usable is decided from their rendering, so the ~8,100 files are scanned
once and the result is cached as JSON under `$XDG_CACHE_HOME/lineart_color/` (default
`~/.cache/lineart_color/`), keyed by a fingerprint of the folder and of the thresholds
below. The first scan renders each of the 7,458 distinct files three times (page, cel, line
layer) on one core: 7 min 12 s on this machine kind with another job on the other core
(about 17 files a second, 150 MB); later calls read the 1.4 MB cache in well under a second.

Duplicates: the package files many drawings under several folders, as symlinks, as exact
copies, as copies whose metadata, page size or file name differ, and as colour variants of
one outline. Files with the same bytes are one drawing; so are usable drawings whose line
art matches (compared on small thumbnails of the line layer). Each drawing is known by its
canonical path, the lexicographically smallest of its files, and its split is taken on that
path with the OpenMoji rule (DESIGN.md), so no line art sits in two splits.

Not handled in the line layer (documented limits, they cost usability, never crash):
paint set by CSS selectors in `<style>` is rewritten without knowing the element (so
`currentColor` there counts as black); `<mask>` content is left as drawn (masks are
luminance); gradient strokes and fills are not looked into (fills count as paint);
filters (`feFlood` colours) are left as drawn; embedded `<image>`s are dropped; colours
cairosvg cannot parse (`hsl()`, typos) count as black, as cairosvg draws them.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import re
import sys
import tempfile
import warnings
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import cairosvg
import cairosvg.colors
import cv2
import numpy as np

from lineart_color.data import openmoji
from lineart_color.data.lineart import LUMA, to_grey
from lineart_color.data.openmoji import CelImage
from lineart_color.errors import UserError
from lineart_color.progress import Progress

DEFAULT_ROOT = Path("/usr/share/openclipart/svg")
SPLITS = ("train", "val", "test")
INDEX_VERSION = 1  # bump when the scan's code or the index layout changes: old caches are rebuilt
MAX_FILE_BYTES = 2_000_000  # bigger files are skipped: slow to parse and rarely clip art
PAGE_PIXELS = 128  # the page is rendered at this size to find where the drawing is
SCAN_PIXELS = 128  # cels are judged at this size
MARGIN = 0.04  # empty border around the drawing in its cel, as a share of the cel side

# A drawing is usable when, judged at SCAN_PIXELS, it covers enough of its square, its lines
# bound its paint (MIN_OUTLINE), and enough of its covered pixels are line, paint (not line)
# and colour (paint that is not white, grey or black).
MIN_COVER = 0.1  # covered share of the cel square
MIN_OUTLINE = 0.65  # share of the drawing's edges next to a line: the line art must bound the paint
MIN_LINE = 0.03
MIN_PAINT = 0.3
MIN_COLOUR = 0.2
INK_LUMA, INK_CHROMA = 0.25, 0.25  # a fill darker and greyer than this is line art (ink)
COLOUR_CHROMA = 0.12  # max - min channel above which a pixel counts as colour
LINE_DARKNESS = 0.25  # a line-layer pixel this dark over white is line (thin lines are faint at SCAN_PIXELS)
EDGE_STEP = 0.2  # a colour step between neighbours this large is an edge of the drawing
# Two drawings whose 16 x 16 line-art thumbnails differ by less than this share of their
# total line are one drawing (re-filed copies, colour variants of one outline).
SAME_LINE_ART = 0.1

_SVG_NAMESPACE = "http://www.w3.org/2000/svg"
ElementTree.register_namespace("", _SVG_NAMESPACE)
ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_UNITS = {"": 1.0, "px": 1.0, "pt": 4.0 / 3.0, "pc": 16.0, "mm": 96.0 / 25.4, "cm": 96.0 / 2.54, "in": 96.0}
_LENGTH = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z]*)\s*$")
_PAINT_DECLARATION = re.compile(r"(?<![\w-])(fill|stroke|color)(\s*:\s*)([^;}]*)")
# Subtrees whose paint is not drawn as is (masks are luminance, the rest is referenced by
# url() from fills and strokes that are rewritten anyway) or not drawn at all.
_LEFT_ALONE = {"mask", "clipPath", "pattern", "linearGradient", "radialGradient", "metadata", "title", "desc"}


def clipart_root() -> Path:
    """The package's svg/ folder: $LINEART_COLOR_CLIPART_DIR if set, else Debian's."""
    folder = os.environ.get("LINEART_COLOR_CLIPART_DIR")
    return Path(folder) if folder else DEFAULT_ROOT


def split_of(relative_path: str) -> str:
    """The split of a drawing, from its canonical POSIX path relative to the svg/ folder."""
    return openmoji.split_of(relative_path)  # one rule for both sources (DESIGN.md)


def drawing_ids(split: str) -> tuple[str, ...]:
    """Canonical paths of the usable drawings of a split, sorted."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    drawings = _index(_installed_root())["drawings"]
    return tuple(sorted(name for name, entry in drawings.items() if split_of(name) == split and _usable(entry)))


def index_counts() -> dict[str, int]:
    """Figures of the scanned folder: files, drawings (after de-duplication), usable per split."""
    index = _index(_installed_root())
    counts = {"files": index["files"], "drawings": len(index["drawings"])}
    for split in SPLITS:
        counts[f"usable_{split}"] = sum(
            1 for name, entry in index["drawings"].items() if split_of(name) == split and _usable(entry)
        )
    return counts


def render_cel(drawing_id: str, pixels: int) -> CelImage:
    """A drawing fitted into a pixels x pixels square (aspect kept, centred), with its line layer."""
    return _render_cel(_installed_root(), drawing_id, int(pixels))


@functools.lru_cache(maxsize=256)
def _render_cel(root: Path, drawing_id: str, pixels: int) -> CelImage:
    entry = _index(root)["drawings"].get(drawing_id)
    if entry is None:
        raise ValueError(f"{drawing_id!r} is not a drawing of {root} (ids come from drawing_ids)")
    if entry.get("view") is None:
        raise ValueError(f"{root / drawing_id} cannot be rendered: {entry['error']}")
    return _cel_image(_parse(root / drawing_id), entry["view"], pixels)


# --- the folder and its cached index ---------------------------------------------------


def _installed_root() -> Path:
    root = clipart_root()
    if not root.is_dir():
        raise UserError(
            f"{root}: Open Clip Art is not installed (run `make clipart`, which installs Debian's openclipart-svg)"
        )
    return root


def _svg_files(root: Path) -> list[str]:
    """POSIX paths of the .svg files under root (symlinked files included), sorted."""
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if name.lower().endswith(".svg") and path.is_file():  # is_file() drops broken symlinks
                found.append(path.relative_to(root).as_posix())
    return sorted(found)


def _fingerprint(root: Path, files: list[str]) -> str:
    """Changes when a file is added, removed or rewritten, or when the scan or its thresholds change."""
    settings = (INDEX_VERSION, MAX_FILE_BYTES, PAGE_PIXELS, SCAN_PIXELS, MARGIN, MIN_COVER, MIN_OUTLINE, MIN_LINE,
                MIN_PAINT, MIN_COLOUR, INK_LUMA, INK_CHROMA, COLOUR_CHROMA, LINE_DARKNESS, EDGE_STEP, SAME_LINE_ART)
    digest = hashlib.sha1(f"{settings}\n{root.resolve()}\n".encode())
    for name in files:
        status = (root / name).stat()
        digest.update(f"{name}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _cache_path(root: Path) -> Path:
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    key = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:12]  # one index per folder
    return Path(cache_home) / "lineart_color" / f"openclipart-{key}.json"


@functools.lru_cache(maxsize=4)
def _index(root: Path) -> dict:
    """{"files": n, "drawings": {canonical path: entry}}, read from the cache or scanned."""
    files = _svg_files(root)
    fingerprint = _fingerprint(root, files)
    cache = _cache_path(root)
    try:
        index = json.loads(cache.read_text())
        if index.get("fingerprint") == fingerprint:
            return index
    except (OSError, ValueError):
        pass  # no cache yet, or a damaged one: scan again
    print(f"Open Clip Art: scanning {root} once to find the usable drawings (about 7 minutes here); "
          f"the result is cached in {cache}", file=sys.stderr, flush=True)
    index = {"fingerprint": fingerprint, "root": str(root), **_scan(root, files)}
    _write_atomically(cache, index)
    usable = {split: sum(1 for name, entry in index["drawings"].items() if split_of(name) == split and _usable(entry))
              for split in SPLITS}
    print(f"Open Clip Art: {len(index['drawings']):,} distinct drawings, usable: "
          + ", ".join(f"{count} {split}" for split, count in usable.items()), file=sys.stderr, flush=True)
    return index


def _write_atomically(path: Path, index: dict) -> None:
    """Temp file + rename, so a reader never sees half an index; a read-only cache only warns."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "w") as stream:
            json.dump(index, stream)
        os.replace(temporary, path)
    except OSError as error:
        warnings.warn(f"{path}: could not cache the Open Clip Art index ({error})")


def _scan(root: Path, files: list[str]) -> dict:
    """Render one copy of every distinct file, then merge the copies of each drawing."""
    groups = _same_bytes(root, files)
    entries, thumbnails = [], []
    with Progress(len(groups), "distinct SVGs") as progress:
        usable = 0
        for members in groups:
            entry, thumbnail = _examine(root / members[0])
            entries.append(entry)
            thumbnails.append(thumbnail)
            usable += _usable(entry)
            progress.advance(usable_files=usable)  # before copies of one drawing are merged
    drawings = {}
    for merged in _same_line_art(thumbnails, [_usable(entry) for entry in entries]):
        paths = sorted(path for group in merged for path in groups[group])
        first = min(merged, key=lambda group: groups[group][0])  # the group holding the smallest path
        drawings[paths[0]] = {**entries[first], "copies": paths[1:]}
    return {"files": len(files), "drawings": drawings}


def _same_bytes(root: Path, files: list[str]) -> list[list[str]]:
    """Files grouped by the sha1 of their bytes, each group sorted; files over the limit stay alone."""
    groups: dict[str, list[str]] = {}
    for name in files:
        path = root / name
        key = f"big:{name}" if path.stat().st_size > MAX_FILE_BYTES else hashlib.sha1(path.read_bytes()).hexdigest()
        groups.setdefault(key, []).append(name)
    return sorted(groups.values())


def _same_line_art(thumbnails: list[np.ndarray | None], usable: list[bool]) -> list[list[int]]:
    """Indices of byte-groups merged when they are usable and their line art nearly matches.

    This catches the package's re-filed copies (other metadata, page size or file name) and
    its colour variants (one outline, several paints), which would leak across splits.
    Unusable files are never drawn, so they are left alone.
    """
    parent = list(range(len(thumbnails)))

    def find(group: int) -> int:
        while parent[group] != group:
            parent[group] = parent[parent[group]]
            group = parent[group]
        return group

    candidates = [group for group in range(len(thumbnails)) if usable[group]]
    if candidates:
        lines = np.stack([thumbnails[group].ravel() for group in candidates]).astype(np.float32)
        amounts = lines.sum(axis=1)
        for i, group in enumerate(candidates[:-1]):
            distance = np.abs(lines[i + 1 :] - lines[i]).sum(axis=1) / (amounts[i + 1 :] + amounts[i] + 1e-6)
            for j in np.nonzero(distance < SAME_LINE_ART)[0]:
                parent[find(candidates[i + 1 + j])] = find(group)
    merged: dict[int, list[int]] = {}
    for group in range(len(thumbnails)):
        merged.setdefault(find(group), []).append(group)
    return list(merged.values())


# --- judging one file ---------------------------------------------------------------------


def _examine(path: Path) -> tuple[dict, np.ndarray | None]:
    """(index entry, 16 x 16 line-art thumbnail or None). Never raises: a failure is an unusable file."""
    try:
        root = _parse(path)
        view = _drawing_view(root)
        cel = _cel_image(root, view, SCAN_PIXELS)
    except Exception as error:  # cairosvg and broken files raise all sorts; any of them means "skip"
        return {"view": None, "error": f"{type(error).__name__}: {error}"[:200]}, None
    thumbnail = cv2.resize(cel.line[..., 1] - cel.line[..., 0], (16, 16), interpolation=cv2.INTER_AREA)
    return {"view": [round(value, 4) for value in view], "error": None, **_shares(cel)}, thumbnail


def _shares(cel: CelImage) -> dict[str, float]:
    """How much of the cel is drawing, line, paint and colour, and how much of its edges are lines.

    cover: covered share of the square; line, paint, colour: shares of the covered pixels;
    outline: share of the edges (where the drawing's colour or alpha changes sharply,
    its silhouette included) that lie on or next to a line: drawings coloured by fills
    alone, or with a few lines, score low.
    """
    alpha = cel.whole[..., 3]
    covered = alpha > 0.5
    line = (cel.line[..., 1] - cel.line[..., 0]) > LINE_DARKNESS  # dark once laid on white paper
    rgb = cel.whole[..., :3] / np.maximum(alpha, 1e-6)[..., None]
    paint = covered & ~line
    colour = paint & (rgb.max(axis=-1) - rgb.min(axis=-1) > COLOUR_CHROMA)
    edges = _edges(cel.whole) & ~line
    near_line = cv2.dilate(line.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    count = max(int(covered.sum()), 1)
    return {
        "cover": round(float(covered.mean()), 4),
        "outline": round(float((edges & near_line).sum()) / max(int(edges.sum()), 1), 4),
        "line": round(float((line & covered).sum()) / count, 4),
        "paint": round(float(paint.sum()) / count, 4),
        "colour": round(float(colour.sum()) / count, 4),
    }


def _edges(premultiplied: np.ndarray) -> np.ndarray:
    """Pixels whose premultiplied RGBA differs sharply from a right or lower neighbour."""
    step_x = np.abs(np.diff(premultiplied, axis=1)).max(axis=-1) > EDGE_STEP
    step_y = np.abs(np.diff(premultiplied, axis=0)).max(axis=-1) > EDGE_STEP
    edges = np.zeros(premultiplied.shape[:2], bool)
    edges[:, :-1] |= step_x
    edges[:, 1:] |= step_x
    edges[:-1] |= step_y
    edges[1:] |= step_y
    return edges


def _usable(entry: dict) -> bool:
    return entry.get("view") is not None and (
        entry["cover"] >= MIN_COVER
        and entry["outline"] >= MIN_OUTLINE
        and entry["line"] >= MIN_LINE
        and entry["paint"] >= MIN_PAINT
        and entry["colour"] >= MIN_COLOUR
    )


def _parse(path: Path) -> ElementTree.Element:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"over {MAX_FILE_BYTES} bytes")
    return ElementTree.parse(path).getroot()


def _length(text: str | None) -> float | None:
    """A length in user units (px at 96 dpi, as cairosvg), or None for % / em / garbage."""
    match = _LENGTH.match(text or "")
    if not match or match.group(2).lower() not in _UNITS:
        return None
    return float(match.group(1)) * _UNITS[match.group(2).lower()]


def _page(root: ElementTree.Element) -> tuple[float, float, float, float]:
    """The page (x, y, width, height) in user units: the viewBox, else width x height."""
    numbers = re.split(r"[\s,]+", (root.get("viewBox") or "").strip())
    if len(numbers) == 4:
        x, y, width, height = (float(number) for number in numbers)
    else:
        x, y, width, height = 0.0, 0.0, _length(root.get("width")), _length(root.get("height"))
        if width is None or height is None:
            raise ValueError(f"no usable size (width={root.get('width')!r}, height={root.get('height')!r})")
    if not (width > 0 and height > 0):
        raise ValueError(f"empty page {width} x {height}")
    return x, y, width, height


def _drawing_view(root: ElementTree.Element) -> tuple[float, float, float]:
    """(x, y, side): the square in user units around what is drawn on the page, plus MARGIN.

    Pages are often far bigger than their drawing, so the page is rendered once and the
    drawing's bounding box is read off its alpha.
    """
    page = _page(root)
    alpha = _render_premultiplied(_framed(root, page, page, PAGE_PIXELS), PAGE_PIXELS)[..., 3]
    rows, columns = np.nonzero(alpha.max(axis=1) > 0.02)[0], np.nonzero(alpha.max(axis=0) > 0.02)[0]
    if rows.size == 0:
        raise ValueError("nothing is drawn on the page")
    scale = PAGE_PIXELS / max(page[2], page[3])  # the page is fitted into the square, centred
    left = page[0] - (PAGE_PIXELS - page[2] * scale) / 2 / scale
    top = page[1] - (PAGE_PIXELS - page[3] * scale) / 2 / scale
    x0, x1 = left + (columns[0] - 1) / scale, left + (columns[-1] + 2) / scale  # one pixel of slack
    y0, y1 = top + (rows[0] - 1) / scale, top + (rows[-1] + 2) / scale
    side = max(x1 - x0, y1 - y0) / (1 - 2 * MARGIN)
    return (x0 + x1 - side) / 2, (y0 + y1 - side) / 2, side


def _framed(root: ElementTree.Element, page, view, pixels: int) -> bytes:
    """SVG bytes showing the rectangle `view` (x, y, width, height) fitted into pixels x pixels.

    The drawing is clipped to its page, as it is when shown on its own: artists leave
    scraps outside the page, and a view around the drawing may reach past the page edge.
    """
    namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    framed = ElementTree.Element(root.tag, dict(root.attrib))
    framed.set("viewBox", " ".join(str(value) for value in view))
    framed.set("width", str(pixels))
    framed.set("height", str(pixels))
    framed.set("preserveAspectRatio", "xMidYMid meet")
    clip = ElementTree.SubElement(ElementTree.SubElement(framed, f"{namespace}defs"), f"{namespace}clipPath")
    clip.set("id", "lineart-color-page")
    ElementTree.SubElement(clip, f"{namespace}rect", dict(zip(("x", "y", "width", "height"), map(str, page))))
    drawing = ElementTree.SubElement(framed, f"{namespace}g", {"clip-path": "url(#lineart-color-page)"})
    drawing.extend(list(root))
    return ElementTree.tostring(framed)


def _cel_image(root: ElementTree.Element, view, pixels: int) -> CelImage:
    """The drawing and its line layer with the square `view` (x, y, side) on pixels x pixels."""
    page = _page(root)
    view = (view[0], view[1], view[2], view[2])
    whole = _render_premultiplied(_framed(root, page, view, pixels), pixels)
    line = _render_premultiplied(_framed(_line_layer(root), page, view, pixels), pixels)
    return CelImage(whole, np.stack([to_grey(line[..., :3]), line[..., 3]], axis=-1))


def _render_premultiplied(svg: bytes, pixels: int) -> np.ndarray:
    """Rasterise SVG to [pixels, pixels, 4] float32 RGBA with premultiplied colour (as openmoji).

    cairosvg's default (unsafe=False) fetches no external files or URLs: only data: URLs.
    """
    png = cairosvg.svg2png(bytestring=svg, output_width=pixels, output_height=pixels)
    bgra = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED).astype(np.float32) / 255.0
    if bgra.shape[-1] == 3:  # cairo writes a picture without transparency as RGB
        bgra = np.concatenate([bgra, np.ones_like(bgra[..., :1])], axis=-1)
    rgba = bgra[..., [2, 1, 0, 3]]
    rgba[..., :3] *= rgba[..., 3:]
    return rgba


# --- the line layer ------------------------------------------------------------------------


def _line_layer(root: ElementTree.Element) -> ElementTree.Element:
    """A copy of the drawing that draws its line art only.

    Strokes become black (width, dashes and opacity kept); ink fills stay black; every other
    fill (colour, grey, white, gradient, pattern) becomes white with its opacity, so it still
    hides lines behind it as in the drawing. Declared values are mapped where they are
    declared (attribute or style="..."), so inheritance and <use> work as in the drawing.
    """
    layer = copy.deepcopy(root)
    _rewrite_paint(layer, _Inherited())
    return layer


@dataclass(frozen=True)
class _Inherited:
    """What an element inherits from its ancestors, in the drawing (before rewriting)."""

    fill: str = "black"  # SVG's initial fill
    color: str = "black"
    fill_opacity: float = 1.0
    opacity: float = 1.0  # not inherited in SVG, but a group's opacity multiplies into its content
    in_defs: bool = False  # content drawn through <use> inherits from the <use>, not from here


def _rewrite_paint(element: ElementTree.Element, inherited: _Inherited) -> None:
    """Map fill and stroke on element and its subtree."""
    declared = _declarations(element)
    here = _Inherited(
        fill=_inherited(declared.get("fill"), inherited.fill),
        color=_inherited(declared.get("color"), inherited.color),
        fill_opacity=_number(_inherited(declared.get("fill-opacity"), None), inherited.fill_opacity),
        opacity=inherited.opacity * _number(declared.get("opacity"), 1.0),
        in_defs=inherited.in_defs or _local_name(element.tag) in ("defs", "symbol"),
    )
    opacity = here.fill_opacity * here.opacity
    _map_declarations(element, here.color, opacity)
    if "fill" not in declared and ({"fill-opacity", "opacity"} & declared.keys()) and not here.in_defs:
        # A faint black shape (a shadow) is paint, not line: decide where the opacity changes.
        element.set("fill", _line_paint("fill", here.fill, here.color, opacity))
    for child in list(element):
        tag = _local_name(child.tag)
        if tag == "image":
            element.remove(child)  # a bitmap has no line art to speak of
        elif tag == "style":
            child.text = _PAINT_DECLARATION.sub(lambda m: _mapped(m, "black", 1.0), child.text or "")
        elif tag not in _LEFT_ALONE:
            _rewrite_paint(child, here)


def _declarations(element: ElementTree.Element) -> dict[str, str]:
    """Presentation attributes overridden by style="..." declarations, as the renderer reads them."""
    names = ("fill", "color", "fill-opacity", "opacity")
    declared = {name: element.get(name).strip() for name in names if (element.get(name) or "").strip()}
    for declaration in (element.get("style") or "").split(";"):
        name, _, value = declaration.partition(":")
        if name.strip() in names and value.strip():
            declared[name.strip()] = value.strip()
    return declared


def _map_declarations(element: ElementTree.Element, color: str, opacity: float) -> None:
    for name in ("fill", "stroke"):
        if element.get(name) is not None:
            element.set(name, _line_paint(name, element.get(name), color, opacity))
    if element.get("style"):
        element.set("style", _PAINT_DECLARATION.sub(lambda m: _mapped(m, color, opacity), element.get("style")))


def _mapped(match: re.Match, color: str, opacity: float) -> str:
    name, colon, value = match.groups()
    if name == "color":
        return match.group(0)  # resolved where currentColor is used
    return f"{name}{colon}{_line_paint(name, value, color, opacity)}"


def _line_paint(name: str, value: str, color: str, opacity: float) -> str:
    """The line layer's value for a fill or stroke `value`; `color` resolves currentColor."""
    text, important = value.strip(), ""
    if text.lower().endswith("!important"):
        text, important = text[: -len("!important")].strip(), " !important"
    lowered = text.lower()
    if lowered in ("none", "inherit", ""):
        return value
    if lowered.startswith("url("):
        return ("#ffffff" if name == "fill" else "#000000") + important  # gradients and patterns
    red, green, blue, alpha = cairosvg.colors.color(color if lowered == "currentcolor" else text)
    if alpha <= 0:
        return "none" + important
    ink = name == "stroke" or (_is_ink(red, green, blue) and alpha * opacity >= 0.5)
    grey = 0 if ink else 255
    paint = f"#{grey:02x}{grey:02x}{grey:02x}" if alpha >= 1 else f"rgba({grey},{grey},{grey},{alpha:.4g})"
    return paint + important


def _is_ink(red: float, green: float, blue: float) -> bool:
    """Near-black and nearly grey: drawn as line art, not paint (dark saturated colours are paint)."""
    luma = float(np.dot(LUMA, (red, green, blue)))
    return luma < INK_LUMA and max(red, green, blue) - min(red, green, blue) < INK_CHROMA


def _inherited(value: str | None, parent: str | None) -> str | None:
    return parent if value is None or value.strip().lower() == "inherit" else value


def _number(text: str | None, default: float) -> float:
    """An opacity: a number or a percentage, clamped to [0, 1]; unreadable -> default."""
    if text is None:
        return default
    try:
        text = text.strip()
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        return default
    return min(max(value, 0.0), 1.0)


def _local_name(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
