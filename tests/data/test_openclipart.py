"""Open Clip Art cels, tested on a tiny hand-written package folder (the Debian package is optional)."""

import re

import numpy as np
import pytest
from scipy import ndimage

from lineart_color.data import openclipart
from lineart_color.errors import UserError

BALL = b"""<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80">
  <circle cx="60" cy="40" r="30" fill="#e02010" stroke="black" stroke-width="6"/>
</svg>"""
# The same drawing filed again with metadata and its page in points, as the package does.
BALL_RETITLED = b"""<svg xmlns="http://www.w3.org/2000/svg" width="90pt" height="60pt" viewBox="0 0 120 80">
  <metadata>ball, toy, red</metadata>
  <circle cx="60" cy="40" r="30" fill="#e02010" stroke="black" stroke-width="6"/>
</svg>"""
# The same outline painted another colour, under another name: one line art, so one drawing.
BLUE_BALL = BALL.replace(b"#e02010", b"#2040e0")
# Another drawing that happens to have the same file name.
OTHER_BALL = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 60">
  <rect x="10" y="10" width="80" height="40" fill="#30c040" stroke="#000" stroke-width="4"/>
</svg>"""
# Paint in style="...", inherited from a group; a coloured stroke is still a line.
STYLED = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <g style="fill:#2050e0;stroke:#000000;stroke-width:4"><rect x="10" y="10" width="80" height="80"/></g>
  <path d="M 30 30 L 70 70" style="stroke:rgb(200,0,0);stroke-width:5;fill:none"/>
</svg>"""
# A yellow face: fill inherited from a group attribute, an ink eye, a currentColor mouth, and a
# faint shadow whose black fill is inherited and made faint by fill-opacity (paint, not line).
FACE = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <g fill="#f0c020" stroke="#303030" stroke-width="3">
    <circle cx="50" cy="50" r="40"/>
    <circle cx="35" cy="40" r="6" fill="#111111" stroke="none"/>
    <rect x="30" y="62" width="40" height="8" color="#101010" fill="currentColor" stroke="none"/>
  </g>
  <g style="fill:black"><ellipse cx="65" cy="40" rx="10" ry="8" style="fill-opacity:0.2"/></g>
</svg>"""
LINES_ONLY = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <circle cx="50" cy="50" r="40" fill="none" stroke="#000" stroke-width="5"/>
</svg>"""
FILLS_ONLY = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <rect x="10" y="10" width="80" height="80" fill="orange"/>
</svg>"""
GREY = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <rect x="10" y="10" width="80" height="80" fill="#999" stroke="#000" stroke-width="4"/>
</svg>"""

# Canonical path "animals/amphibian/ball_160.svg" is val; its copy "animals/ball_160.svg" alone would be test.
FILES = {
    "animals/amphibian/ball_160.svg": BALL,
    "animals/ball_160.svg": BALL,
    "people/ball_160.svg": BALL_RETITLED,
    "shapes/ball_160.svg": OTHER_BALL,
    "toys/blue_ball.svg": BLUE_BALL,
    "shapes/styled.svg": STYLED,
    "shapes/face.svg": FACE,
    "shapes/lines_only.svg": LINES_ONLY,
    "shapes/fills_only.svg": FILLS_ONLY,
    "shapes/grey.svg": GREY,
    "shapes/broken.svg": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect',
}
USABLE = {"animals/amphibian/ball_160.svg", "shapes/ball_160.svg", "shapes/styled.svg", "shapes/face.svg"}


@pytest.fixture
def clipart(tmp_path, monkeypatch):
    """A package folder with the files above plus a symlinked copy; the index cache under tmp_path."""
    root = tmp_path / "svg"
    for name, svg in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(svg)
    (root / "signs").mkdir()
    (root / "signs" / "ball_link.svg").symlink_to("../animals/ball_160.svg")
    monkeypatch.setenv("LINEART_COLOR_CLIPART_DIR", str(root))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return root


def _usable_ids() -> dict[str, tuple[str, ...]]:
    return {split: openclipart.drawing_ids(split) for split in openclipart.SPLITS}


