"""Speed and peak memory of the colourers on in-between frames, at 256x256, 1024x1024 and 1920x1080.

    python benchmarks/bench_colorize.py [--methods flow corr] [--frames 12] [--jit]

Frames come from OpenMoji val shots (8 frames, keyframes first and last), rendered at the
size asked for (1920x1080: rendered at 1920 and cropped to 1080 rows). Each shot's six
in-between frames are coloured in one call, as `colorize` does. Only colouring is timed:
no PNG reading or writing, after one warm-up frame (graph tracing for networks).
Each (method, size) runs in its own process so its peak resident memory is its own.
With --jit the networks' graphs are compiled by XLA (colorize --jit); the one-off compile is
the warm-up's and is printed apart. Prints a table: frames/s, seconds a frame, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

SIZES = {"256x256": (256, 256), "1024x1024": (1024, 1024), "1920x1080": (1920, 1080)}


class InMemoryShot:
    """The parts of data.shots.Shot that colourers read, over frames held in memory."""

    def __init__(self, lines, colours, keyframes):
        self.names = tuple(f"{i:04d}" for i in range(len(lines)))
        self._lines, self._colours = dict(zip(self.names, lines)), dict(zip(self.names, colours))
        self.color_files = {self.names[i]: None for i in keyframes}
        self.keyframes = tuple(self.names[i] for i in keyframes)
        self.size = (lines[0].shape[1], lines[0].shape[0])

    def line(self, name):
        return self._lines[name]

    def color(self, name):
        return self._colours[name]

    def nearest_keyframes(self, name):
        position = self.names.index(name)
        before = [k for k in self.keyframes if self.names.index(k) <= position]
        after = [k for k in self.keyframes if self.names.index(k) >= position]
        return tuple(dict.fromkeys(before[-1:] + after[:1]))


def make_shot(width: int, height: int, seed: int) -> InMemoryShot:
    from lineart_color.data import openmoji

    shot = openmoji.MojiShot.sample(openmoji.shot_rng(seed, 0), openmoji.emoji_codes("val"), 8, max(width, height))
    colours, lines = shot.render_all()
    colours = [c[:height, :width] for c in colours]
    lines = [l[:height, :width] for l in lines]
    return InMemoryShot(lines, colours, keyframes=(0, 7))


def measure(method: str, size: str, frames: int, jit: bool = False) -> dict:
    """In a child process: frames/s over `frames` in-between frames, and peak RSS."""
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()
    from lineart_color.commands.colorize import make_colorizer

    width, height = SIZES[size]
    colorizer = make_colorizer(method, batch_size=1, jit=jit)
    shots = [make_shot(width, height, seed) for seed in range(max(1, (frames + 5) // 6))]
    started = time.perf_counter()
    list(colorizer.colour_frames(shots[0], [shots[0].names[1]]))  # warm-up: tracing, and XLA's compile
    warm_up = time.perf_counter() - started
    started, done = time.perf_counter(), 0
    for shot in shots:  # a shot at a time, as colorize does: flows between frames are shared
        done += len(list(colorizer.colour_frames(shot, shot.names[1:-1])))
    seconds = (time.perf_counter() - started) / done
    return {"frames_per_s": 1.0 / seconds, "seconds": seconds, "warm_up": warm_up,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=["flow"])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--jit", action="store_true", help="compile the networks with XLA (colorize --jit)")
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.child[1], args.frames, args.jit)))
        return
    print(f"{'method':<10} {'size':>10} {'frames/s':>9} {'s/frame':>8} {'peak RSS':>9} {'warm-up':>8}")
    for method in args.methods:
        for size in args.sizes:
            result = subprocess.run([sys.executable, __file__, "--child", method, size, "--frames", str(args.frames),
                                     *(["--jit"] if args.jit else [])], capture_output=True, text=True, check=True)
            row = json.loads(result.stdout.strip().splitlines()[-1])
            label = f"{method}+xla" if args.jit else method
            print(f"{label:<10} {size:>10} {row['frames_per_s']:>9.1f} {row['seconds']:>8.3f} "
                  f"{row['peak_mb']:>6.0f} MB {row['warm_up']:>7.1f}s", flush=True)


if __name__ == "__main__":
    main()
