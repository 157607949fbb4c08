"""`lineart-color export` / `python -m lineart_color.commands.export`: a trained model -> SavedModel, TF.js, manifest.

    lineart-color export --model runs/ctn --out exported/ctn --size 256
    lineart-color export --model runs/ctn --temporal runs/tcn --out exported/ctn+tcn --dynamic --float16

OUT/saved_model    Keras 3 export with the signature "colorize" (also "serving_default"), see
                   serving_graph.py: line, ref_color, ref_line -> color, distance fields inside
OUT/tfjs           model.json + weight shards, converted from the SavedModel by tensorflowjs_converter
OUT/manifest.json  model kind, presets, input size, value ranges, versions, bundle sizes
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from lineart_color import __version__
from lineart_color.commands.common import add_command, standalone_main
from lineart_color.errors import UserError

SIZE_MULTIPLE = 8  # the colour network's features are at 1/8 size
DEFAULT_SIZE = (256, 256)
MANIFEST_FORMAT = 1
SAVED_MODEL_DIR, TFJS_DIR, MANIFEST_FILE = "saved_model", "tfjs", "manifest.json"


MAX_EXPORT_SIDE = 4096  # --size


def parse_size(text: str) -> tuple[int, int]:
    """argparse type: "S" (square) or "WxH" (width x height) -> (height, width), multiples of 8."""
    parts = text.lower().split("x")
    try:
        width, height = (int(parts[0]), int(parts[0])) if len(parts) == 1 else (int(parts[0]), int(parts[1]))
    except (ValueError, IndexError):
        raise argparse.ArgumentTypeError(f"expected S or WxH in pixels (e.g. 256 or 320x192), got {text!r}") from None
    if len(parts) > 2 or min(width, height) < SIZE_MULTIPLE or width % SIZE_MULTIPLE or height % SIZE_MULTIPLE:
        raise argparse.ArgumentTypeError(f"width and height must be positive multiples of {SIZE_MULTIPLE}, got {text!r}")
    if max(width, height) > MAX_EXPORT_SIDE:
        raise argparse.ArgumentTypeError(f"width and height must be at most {MAX_EXPORT_SIDE} (writing larger "
                                         f"fixed-size graphs outgrows this kind of machine's memory; --dynamic "
                                         f"accepts any size), got {text!r}")
    return height, width


@contextlib.contextmanager
def disk_faults_as_os_errors():
    """TensorFlow reports a full disk as its own RESOURCE_EXHAUSTED error; make it the OSError it
    is, so the staged OUT reports it in one line and keeps nothing (data.staging.WRITE_FAULTS)."""
    import tensorflow as tf

    try:
        yield
    except tf.errors.ResourceExhaustedError as error:
        if "No space left on device" not in str(error):
            raise
        raise OSError(errno.ENOSPC, "No space left on device") from None


def write_saved_model(color_network, temporal_network, size: tuple[int, int] | None, path: Path) -> None:
    """The serving graph (serving_graph.make_colorize_fn) of the networks as a SavedModel at `path`."""
    import keras

    from lineart_color.serving_graph import (SIGNATURE_NAME, input_signature, make_colorize_fn, needs_priors,
                                             takes_references)

    # No archive.track(network): the endpoint's variables are saved anyway, and tracking the
    # networks as well stores every weight a second time (Keras 3.15) and doubles the size.
    archive = keras.export.ExportArchive()
    height, width = size if size is not None else (None, None)
    # The first endpoint also becomes "serving_default", which TF Serving calls by default.
    signature = input_signature(height, width, needs_priors(color_network), takes_references(color_network))
    archive.add_endpoint(SIGNATURE_NAME, make_colorize_fn(color_network, temporal_network), input_signature=signature)
    archive.write_out(str(path), verbose=False)


def convert_to_tfjs(saved_model: Path, out: Path, float16: bool) -> None:
    """tensorflowjs_converter (run from this interpreter) on the SavedModel's colorize signature."""
    from lineart_color.serving_graph import SIGNATURE_NAME

    command = [sys.executable, "-m", "tensorflowjs.converters.converter",
               "--input_format=tf_saved_model", "--output_format=tfjs_graph_model",
               f"--signature_name={SIGNATURE_NAME}", "--saved_model_tags=serve"]
    if float16:
        command.append("--quantize_float16=*")
    result = subprocess.run([*command, str(saved_model), str(out)], capture_output=True, text=True)
    if result.returncode != 0:
        tail = " | ".join(result.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"tensorflowjs_converter failed (exit {result.returncode}): {tail}")


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def make_manifest(color_network, temporal_network, size, float16: bool, out: Path) -> dict:
    """What a client needs to feed the bundle, with versions and sizes for the record."""
    import keras
    import tensorflow as tf

    from lineart_color.data.distance import DEFAULT_REACH, LINE_THRESHOLD
    from lineart_color.models.files import network_kind
    from lineart_color.serving_graph import OUTPUT_NAME, SIGNATURE_NAME, needs_priors, takes_references

    kind = network_kind(color_network)
    references = takes_references(color_network)
    height, width = size if size is not None else (None, None)
    unit = [0.0, 1.0]
    return {
        "format": "lineart-color-export",
        "format_version": MANIFEST_FORMAT,
        "lineart_color_version": __version__,
        "model": {
            "kind": kind + ("" if temporal_network is None else "+tcn"),
            "ctn_preset": getattr(color_network, "preset", None),
            "tcn_preset": None if temporal_network is None else temporal_network.preset,
        },
        "signature": SIGNATURE_NAME,
        "input_size": None if size is None else {"height": height, "width": width},
        "size_multiple": SIZE_MULTIPLE,
        "references": ({"min": 1, "note": "painted keyframes of the same shot; the temporal network uses "
                                           "the first and the last"} if references else
                       {"min": 0, "note": "none: this network colours line art alone (it guesses colours)"}),
        "inputs": {
            "line": {"shape": [None, height, width, 1], "dtype": "float32", "range": unit,
                     "meaning": "target line art, grey, dark lines on white paper"},
            **({"ref_color": {"shape": [None, None, height, width, 3], "dtype": "float32", "range": unit,
                              "meaning": "painted keyframes, RGB"},
                "ref_line": {"shape": [None, None, height, width, 1], "dtype": "float32", "range": unit,
                             "meaning": "the keyframes' line art, grey"}} if references else {}),
            **({"priors": {"shape": [None, None, None, height, width, 3], "dtype": "float32",
                           "meaning": "the classical optical flow's warps from the target to each keyframe, "
                                      "direct and chained, as (dx, dy, cost): lineart_color.flow.ShotMotion.priors "
                                      "(OpenCV DIS; no TF.js equivalent, so browsers cannot run this bundle)"}}
               if needs_priors(color_network) else {}),
        },
        "outputs": {OUTPUT_NAME: {"shape": [None, height, width, 3], "dtype": "float32", "range": unit,
                                  "meaning": "the coloured target, RGB"}},
        "distance_fields": ({"computed": "in the graph", "line_threshold": LINE_THRESHOLD, "reach": DEFAULT_REACH}
                            if references else None),
        "saved_model": {"path": SAVED_MODEL_DIR, "bytes": folder_bytes(out / SAVED_MODEL_DIR)},
        "tfjs": {"path": f"{TFJS_DIR}/model.json", "weights": "float16" if float16 else "float32",
                 "bytes": folder_bytes(out / TFJS_DIR), "run_with": "executeAsync (the graph has loops)"},
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__,
                     "tensorflowjs": metadata.version("tensorflowjs")},
    }