def test_split_rule_on_fixed_paths():
    # crc32 % 10: 0 -> test, 1 -> val, else train; crc32 values 1007762433, 192744881, 1064311430.
    paths = ("animals/armadillo_architetto_fra_01.svg", "animals/amphibian/ball_160.svg", "animals/ball_160.svg")
    assert [openclipart.split_of(path) for path in paths] == ["train", "val", "test"]


def test_root_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("LINEART_COLOR_CLIPART_DIR", raising=False)
    assert openclipart.clipart_root() == openclipart.DEFAULT_ROOT
    monkeypatch.setenv("LINEART_COLOR_CLIPART_DIR", str(tmp_path))
    assert openclipart.clipart_root() == tmp_path


def test_copies_and_colour_variants_are_one_drawing_under_the_smallest_path(clipart):
    counts = openclipart.index_counts()
    assert counts["files"] == 12 and counts["drawings"] == 8  # ball: 2 identical, symlink, re-titled, blue
    ids = _usable_ids()
    assert "animals/amphibian/ball_160.svg" in ids["val"]  # split of the canonical path, not of a copy
    assert "shapes/ball_160.svg" in ids["train"]  # same name, different drawing: kept
    everything = [name for split in ids.values() for name in split]
    copies = {"animals/ball_160.svg", "people/ball_160.svg", "signs/ball_link.svg", "toys/blue_ball.svg"}
    assert not copies & set(everything) and len(everything) == len(set(everything))


def test_only_drawings_with_line_art_and_colour_fills_are_usable(clipart):
    ids = _usable_ids()
    assert {name for split in ids.values() for name in split} == USABLE
    assert all(list(names) == sorted(names) for names in ids.values())
    assert {split: len(names) for split, names in ids.items()} == {"train": 2, "val": 2, "test": 0}


def test_index_is_cached_on_disk_and_rebuilt_when_the_folder_changes(clipart, tmp_path, monkeypatch, capsys):
    first = _usable_ids()
    assert len(list((tmp_path / "cache" / "lineart_color").glob("openclipart-*.json"))) == 1
    said = capsys.readouterr().err  # the one-off scan says so, and counts drawings after merging copies
    assert "scanning" in said and "once" in said and "cached in" in said
    assert "8 distinct drawings, usable: 2 train, 2 val, 0 test" in said

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(openclipart.cairosvg, "svg2png", no_rendering)
    openclipart._index.cache_clear()  # forget the in-process copy: read the file
    assert _usable_ids() == first
    (clipart / "shapes" / "new.svg").write_bytes(OTHER_BALL.replace(b"#30c040", b"#c04030"))
    openclipart._index.cache_clear()
    assert _usable_ids() == {"train": (), "val": (), "test": ()}  # scanned again, and nothing renders now
    assert not list((tmp_path / "cache" / "lineart_color").glob("*.tmp"))


def _darkness(cel) -> np.ndarray:
    """How dark the line layer is once laid on white paper (0 paper, 1 black line)."""
    return cel.line[..., 1] - cel.line[..., 0]


def test_ball_cel_fits_the_square_with_lines_black_and_fills_white(clipart):
    cel = openclipart.render_cel("animals/amphibian/ball_160.svg", 48)
    assert cel.whole.shape == (48, 48, 4) and cel.line.shape == (48, 48, 2) and cel.whole.dtype == np.float32
    rows, columns = np.nonzero(cel.whole[..., 3] > 0.5)
    # The 120 x 80 page is cropped to the circle, which fills the square less its margin, centred.
    assert 40 <= columns.max() - columns.min() + 1 <= 46 and abs(rows.max() + rows.min() - 47) <= 1
    assert abs(columns.max() + columns.min() - 47) <= 1 and abs(np.ptp(rows) - np.ptp(columns)) <= 1
    np.testing.assert_allclose(cel.whole[24, 24], [224 / 255, 32 / 255, 16 / 255, 1.0], atol=0.01)
    inside = np.hypot(*np.mgrid[-23.5:24.5, -23.5:24.5]) < 12
    np.testing.assert_allclose(cel.line[inside], 1.0, atol=0.01)  # fill -> opaque white: grey 1, alpha 1
    ring = (cel.whole[..., 3] > 0.99) & (cel.whole[..., :3].max(axis=-1) < 0.05)
    assert ring.sum() > 100 and (_darkness(cel)[ring] > 0.95).all()
    assert (cel.line[~(cel.whole[..., 3] > 0)] == 0).all()  # nothing outside the drawing


