"""`python -m lineart_color.commands.train` / `lineart-color train`: flags -> config -> GAN training loop.

    lineart-color train --run-dir runs/ctn --model ctn --data moji --preset ctn-small-cpu --steps 20000

A run directory with a checkpoint is resumed (its config.json is authoritative; --steps
may raise the target). The loop itself is training/gan_trainer.py, importable from notebooks.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lineart_color.commands.common import add_command, positive_int, seed_number, standalone_main
from lineart_color.errors import UserError
from lineart_color.training.config import MODELS, PRECISIONS, PRESETS, STRATEGIES, TrainConfig

# flag -> config field; flags default to None so only the ones given override anything.
FLAG_FIELDS = {
    "model": "model.name", "data": "data.source", "steps": "run.steps", "batch_size": "data.batch_size",
    "size": ("data.height", "data.width"), "references": "model.references",
    "mixed_precision": "run.mixed_precision", "jit": "run.jit", "vgg_weights": "loss.vgg_weights",
    "seed": "data.seed", "ctn": "model.ctn_run", "init_from": "model.init_from",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-dir", type=Path, required=True, help="folder for config, checkpoints, logs")
    parser.add_argument("--preset", choices=sorted(PRESETS), default=None,
                        help="starting config for a new run (default ctn-small-cpu)")
    parser.add_argument("--model", choices=MODELS, default=None, help="which network to train (default ctn)")
    parser.add_argument("--ctn", default=None, metavar="RUN_DIR",
                        help="with --model tcn: the run directory of the trained colour network (frozen)")
    parser.add_argument("--init-from", default=None, metavar="PATH",
                        help="start a new run from a trained generator's weights (.keras file or run directory)")
    parser.add_argument("--data", default=None, metavar="DIR|moji",
                        help="a folder of shot folders, or moji to render OpenMoji train shots on the fly "
                             "(--model corr: moji, clipart or moji+clipart rendered on the fly, or a motion cache "
                             "from `lineart-color data motion`)")
    parser.add_argument("--steps", type=positive_int, default=None, help="train until this step")
    parser.add_argument("--batch-size", type=positive_int, default=None, help="global batch size")
    parser.add_argument("--size", type=positive_int, default=None, help="square crop side (multiple of 8)")
    parser.add_argument("--references", type=int, choices=(1, 2), default=None)
    parser.add_argument("--mixed-precision", choices=PRECISIONS, default=None)
    parser.add_argument("--jit", action="store_true", default=None, help="compile the step with XLA")
    parser.add_argument("--vgg-weights", default=None, metavar="FILE",
                        help="local VGG19 ImageNet weights; enables the perceptual and style losses")
    parser.add_argument("--seed", type=seed_number, default=None)
    parser.add_argument("--strategy", choices=STRATEGIES, default="auto",
                        help="auto (a TPU if present, else TF_CONFIG's workers, else several GPUs mirrored, else one "
                             "device), default (one device), mirrored (every local device), tpu (Colab's or Cloud "
                             "TPU's; refused where there is none)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                        help="override any config field, e.g. --set loss.l1_weight=20 (repeatable)")


def _overrides(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    """(field, text value, flag) for every flag the user gave."""
    found = []
    for flag, fields in FLAG_FIELDS.items():
        value = getattr(args, flag)
        if value is not None:
            for field in (fields if isinstance(fields, tuple) else (fields,)):
                found.append((field, str(value), "--" + flag.replace("_", "-")))
    for item in args.set:
        field, equals, value = item.partition("=")
        if not equals:
            raise UserError(f"--set {item}: expected SECTION.FIELD=VALUE")
        found.append((field, value, f"--set {field}"))
    return found


def check_run_dir(run_dir: Path) -> None:
    """Refuse a --run-dir that is a file or cannot be written, before any work starts."""
    if run_dir.exists() and not run_dir.is_dir():
        raise UserError(f"--run-dir {run_dir}: is a file, not a folder")
    from lineart_color.data.staging import nearest_existing

    existing = nearest_existing(run_dir)
    if not existing.is_dir():
        raise UserError(f"--run-dir {run_dir}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK):  # also false on a read-only filesystem, even for root
        raise UserError(f"--run-dir {run_dir}: cannot write to {existing}")


def resolve_config(args: argparse.Namespace) -> TrainConfig:
    """A new run: preset + flags. An existing run: its config.json, where only run.steps may change."""
    check_run_dir(args.run_dir)
    saved = args.run_dir / "config.json"
    if saved.exists():
        config = TrainConfig.from_json(saved.read_text(), str(saved))
        for field, value, flag in _overrides(args):
            before = config.get(field)
            config.set(field, value)
            if field != "run.steps" and config.get(field) != before:
                raise UserError(f"{flag}: {args.run_dir} is an existing run with {field}={before!r}; "
                                f"only --steps can change on resume (use a new --run-dir)")
        if args.preset is not None:
            raise UserError(f"--preset: {args.run_dir} is an existing run; its config.json already fixes the preset")
        return config.validate()
    config = PRESETS[args.preset or "ctn-small-cpu"]()
    for field, value, _ in _overrides(args):
        config.set(field, value)
    return config.validate()


def run(args: argparse.Namespace) -> None:
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()
    config = resolve_config(args)
    from lineart_color.training.gan_trainer import GANTrainer
    from lineart_color.training.tasks import make_task

    # The trainer reads and validates the data, and any --init-from weights, before anything
    # is written to the run dir.
    trainer = GANTrainer(config, make_task(config), args.run_dir, strategy=args.strategy)
    if trainer.is_chief:  # the other workers of a multi-worker run share its run dir
        args.run_dir.mkdir(parents=True, exist_ok=True)
        (args.run_dir / "config.json").write_text(config.to_json())
    if config.loss.vgg_weights is None and config.model.name != "corr":
        print("note: no --vgg-weights given, so the perceptual and style losses are off")
    preset = f"preset {args.preset}; " if args.preset else ""
    print(f"training {config.model.name} ({preset}its network: {config.model.name} preset {config.model.preset!r}) "
          f"on {config.data.source}, "
          f"{trainer.strategy.num_replicas_in_sync} replica(s), run dir {args.run_dir}")
    step = trainer.fit()
    print(f"done at step {step}: {args.run_dir / 'generator.keras'}, {args.run_dir / 'losses.png'}")


def add_parser(commands) -> None:
    add_command(commands, "train", "train a model (resumes a run directory with a checkpoint)", add_arguments, run)


def main(argv=None) -> int:
    return standalone_main("train", __doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
