"""`make demo`: the bundled network colours fresh val shots, pictures are written, the table is printed."""

import pytest

from lineart_color.commands import demo
from lineart_color.models.files import BUNDLED, load_network


def test_the_bundled_colour_network_loads():
    from lineart_color.models.color_transform import ColorTransformNetwork

    assert BUNDLED["ctn"].stat().st_size < 30 * 1024 * 1024
    assert isinstance(load_network(None, "ctn"), ColorTransformNetwork)


@pytest.mark.slow
def test_demo_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo"
    assert demo.main(["--out", str(out), "--shots", "2", "--frames", "3", "--size", "64"]) == 0
    printed = capsys.readouterr().out
    for method in ("match", "ctn", "ctn+snap", "nearest", "bucket", "flow", "truth"):
        assert f"\n{method} " in printed
    assert "2 in-between frames scored" in printed  # 2 shots of 3 frames, keyframes first and last and "the demo took" in printed
    sheet = out / "colored" / "flow" / "shot_0001_sheet.png"
    assert sheet.is_file() and (out / "colored" / "ctn" / "shot_0000.gif").is_file()
    assert sorted(p.name for p in (out / "colored" / "ctn" / "shot_0000").iterdir()) == ["0000.png", "0001.png", "0002.png"]
    assert not (tmp_path / "demo.new").exists()


@pytest.mark.slow
def test_the_bundled_network_is_trained(tmp_path):
    """On fresh val shots the shipped weights colour far better than copying the nearest keyframe."""
    from lineart_color.commands.colorize import make_colorizer
    from lineart_color.colorizers import colorize_shot
    from lineart_color.data.shots import list_dataset, read_shot
    from lineart_color.commands.evaluate import evaluate

    demo.render_val_shots(tmp_path / "shots", count=3, frames=5, size=128, seed=7)
    shots = [read_shot(path) for path in list_dataset(tmp_path / "shots")]
    methods = {name: make_colorizer(name) for name in ("ctn", "nearest")}
    results = evaluate(shots, {name: (lambda shot, c=c: colorize_shot(shot, c)) for name, c in methods.items()})
    # Measured: the shipped weights 25.5 dB, copying the nearest keyframe 13.9 dB, an untrained
    # small network 5.5 dB.
    assert results["ctn"]["psnr"] > results["nearest"]["psnr"] + 5.0, results
