import numpy as np
import pytest
from PIL import Image

from lineart_color.data.images import image_size, read_image, write_image
from lineart_color.errors import UserError


def test_round_trip_rgb_and_grey(tmp_path):
    rgb = np.random.default_rng(0).random((7, 5, 3)).astype(np.float32)
    write_image(tmp_path / "c.png", rgb)
    back = read_image(tmp_path / "c.png")
    assert back.shape == (7, 5, 3) and back.dtype == np.float32
    np.testing.assert_allclose(back, rgb, atol=0.5 / 255 + 1e-6)
    assert image_size(tmp_path / "c.png") == (5, 7)
    write_image(tmp_path / "g.png", rgb[..., 0])
    assert read_image(tmp_path / "g.png", "L").shape == (7, 5)


def test_transparency_is_composited_onto_white(tmp_path):
    rgba = np.zeros((4, 6, 4), np.uint8)
    rgba[:, :3] = (0, 0, 0, 255)  # opaque black on the left, fully transparent on the right
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    image = read_image(tmp_path / "a.png")
    assert np.all(image[:, :3] == 0.0) and np.all(image[:, 3:] == 1.0)


def test_sixteen_bit_grey_is_scaled(tmp_path):
    values = np.array([[0, 65535], [32768, 65535]], np.uint16)
    Image.fromarray(values).save(tmp_path / "g16.png")  # uint16 -> mode I;16
    image = read_image(tmp_path / "g16.png", "L")
    np.testing.assert_allclose(image, [[0, 1], [0.5, 1]], atol=1 / 255)


@pytest.mark.parametrize(
    "write, message",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b"this is not an image"), "not a readable image"),
        (lambda p: p.write_bytes(_png_bytes()[:60]), "corrupt or truncated"),
        (lambda p: Image.new("CMYK", (3, 3)).save(p, format="TIFF"), "unsupported image mode 'CMYK'"),
    ],
    ids=["missing", "garbage", "truncated", "cmyk"],
)
def test_bad_files_raise_one_line_naming_the_file(tmp_path, write, message):
    path = tmp_path / "bad.png"
    write(path)
    with pytest.raises(UserError) as caught:
        read_image(path)
    text = str(caught.value)
    assert str(path) in text and message in text and "\n" not in text


def _png_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()
