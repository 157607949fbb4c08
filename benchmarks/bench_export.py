"""Exported bundles: sizes, float16 error, and per-frame time in Python, Node and Chromium.

    python benchmarks/bench_export.py [--preset small] [--size 256] [--repeats 3]

A random-weight Colour Transform Network (speed and size do not depend on the weights) is
exported at SIZE x SIZE; the float16 bundle is the same SavedModel converted with
--quantize_float16. One OpenMoji val shot gives real line art: the middle frame is coloured
from the first and last. Times are per frame, batch 1, two keyframes, distance fields
included, the median of the runs after a warm-up run; each runtime runs in its own process:
the SavedModel in Python, the bundle in Node (export/tools/colorize_node.mjs, pure
@tensorflow/tfjs, cpu and wasm backends) and the page in headless Chromium (wasm backend).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
NODE_RUNNER = REPO / "export" / "tools" / "colorize_node.mjs"
PAGE_DRIVER = REPO / "tests" / "export" / "page_driver.mjs"

SAVED_MODEL_TIMING = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    from lineart_color.quiet import import_tensorflow
    from lineart_color.data.images import read_image

    tf = import_tensorflow()
    model, repeats, out, line, *keys = sys.argv[1:]
    colorize = tf.saved_model.load(model).signatures["colorize"]
    feed = {
        "line": tf.constant(read_image(line, "L")[None, ..., None]),
        "ref_color": tf.constant(np.stack([read_image(c) for c in keys[0::2]])[None]),
        "ref_line": tf.constant(np.stack([read_image(l, "L") for l in keys[1::2]])[None, ..., None]),
    }
    seconds = []
    for _ in range(int(repeats)):
        started = time.perf_counter()
        colour = colorize(**feed)["color"].numpy()
        seconds.append(time.perf_counter() - started)
    np.save(out, colour[0])
    print(json.dumps({"seconds": seconds}))
""")


def make_bundles(preset: str, size: int, work: Path) -> tuple[Path, Path]:
    import keras

    from lineart_color.commands.export import convert_to_tfjs, export, folder_bytes
    from lineart_color.models.color_transform import ColorTransformNetwork

    keras.utils.set_random_seed(0)
    (work / "run").mkdir()
    ColorTransformNetwork(preset).ensure_built().save(work / "run" / "generator.keras")
    float32 = work / "float32"
    export(work / "run", float32, size=(size, size))
    float16 = work / "float16"
    convert_to_tfjs(float32 / "saved_model", float16 / "tfjs", float16=True)
    manifest = json.loads((float32 / "manifest.json").read_text())
    manifest["tfjs"].update(weights="float16", bytes=folder_bytes(float16 / "tfjs"))
    (float16 / "manifest.json").write_text(json.dumps(manifest))
    return float32, float16


def make_frames(size: int, work: Path) -> list[Path]:
    """[target line, key colour, key line, key colour, key line] from one OpenMoji val shot."""
    from lineart_color.data import openmoji

    shot = openmoji.MojiShot.sample(openmoji.shot_rng(0, 0), openmoji.emoji_codes("val"), 5, size)
    folder = openmoji.write_moji_shot(work / "shot", shot)
    frame = lambda kind, index: sorted((folder / kind).iterdir())[index]
    return [frame("line", 2), frame("color", 0), frame("line", 0), frame("color", 4), frame("line", 4)]


def after_warm_up(seconds: list[float]) -> float:
    return statistics.median(seconds[1:] if len(seconds) > 1 else seconds)


def run_json(command: list[str], cwd: Path = REPO) -> dict:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{command[:3]} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def time_node(bundle: Path, frames: list[Path], backend: str, repeats: int, raw: Path) -> float:
    report = run_json(["node", str(NODE_RUNNER), str(bundle), *map(str, frames), "--out", str(raw.with_suffix(".png")),
                       "--raw", str(raw), "--backend", backend, "--repeat", str(repeats)], cwd=REPO / "export")
    return after_warm_up(report["seconds"])


def page_report(bundle: Path, frames: list[Path], repeats: int, out: Path, query: str = "",
                flags: tuple[str, ...] = ()) -> dict:
    """The page driver's report for `repeats` runs of the page, served by `serve` with `?query`."""
    from lineart_color.commands.serve import make_server

    server = make_server(bundle, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/{query}"
        return run_json(["node", str(PAGE_DRIVER), "single", url, str(out), *map(str, frames),
                         "--repeat", str(repeats), *flags])
    finally:
        server.shutdown()
        server.server_close()


def time_chromium(bundle: Path, frames: list[Path], repeats: int, out: Path) -> float:
    return after_warm_up(page_report(bundle, frames, repeats, out)["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="small", choices=("small", "paper"))
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3, help="runs per runtime, the first is a warm-up")
    args = parser.parse_args()
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()
    from lineart_color.commands.export import folder_bytes

    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        float32, float16 = make_bundles(args.preset, args.size, work)
        frames = make_frames(args.size, work)
        python = run_json([sys.executable, "-c", SAVED_MODEL_TIMING, str(float32 / "saved_model"),
                           str(args.repeats), str(work / "python.npy"), *map(str, frames)])
        reference = np.load(work / "python.npy")
        node_cpu = time_node(float32, frames, "cpu", args.repeats, work / "cpu.f32")
        node_wasm = time_node(float32, frames, "wasm", args.repeats, work / "wasm.f32")
        time_node(float16, frames, "wasm", 1, work / "wasm16.f32")
        chromium = time_chromium(float32, frames, args.repeats, work / "page.png")
        read = lambda name: np.fromfile(work / name, np.float32).reshape(reference.shape)
        rows = [
            ("SavedModel size", f"{folder_bytes(float32 / 'saved_model') / 1e6:.1f} MB"),
            ("TF.js bundle, float32", f"{folder_bytes(float32 / 'tfjs') / 1e6:.1f} MB"),
            ("TF.js bundle, float16", f"{folder_bytes(float16 / 'tfjs') / 1e6:.1f} MB"),
            ("float16 vs float32 bundle, max abs error", f"{np.abs(read('wasm16.f32') - read('wasm.f32')).max():.2e}"),
            ("TF.js (cpu) vs SavedModel, max abs error", f"{np.abs(read('cpu.f32') - reference).max():.2e}"),
            ("TF.js (wasm) vs SavedModel, max abs error", f"{np.abs(read('wasm.f32') - reference).max():.2e}"),
            ("per frame, Python SavedModel", f"{after_warm_up(python['seconds']):.2f} s"),
            ("per frame, Node tfjs cpu", f"{node_cpu:.2f} s"),
            ("per frame, Node tfjs wasm", f"{node_wasm:.2f} s"),
            ("per frame, Chromium page (wasm)", f"{chromium:.2f} s"),
        ]
    print(f"\nExport of the Colour Transform Network ({args.preset} preset) at {args.size}x{args.size} px, "
          f"two keyframes, batch 1\n")
    print("| measure | value |\n|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