def test_style_attributes_and_group_fills_are_followed(clipart):
    cel = openclipart.render_cel("shapes/styled.svg", 64)
    red, green, blue = (cel.whole[..., channel] for channel in range(3))
    solid = cel.whole[..., 3] > 0.99
    # The group's blue fill, inherited by the rect (less the pixels the red stroke's rim blends into).
    paint = ndimage.binary_erosion(solid & (blue > 0.8) & (red < 0.2))
    stroke = solid & (red > 0.7) & (blue < 0.1)  # the red diagonal stroke
    assert paint.sum() > 1000 and (_darkness(cel)[paint] < 0.02).all()
    assert stroke.sum() > 20 and (_darkness(cel)[stroke] > 0.95).all()


def test_ink_fills_are_line_and_faint_shadows_are_paint(clipart):
    cel = openclipart.render_cel("shapes/face.svg", 96)
    rgb, solid = cel.whole[..., :3], cel.whole[..., 3] > 0.99
    yellow = ndimage.binary_erosion(solid & (np.abs(rgb - [0.94, 0.75, 0.125]).max(axis=-1) < 0.03))
    shadow = ndimage.binary_erosion(solid & (np.abs(rgb - [0.75, 0.6, 0.1]).max(axis=-1) < 0.03))  # 20% black
    ink = ndimage.binary_erosion(solid & (rgb.max(axis=-1) < 0.1))  # the eye and the currentColor mouth
    assert yellow.sum() > 2000 and (_darkness(cel)[yellow] < 0.02).all()
    assert shadow.sum() > 50 and (_darkness(cel)[shadow] < 0.02).all()
    assert ink.sum() > 150 and (_darkness(cel)[ink] > 0.9).all()


def test_missing_package_is_a_user_error_naming_the_folder(tmp_path, monkeypatch):
    absent = tmp_path / "no" / "svg"
    monkeypatch.setenv("LINEART_COLOR_CLIPART_DIR", str(absent))
    with pytest.raises(UserError, match=f"^{re.escape(str(absent))}: Open Clip Art is not installed .*make clipart"):
        openclipart.drawing_ids("val")
    with pytest.raises(UserError, match=re.escape(str(absent))):
        openclipart.render_cel("animals/ball_160.svg", 32)


def test_unknown_split_or_drawing_is_refused(clipart):
    with pytest.raises(ValueError, match="split must be one of"):
        openclipart.drawing_ids("validation")
    with pytest.raises(ValueError, match="is not a drawing"):
        openclipart.render_cel("animals/ball_160.svg", 32)  # a copy, not the canonical path


def test_data_clipart_writes_shots_of_usable_drawings_and_refuses_the_test_split(clipart, tmp_path, capsys):
    from lineart_color.cli import main
    from lineart_color.data.shots import read_shot

    out = tmp_path / "shots"
    assert main(["data", "clipart", str(out), "--split", "val", "--shots", "2", "--frames", "3", "--size", "48",
                 "--keyframes", "0,-1", "--motion", "2"]) == 0
    shot = read_shot(out / "shot_0001")
    assert shot.keyframes == ("0000", "0002") and shot.size == (48, 48)
    assert (shot.line("0001") < 0.5).sum() > 20 and (shot.truth("0001").min(axis=-1) < 0.9).sum() > 100
    assert "clipart val shots" in capsys.readouterr().out
    assert main(["data", "clipart", str(tmp_path / "t"), "--split", "test"]) == 2
    assert "--split test is reserved" in capsys.readouterr().err
