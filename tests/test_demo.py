"""`make demo`: the bundled network colours fresh val shots, pictures are written, the table is printed."""

import pytest

from lineart_color import demo
from lineart_color.model_files import BUNDLED, load_network


def test_the_bundled_colour_network_loads():
    from lineart_color.models.color_transform import ColorTransformNetwork

    assert BUNDLED["ctn"].stat().st_size < 30 * 1024 * 1024
    assert isinstance(load_network(None, "ctn"), ColorTransformNetwork)


@pytest.mark.slow
def test_demo_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo"
    assert demo.main(["--out", str(out), "--shots", "2", "--frames", "3", "--size", "64"]) == 0
    printed = capsys.readouterr().out
    for method in ("ctn", "ctn+flat", "nearest", "bucket", "truth"):
        assert f"\n{method} " in printed
    sheet = out / "colored" / "ctn+flat" / "shot_0001_sheet.png"
    assert sheet.is_file() and (out / "colored" / "ctn" / "shot_0000.gif").is_file()
    assert sorted(p.name for p in (out / "colored" / "ctn" / "shot_0000").iterdir()) == ["0000.png", "0001.png", "0002.png"]
    assert not (tmp_path / "demo.new").exists()