def bundled_kinds() -> tuple[str, ...]:
    """Network kinds --model accepts; without --model, the first one's bundled file: the Colour
    Transform Network, which runs anywhere TF.js does (the bundled correspondence colourer needs
    OpenCV's optical flow as an input, which a browser lacks)."""
    return ("ctn", "corr", "lcmftn", "sa-unet")


def load_networks(model: Path | None, temporal: Path | None) -> tuple:
    """The colour network (the bundled one for None) and the optional temporal network, checked
    to belong together; one-line errors naming --model or --temporal."""
    from lineart_color.models.files import load_network, network_kind

    color_network = load_network(model, bundled_kinds(), "--model")
    if temporal is not None and network_kind(color_network) != "ctn":  # (sa-unet takes no keyframe to refine from)
        raise UserError("--temporal: the temporal network refines the Colour Transform Network only")
    return color_network, None if temporal is None else load_network(temporal, "tcn", "--temporal")


def export(model: Path, out: Path, temporal: Path | None = None, size: tuple[int, int] | None = DEFAULT_SIZE,
           float16: bool = False) -> dict:
    """Write OUT/saved_model, OUT/tfjs and OUT/manifest.json (all or nothing); returns the manifest.

    size is (height, width), or None for any size that is a multiple of 8.
    """
    from lineart_color.data.staging import check_output_dir, staged_output_dir

    check_output_dir(out, "--out")  # before the slow part
    color_network, temporal_network = load_networks(model, temporal)
    with staged_output_dir(out, "--out") as stage:
        print("writing the SavedModel", file=sys.stderr)
        with disk_faults_as_os_errors():
            write_saved_model(color_network, temporal_network, size, stage / SAVED_MODEL_DIR)
        print("converting it to TF.js", file=sys.stderr)
        convert_to_tfjs(stage / SAVED_MODEL_DIR, stage / TFJS_DIR, float16)
        manifest = make_manifest(color_network, temporal_network, size, float16, stage)
        (stage / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, default=None, metavar="PATH",
                        help="the network (Colour Transform Network, correspondence colourer, LCMFTN or the "
                             "reference-free self-attention U-Net): a .keras file or a training run directory (default: "
                             "the bundled one)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="new folder for the export")
    parser.add_argument("--temporal", type=Path, default=None, metavar="PATH",
                        help="also refine with this temporal network (.keras file or run directory): ctn+tcn")
    parser.add_argument("--float16", action="store_true", help="store the TF.js weights as float16 (half the size)")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--size", type=parse_size, default=None, metavar="S|WxH",
                       help=f"fixed input size in pixels, multiples of {SIZE_MULTIPLE} "
                            f"(default {DEFAULT_SIZE[1]}x{DEFAULT_SIZE[0]})")
    shape.add_argument("--dynamic", action="store_true", help=f"accept any size that is a multiple of {SIZE_MULTIPLE}")


def run(args: argparse.Namespace) -> None:
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()
    size = None if args.dynamic else (args.size or DEFAULT_SIZE)
    manifest = export(args.model, args.out, args.temporal, size, args.float16)
    shown = "any size (multiple of 8)" if size is None else f"{size[1]}x{size[0]}"
    print(f"exported {manifest['model']['kind']} ({shown}) to {args.out}: SavedModel "
          f"{manifest['saved_model']['bytes'] / 1e6:.1f} MB, TF.js {manifest['tfjs']['bytes'] / 1e6:.1f} MB "
          f"({manifest['tfjs']['weights']})")


def add_parser(commands) -> None:
    add_command(commands, "export", "export a trained model to SavedModel and TF.js", add_arguments, run)


def main(argv=None) -> int:
    return standalone_main("export", __doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
