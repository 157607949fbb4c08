"""Per-frame time of the page in headless Chromium, by TF.js backend, beside Python's time for the same bundle.

    python benchmarks/bench_browser.py [--sizes 256 512] [--repeats 4] [--json benchmarks/figures/bench_browser.json]

The bundle is what `lineart-color export` writes without --model (the bundled Colour
Transform Network), at a fixed SIZE x SIZE. One OpenMoji val shot gives the frames: the
middle one is coloured from the first and last. The page is served by `lineart-color serve`
(cross-origin isolated, so TF.js may load its threaded WASM build) and driven by
tests/export/page_driver.mjs; the page times its own network run. Runtimes:
- wasm: the page's default, the threaded SIMD build (TF.js sizes its thread pool to half the
  logical cores, at least one);
- wasm, single-threaded build: ?threads=0;
- webgl: ?backend=webgl, Chromium's SwiftShader on a machine without a GPU;
- Python: the same SavedModel, as `colorize` runs it.
Each figure is the median of the runs after a warm-up run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bench_export import SAVED_MODEL_TIMING, after_warm_up, make_frames, page_report, run_json

# (label, page query, driver flags)
BROWSER_RUNS = [
    ("Chromium wasm (threaded build)", "", []),
    ("Chromium wasm (single-threaded build)", "?threads=0", []),
    ("Chromium webgl (SwiftShader)", "?backend=webgl", ["--gpu"]),
]


def time_page(bundle: Path, frames: list[Path], query: str, flags: list[str], repeats: int, out: Path) -> dict:
    report = page_report(bundle, frames, repeats, out, query, tuple(flags))
    return {"seconds": after_warm_up(report["seconds"]), "backend": report["backend"],
            "threads": report["threads"], "isolated": report["isolated"]}


def measure(size: int, repeats: int, work: Path) -> dict:
    from lineart_color.commands.export import export

    bundle = work / f"bundle{size}"
    manifest = export(None, bundle, size=(size, size))
    frames = make_frames(size, work / f"frames{size}")
    python = run_json([sys.executable, "-c", SAVED_MODEL_TIMING, str(bundle / "saved_model"), str(repeats),
                       str(work / "python.npy"), *map(str, frames)])
    row = {"size": size, "model": manifest["model"], "python": after_warm_up(python["seconds"]), "browser": {}}
    for label, query, flags in BROWSER_RUNS:
        row["browser"][label] = time_page(bundle, frames, query, flags, repeats, work / "page.png")
        print(f"{size} px, {label}: {row['browser'][label]}", file=sys.stderr, flush=True)
    return row


def table(rows: list[dict]) -> str:
    sizes = [row["size"] for row in rows]
    lines = ["| per frame | " + " | ".join(f"{size} px" for size in sizes) + " |",
             "|---|" + "---:|" * len(sizes),
             "| Python (SavedModel, as `colorize`) | " + " | ".join(f"{row['python']:.2f} s" for row in rows) + " |"]
    for label, _, _ in BROWSER_RUNS:
        cells = []
        for row in rows:
            run = row["browser"][label]
            threads = f", {run['threads']} thread(s)" if run["threads"] else ""
            backend = "" if run["backend"] in label else f" (ran {run['backend']})"
            cells.append(f"{run['seconds']:.2f} s ({run['seconds'] / row['python']:.1f}x{threads}){backend}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--repeats", type=int, default=4, help="runs per runtime, the first is a warm-up")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()
    with tempfile.TemporaryDirectory() as temp:
        rows = [measure(size, args.repeats, Path(temp)) for size in args.sizes]
    print(f"\nThe page's per-frame time (bundled Colour Transform Network, two keyframes, batch 1; "
          f"x: times Python's)\n\n{table(rows)}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
