"""Paint and line layers and the shot's palette (`colorize --layers`, lineart_color/studio.py)."""

import json

import numpy as np
import pytest
from PIL import Image

from lineart_color import colorizers, studio
from lineart_color.cli import main
from lineart_color.data.images import read_image, to_uint8


def _box_frame():
    """A red box with a black outline and an outlined blue patch inside, on white: (colour, line)."""
    colour = np.ones((24, 32, 3), np.float32)
    colour[4:20, 6:26] = (0.9, 0.1, 0.1)
    colour[8:16, 11:21] = (0.1, 0.2, 0.9)
    line = np.ones((24, 32), np.float32)
    line[4, 6:26] = line[19, 6:26] = line[4:20, 6] = line[4:20, 25] = 0.0
    line[8, 11:21] = line[15, 11:21] = line[8:16, 11] = line[8:16, 20] = 0.0
    line[4, 10] = 0.4  # an anti-aliased line pixel
    colour[line < 0.9] = line[line < 0.9][:, None]
    return colour, line


def test_layers_composite_back_to_the_frame_written():
    colour, line = _box_frame()
    colour[line < 0.9] = (0.5, 0.1, 0.1)  # a tinted outline: the ink keeps its colour
    frame = colorizers.with_lines(colour, line, ink_colour=True)
    paint = studio.paint_layer(frame, line)
    ink = studio.line_layer(frame, line, paint)
    np.testing.assert_array_equal(ink[..., 3], 255 - np.round(line * 255))  # alpha: the line's darkness
    # no line in the paint: under the outline the red continues (inside) or paper does
    assert np.all(paint[..., :3][line < 0.9].min(axis=-1) > 20)
    assert paint[0, 0, 3] == 0 and paint[12, 8, 3] == 255  # background transparent, the box opaque
    assert tuple(ink[4, 8, :3]) == (128, 26, 26)  # the tinted core
    composite = studio.over(ink, paint)
    assert np.abs(composite.astype(int) - to_uint8(frame)).max() <= 1


def test_palette_counts_and_files():
    colour, line = _box_frame()
    palette = studio.shot_palette([(line, colour)])
    hexes = {studio.hex_colour(paint) for paint in palette}
    assert {"#e61a1a", "#1a33e6"} <= hexes
    counts = studio.paint_counts(colour, line, palette)
    red = [studio.hex_colour(p) for p in palette].index("#e61a1a")
    assert counts[red] == int(np.isclose(colour, (0.9, 0.1, 0.1)).all(-1).sum())
    content = studio.palette_json(palette, {"0000": counts})
    assert [paint["index"] for paint in content["paints"]] == list(range(len(palette)))
    gpl = studio.palette_gpl(palette, "shot").splitlines()
    assert gpl[:2] == ["GIMP Palette", "Name: shot"] and len(gpl) == 4 + len(palette)
    r, g, b = (int(v) for v in gpl[4 + red].split("\t")[0].split())
    assert (r, g, b) == (230, 26, 26)


def test_colorize_layers_writes_every_frame_s_layers_and_the_palette(make_shot, tmp_path):
    shot = make_shot(frames=3, height=32, width=40, keyframes=(0, 2))
    out = tmp_path / "out"
    assert main(["colorize", str(shot), "--out", str(out), "--method", "flow", "--flat", "--layers"]) == 0
    names = ["0000", "0001", "0002"]
    assert sorted(p.stem for p in (out / "paint").iterdir()) == names
    for name in names:
        line_png = np.asarray(Image.open(out / "line" / f"{name}.png"))
        source = np.asarray(Image.open(shot / "line" / f"{name}.png").convert("L"))
        lines = line_png[..., 3] == 255
        np.testing.assert_array_equal(line_png[..., 0][lines], source[lines])  # byte for byte
        assert Image.open(out / "paint" / f"{name}.png").mode == "RGBA"
    palette = json.loads((out / "palette.json").read_text())
    assert palette["paints"] and set(palette["paints"][0]["pixels"]) == set(names)
    coloured = read_image(out / "0001.png")
    assert sum(paint["pixels"]["0001"] for paint in palette["paints"]) > 0.5 * (read_image(
        shot / "line" / "0001.png", "L") >= 0.9).sum()  # --flat: most paint pixels are palette paints
    assert coloured.shape == (32, 40, 3)
    assert (out / "palette.gpl").read_text().startswith("GIMP Palette\n")


