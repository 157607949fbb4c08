"""Colour Transform Network (`paper` preset unless --preset): size, FLOPs, speed and memory on this CPU.

    python benchmarks/bench_ctn.py [--preset paper] [--sizes 256 512 1024] [--repeats 3]

Every figure comes from its own child process, so peak resident memory (ru_maxrss) is that
measurement's alone. Forward passes: batch 1, two references, inference mode. The G+D step:
the training step of `lineart-color train` (batch 4, 256 px, two references).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def _tf():
    from lineart_color.quiet import import_tensorflow

    return import_tensorflow()


def _policy(precision: str) -> None:
    import keras

    keras.mixed_precision.set_global_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_matmul(precision: str) -> dict:
    tf = _tf()
    dtype = tf.bfloat16 if precision == "bfloat16" else tf.float32
    a = tf.cast(tf.random.normal((4096, 4096)), dtype)
    matmul = tf.function(lambda x: tf.matmul(x, x))
    matmul(a).numpy()
    started = time.perf_counter()
    for _ in range(5):
        matmul(a).numpy()
    return {"gflops": 5 * 2 * 4096**3 / (time.perf_counter() - started) / 1e9}


def _model_flops(model, inputs) -> float:
    """Graph FLOPs from TF's profiler, plus the attention inside the chunk loop, which it skips."""
    tf = _tf()
    from tensorflow.python.profiler import model_analyzer, option_builder

    specs = {k: tf.TensorSpec(v.shape, tf.float32) for k, v in inputs.items()}
    concrete = tf.function(lambda x: model(x, training=False)["color"]).get_concrete_function(specs)
    options = option_builder.ProfileOptionBuilder(option_builder.ProfileOptionBuilder.float_operation())
    options = options.with_empty_output().build()
    graph_flops = model_analyzer.profile(concrete.graph, options=options).total_float_ops
    height, width = inputs["line"].shape[1:3]
    refs = inputs["ref_color"].shape[1]
    queries = (height // 8) * (width // 8)
    spec = model.spec
    attention = 2 * queries * refs * queries * (spec["key_dim"] + spec["value_dim"])
    return (graph_flops + attention) / 1e9


def measure_forward(preset: str, precision: str, size: int, repeats: int) -> dict:
    tf = _tf()
    _policy(precision)
    from lineart_color.models.color_transform import ColorTransformNetwork, dummy_inputs

    model = ColorTransformNetwork(preset).ensure_built()
    inputs = {k: tf.constant(v) for k, v in dummy_inputs(1, size, size, 2, seed=0).items()}
    forward = tf.function(lambda x: model(x, training=False)["color"])
    forward(inputs).numpy()  # trace and warm up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        forward(inputs).numpy()
        times.append(time.perf_counter() - started)
    result = {"seconds": sorted(times)[len(times) // 2], "peak_mb": _peak_mb(), "params": model.count_params()}
    if precision == "float32":
        result["gflop"] = _model_flops(model, inputs)
    return result


def measure_step(preset: str, precision: str, repeats: int) -> dict:
    _tf()
    from lineart_color.training.config import PRESETS
    from lineart_color.training.ctn_task import CTNTask
    from lineart_color.training.gan_trainer import GANTrainer
    import tempfile

    config = PRESETS["ctn-paper"]()
    config.model.preset, config.run.mixed_precision = preset, precision
    with tempfile.TemporaryDirectory() as run_dir:
        trainer = GANTrainer(config, CTNTask(config), run_dir, strategy="default")
        batch = next(iter(trainer._dataset(start=0)))
        trainer.train_step(batch)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            trainer.train_step(batch)
            times.append(time.perf_counter() - started)
    return {"seconds": sorted(times)[len(times) // 2], "peak_mb": _peak_mb(), "batch": config.data.batch_size}


def child(*args: str) -> dict:
    command = [sys.executable, os.path.abspath(__file__), "--measure", *args]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--precisions", nargs="+", default=["float32", "bfloat16"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        kind, *rest = args.measure
        if kind == "matmul":
            print(json.dumps(measure_matmul(rest[0])))
        elif kind == "forward":
            print(json.dumps(measure_forward(rest[0], rest[1], int(rest[2]), args.repeats)))
        else:
            print(json.dumps(measure_step(rest[0], rest[1], args.repeats)))
        return

    peaks = {p: child("matmul", p)["gflops"] for p in args.precisions}
    print(f"CTN preset '{args.preset}', batch 1, 2 references, {os.cpu_count()} CPU cores; "
          + ", ".join(f"{p} matmul peak {g:.0f} GFLOP/s" for p, g in peaks.items()))
    gflop, params = {}, None
    print(f"{'precision':<10} {'size':>5} {'GFLOP':>7} {'forward s':>10} {'GFLOP/s':>8} {'of peak':>8} {'peak RSS MB':>12}")
    for precision in args.precisions:
        for size in args.sizes:
            row = child("forward", args.preset, precision, str(size))
            if "error" in row:
                print(f"{precision:<10} {size:>5}  failed: {row['error']}")
                continue
            params = row["params"]
            gflop.setdefault(size, row.get("gflop"))
            work = gflop[size]
            rate = work / row["seconds"] if work else float("nan")
            print(f"{precision:<10} {size:>5} {work or float('nan'):>7.1f} {row['seconds']:>10.3f} {rate:>8.1f} "
                  f"{rate / peaks[precision]:>8.0%} {row['peak_mb']:>12.0f}")
    print(f"parameters: {params:,}")
    for precision in args.precisions:
        row = child("step", args.preset, precision)
        if "error" in row:
            print(f"G+D training step, {precision}: failed: {row['error']}")
        else:
            print(f"G+D training step, {precision}, batch {row['batch']} at 256 px: {row['seconds']:.2f} s "
                  f"({row['batch'] / row['seconds']:.2f} images/s), peak RSS {row['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
