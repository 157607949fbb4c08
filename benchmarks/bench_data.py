"""Throughput and peak memory of the tf.data triplet pipeline at 256 px.

    python benchmarks/bench_data.py [--batches 30] [--batch-size 8]

Each source runs in its own process so its peak resident memory is its own. Prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def measure(source: str, batches: int, batch_size: int) -> dict:
    """Run in a child process: triplets/s after warm-up, and peak RSS."""
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()
    from lineart_color.data.pipeline import TripletConfig, triplet_dataset

    iterator = iter(triplet_dataset(source, batch_size, TripletConfig(height=256, width=256, seed=0)))
    for _ in range(3):  # warm-up: graph tracing, thread pools, first file reads
        next(iterator)
    started = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"triplets_per_s": batches * batch_size / seconds, "peak_mb": peak_mb}


def render_dataset(folder: str, shots: int) -> float:
    """Write `shots` train shots of 8 frames at 256 px; returns shots per second."""
    from lineart_color.data import openmoji

    codes = openmoji.emoji_codes("train")
    started = time.perf_counter()
    for index in range(shots):
        shot = openmoji.MojiShot.sample(openmoji.shot_rng(0, index), codes, 8, 256)
        openmoji.write_moji_shot(os.path.join(folder, f"shot_{index:04d}"), shot)
    return shots / (time.perf_counter() - started)


def child(source: str, batches: int, batch_size: int) -> dict:
    command = [sys.executable, __file__, "--measure", source, "--batches", str(batches), "--batch-size", str(batch_size)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--shots", type=int, default=32, help="shots in the on-disk dataset")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.batches, args.batch_size)))
        return
    with tempfile.TemporaryDirectory() as folder:
        shots_per_s = render_dataset(folder, args.shots)
        rows = [
            ("on disk (PNG shot folders)", child(folder, args.batches, args.batch_size)),
            ("moji, rendered on the fly", child("moji", args.batches, args.batch_size)),
        ]
    print(f"tf.data triplets at 256x256, batch {args.batch_size}, {args.batches} batches after warm-up, "
          f"{os.cpu_count()} CPU cores")
    print(f"{'source':<30} {'triplets/s':>11} {'frames/s':>9} {'peak RSS MB':>12}")
    for name, row in rows:
        print(f"{name:<30} {row['triplets_per_s']:>11.1f} {3 * row['triplets_per_s']:>9.1f} {row['peak_mb']:>12.0f}")
    print(f"rendering moji shots to disk (8 frames, 256 px): {shots_per_s:.2f} shots/s")


if __name__ == "__main__":
    main()