def test_a_swap_changes_exactly_the_pixels_of_one_paint(make_shot, tmp_path, capsys):
    shot = make_shot(frames=3, height=32, width=40, keyframes=(0, 2))
    out = tmp_path / "out"
    assert main(["colorize", str(shot), "--out", str(out), "--method", "flow", "--flat", "--layers"]) == 0
    paints = json.loads((out / "palette.json").read_text())["paints"]
    old = max(paints, key=lambda paint: paint["pixels"]["0001"])  # the paint covering most of frame 0001
    before = {name: np.asarray(Image.open(out / f"{name}.png").convert("RGB")) for name in ("0000", "0001", "0002")}
    indices = np.asarray(Image.open(out / "index" / "0001.png"))
    assert indices.dtype == np.uint8 and (indices == old["index"]).any()
    assert main(["recolor", str(out), "--swap", f"{old['hex']}=#102030"]) == 0
    after = {name: np.asarray(Image.open(out / f"{name}.png").convert("RGB")) for name in before}
    changed = (after["0001"] != before["0001"]).any(axis=-1)
    np.testing.assert_array_equal(changed, indices == old["index"])  # exactly that paint's pixels
    assert np.all(after["0001"][changed] == (16, 32, 48))
    new_paints = json.loads((out / "palette.json").read_text())["paints"]
    assert new_paints[old["index"]]["hex"] == "#102030" and "16  32  48" in (out / "palette.gpl").read_text()
    assert not [p for p in out.iterdir() if p.name.startswith(".recolor-")]
    # one paint swapped to two colours (by index and by its hex) is refused, not settled silently
    capsys.readouterr()
    frame = (out / "0001.png").read_bytes()
    assert main(["recolor", str(out), "--swap", f"{old['index']}=000000", "--swap", "#102030=00ff00"]) == 2
    error = capsys.readouterr().err.strip()
    assert f"paint {old['index']} is swapped twice, to two colours" in error and len(error.splitlines()) == 1
    assert (out / "0001.png").read_bytes() == frame
    # a paint the palette does not have: one line, nothing rewritten
    capsys.readouterr()
    assert main(["recolor", str(out), "--swap", "#abcdef=#000000"]) == 2
    assert "no such paint" in capsys.readouterr().err
    np.testing.assert_array_equal(np.asarray(Image.open(out / "0001.png").convert("RGB")), after["0001"])


@pytest.mark.parametrize("damage, message", [
    (lambda out: (out / "index" / "0001.png").write_bytes((out / "index" / "0001.png").read_bytes()[:60]),
     "0001.png: not a readable image"),
    (lambda out: (out / "0001.png").write_bytes(b"\x89PNG garbage"), "0001.png: not a readable image"),
    (lambda out: (out / "palette.json").write_text(json.dumps({"paints": [{"hex": "#000000", "rgb": [0, 0, 0]}]})),
     "palette.json: not a palette file colorize --layers wrote (KeyError"),
])
def test_damaged_layers_are_one_line_and_change_nothing(make_shot, tmp_path, capsys, damage, message):
    shot = make_shot(frames=3, height=24, width=32, keyframes=(0, 2))
    out = tmp_path / "out"
    assert main(["colorize", str(shot), "--out", str(out), "--method", "flow", "--flat", "--layers"]) == 0
    damage(out)
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    capsys.readouterr()
    assert main(["recolor", str(out), "--swap", "0=102030"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and message in error[0], error
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before


def test_a_full_disk_while_recolouring_changes_nothing(make_shot, tmp_path, capsys, monkeypatch):
    from PIL import Image

    shot = make_shot(frames=3, height=24, width=32, keyframes=(0, 2))
    out = tmp_path / "out"
    assert main(["colorize", str(shot), "--out", str(out), "--method", "flow", "--flat", "--layers"]) == 0
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full)
    capsys.readouterr()
    assert main(["recolor", str(out), "--swap", "0=102030"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "No space left on device); no file was changed" in error[0], error
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before
    assert not [path for path in out.iterdir() if path.name.startswith(".recolor-")]


def test_keep_lines_lays_the_line_art_as_ink(make_shot, tmp_path):
    from lineart_color.colorizers import NearestKeyframe, colorize_shot
    from lineart_color.data.shots import read_shot

    shot = make_shot(frames=3, height=32, width=40, keyframes=(0, 2))
    line = read_image(shot / "line" / "0001.png", "L")
    raw = colorize_shot(read_shot(shot), NearestKeyframe(), lines=False)["0001"]
    frames = {}
    for flag in ("--keep-lines", "--no-keep-lines"):
        assert main(["colorize", str(shot), "--out", str(tmp_path / flag), "--method", "nearest", flag]) == 0
        frames[flag] = np.asarray(Image.open(tmp_path / flag / "0001.png").convert("RGB")).astype(int)
    np.testing.assert_array_equal(frames["--no-keep-lines"], to_uint8(raw))
    laid = frames["--keep-lines"]
    cores = line < 0.02
    assert cores.any() and laid[cores].max() <= 5  # line cores are the ink: black
    clean = line >= 0.98  # paint untouched by any line keeps the colourer's paint (up to the multiply)
    assert np.abs(laid[clean] - to_uint8(raw * line[..., None])[clean]).max() <= 1


def test_half_dark_line_over_red_paint_is_darkened_red():
    colour = np.zeros((6, 7, 3), np.float32)
    colour[..., 0] = 1.0
    line = np.ones((6, 7), np.float32)
    line[3, 1:6] = 0.5  # a faint line, as anti-aliasing draws one
    out = colorizers.with_lines(colour, line, ink_colour=False)
    np.testing.assert_allclose(out[3, 3], (0.5, 0.0, 0.0), atol=1e-6)
    np.testing.assert_allclose(out[0, 0], (1.0, 0.0, 0.0))


def test_bad_swaps_and_folders_are_one_line_errors(tmp_path, capsys):
    for argv, expected in ((["--swap", "2"], "expected OLD=NEW"), (["--swap", "2=zz0000"], "expected OLD=NEW")):
        with pytest.raises(SystemExit):
            main(["recolor", str(tmp_path), *argv])
        assert expected in capsys.readouterr().err
    assert main(["recolor", str(tmp_path), "--swap", "0=ffffff"]) == 2
    assert "no palette.json here" in capsys.readouterr().err
