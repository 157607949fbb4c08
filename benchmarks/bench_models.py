"""The networks' sizes: parameters, forward time and peak memory at 256 and 512 px, and the time
and memory of a training step (LCMFTN beside the Colour Transform Network: an unofficial CMFT
ran out of 24 GB there; MemoPainter; the self-attention U-Net; the CycleGAN line extractor).

    python benchmarks/bench_models.py [--models lcmftn ctn memo sa-unet cyclegan] [--sizes 256 512] \
        [--presets small paper]

Every figure comes from its own child process, so peak resident memory (ru_maxrss) is that
measurement's alone. Forward: batch 1, inference mode, through the serving graph colorize runs:
two keyframes (distance fields included for the CTN); MemoPainter (with its memory's recall)
and the self-attention U-Net on line art alone; the CycleGAN's scan generator on a colour frame
(what `data video --lines learned` runs). Train step: `lineart-color train`'s G+D step, batch 4,
float32 (the CycleGAN's: both generators and both discriminators).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


MODELS = ("lcmftn", "ctn", "memo", "sa-unet", "cyclegan")


def _network(model: str, preset: str):
    if model == "sa-unet":
        from lineart_color.models.sa_unet import SAUNet

        return SAUNet(preset).ensure_built()
    if model == "cyclegan":
        from lineart_color.models.cyclegan import CycleGAN

        return CycleGAN(preset).ensure_built()
    if model == "memo":
        from lineart_color.models.memopainter import MemoPainter

        return MemoPainter(preset).ensure_built()
    if model == "lcmftn":
        from lineart_color.models.lcmftn import LCMFTN

        return LCMFTN(preset).ensure_built()
    from lineart_color.models.color_transform import ColorTransformNetwork

    return ColorTransformNetwork(preset).ensure_built()


def measure_forward(model: str, preset: str, size: int, repeats: int) -> dict:
    import numpy as np
    import tensorflow as tf

    from lineart_color.serving_graph import OUTPUT_NAME, make_colorize_fn, takes_references

    network = _network(model, preset)
    rng = np.random.default_rng(0)
    if model == "cyclegan":
        colorize = tf.function(network.extract_lines)
        inputs = [rng.random((1, size, size, 3), dtype=np.float32)]
    elif not takes_references(network):
        colorize = tf.function(lambda line: make_colorize_fn(network)(line)[OUTPUT_NAME])
        inputs = [rng.random((1, size, size, 1), dtype=np.float32)]
    else:
        colorize = tf.function(lambda *x: make_colorize_fn(network)(*x)[OUTPUT_NAME])
        inputs = [rng.random(shape, dtype=np.float32) for shape in
                  ((1, size, size, 1), (1, 2, size, size, 3), (1, 2, size, size, 1))]
    colorize(*inputs).numpy()
    started = time.perf_counter()
    for _ in range(repeats):
        colorize(*inputs).numpy()
    return {"parameters": network.count_params(), "seconds": (time.perf_counter() - started) / repeats,
            "peak_mb": _peak_mb()}


def measure_train_step(model: str, preset: str, size: int, repeats: int) -> dict:
    import tempfile

    from lineart_color.training.config import PRESETS
    from lineart_color.training.gan_trainer import GANTrainer
    from lineart_color.training.tasks import make_task

    config = PRESETS[f"{model}-small-cpu"]()
    config.model.preset, config.data.batch_size = preset, 4
    config.data.height = config.data.width = size
    config.data.stages = ""  # the self-attention U-Net's growing sizes: this size throughout
    trainer = GANTrainer(config.validate(), make_task(config), tempfile.mkdtemp(), strategy="default")
    batch = next(iter(trainer._dataset(start=0)))
    trainer.train_step(batch)
    started = time.perf_counter()
    for _ in range(repeats):
        trainer.train_step(batch)
    return {"seconds": (time.perf_counter() - started) / repeats, "peak_mb": _peak_mb()}


def _child(kind: str, model: str, preset: str, size: int, repeats: int) -> dict:
    code = (f"import json; from benchmarks.bench_models import measure_{kind} as m; "
            f"print(json.dumps(m({model!r}, {preset!r}, {size}, {repeats})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1][:80]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--presets", nargs="+", default=["small", "paper"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default=None, help="also write the rows here")
    args = parser.parse_args()
    rows = []
    print(f"{'model':8} {'preset':6} {'size':>5} {'params':>8} {'forward s':>10} {'forward MB':>11} "
          f"{'step s':>8} {'step MB':>8}")
    for model in args.models:
        for preset in args.presets:
            for size in args.sizes:
                forward = _child("forward", model, preset, size, args.repeats)
                step = _child("train_step", model, preset, size, 2) if size == 256 else {}
                rows.append({"model": model, "preset": preset, "size": size, "forward": forward, "train_step": step})
                params = f"{forward['parameters'] / 1e6:.2f}M" if "parameters" in forward else "-"
                shown = lambda r, key, form: format(r[key], form) if key in r else r.get("error", "-")
                print(f"{model:8} {preset:6} {size:>5} {params:>8} {shown(forward, 'seconds', '10.3f'):>10} "
                      f"{shown(forward, 'peak_mb', '11.0f'):>11} {shown(step, 'seconds', '8.2f'):>8} "
                      f"{shown(step, 'peak_mb', '8.0f'):>8}", flush=True)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(rows, file, indent=1)


if __name__ == "__main__":
    main()
