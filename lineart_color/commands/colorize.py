"""`lineart-color colorize SHOT --out OUT`: colour every frame of a shot from its keyframes.

    lineart-color colorize shots/val/shot_0003 --out coloured/shot_0003 --flat

SHOT is a shot folder (line/ for every frame, color/ for the painted keyframes); OUT gets
OUT/<frame>.png for every frame in SHOT/line. SHOT may also be a dataset (a folder of
shots): then OUT/<shot>/<frame>.png. Keyframes are copied through unchanged; every other
frame is coloured from the nearest keyframe before and after it. Any frame size works.
Everything is checked before work starts, and OUT appears only when complete.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lineart_color.commands.common import add_command, add_max_pixels, apply_max_pixels, positive_int, standalone_main
from lineart_color.errors import UserError

METHODS = ("match", "flow", "corr", "ctn", "ctn+tcn", "lcmftn", "memo", "sa-unet", "bucket", "nearest")
# method -> the network kind its --model holds
NETWORK_KINDS = {"corr": "corr", "ctn": "ctn", "ctn+tcn": "ctn", "lcmftn": "lcmftn", "memo": "memo",
                 "sa-unet": "sa-unet"}
REFERENCE_FREE = ("memo", "sa-unet")  # methods that need no keyframe
# The best colourer measured on val (every set, every figure, against every floor); see README.
DEFAULT_METHOD = "match"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shot", type=Path, metavar="SHOT", help="a shot folder, or a folder of shot folders")
    parser.add_argument("--out", type=Path, required=True, help="new folder for the coloured frames")
    parser.add_argument("--method", choices=METHODS, default=DEFAULT_METHOD,
                        help=f"match: keyframe paints carried along dense optical flow and along each closed "
                             f"region's own motion as a whole, from every keyframe (and --reference); flow: keyframe "
                             f"paints carried along dense optical flow from the two nearest keyframes (the floor); "
                             f"corr: the learned correspondence colourer (a learned choice among the optical flow's "
                             f"warps); ctn: the Colour Transform Network; ctn+tcn: refined by a "
                             f"temporal network; lcmftn: LCMFTN's correlation matching (give --model); memo: "
                             f"MemoPainter, for shots with no keyframe (give --model, and --memory); sa-unet: the "
                             f"reference-free self-attention U-Net, for drawings nobody has painted (it guesses "
                             f"colours); bucket: classical region matching; nearest: copy the nearest keyframe "
                             f"(default: {DEFAULT_METHOD}, the best on val)")
    parser.add_argument("--model", default=None, metavar="PATH",
                        help="with corr, ctn, ctn+tcn, lcmftn, memo or sa-unet: the network, a .keras file or a "
                             "training run directory (default: the bundled one)")
    parser.add_argument("--memory", default=None, metavar="FILE",
                        help="with --method memo: a memory file from `lineart-color memory build` (default: the "
                             "memory the network was trained with)")
    parser.add_argument("--reference", action="append", type=Path, default=[], metavar="DIR",
                        help="with --method match: a shot folder whose painted frames (DIR/color with DIR/line) are "
                             "further references for every frame, beside the shot's own keyframes (a model sheet, "
                             "the last shot's keyframes); repeatable")
    parser.add_argument("--temporal", default=None, metavar="PATH",
                        help="with --method ctn+tcn: the temporal network you trained (none ships)")
    palette = parser.add_mutually_exclusive_group()
    palette.add_argument("--flat", action="store_true",
                         help="one keyframe paint per closed region of the line art: clean cel colour")
    palette.add_argument("--snap", action="store_true",
                         help="each pixel close to a keyframe paint takes it; keeps paint boundaries without a line")
    parser.add_argument("--batch-size", type=positive_int, default=4, help="frames per network call (default 4)")
    parser.add_argument("--jit", action="store_true",
                        help="compile the network's graph with XLA: once per frame size (about 10 s at 256 px, "
                             "50 s at 1920x1080 on a 2-core CPU), then faster, most of all on a GPU")
    parser.add_argument("--layers", action="store_true",
                        help="also write OUT/paint/ (RGBA paint under the lines, the background transparent), "
                             "OUT/line/ (the line art, untouched, paper transparent), OUT/palette.json and "
                             "OUT/palette.gpl (the keyframes' paints, with each frame's pixel count); with --flat "
                             "or --snap also OUT/index/ (each pixel's palette index, for `lineart-color recolor`)")
    parser.add_argument("--keep-lines", action=argparse.BooleanOptionalAction, default=True,
                        help="lay the line art over the paint as a cel's ink layer: anti-aliased lines darken the "
                             "paint, line cores are the ink, black or the keyframes' line colour (default; "
                             "--no-keep-lines writes the colourer's own pixels)")
    add_max_pixels(parser)


def make_colorizer(method: str = DEFAULT_METHOD, model: str | None = None, temporal: str | None = None,
                   flat: bool = False, batch_size: int = 4, snap: bool = False, memory: str | None = None,
                   lines: bool = True, references: list | None = None, jit: bool = False):
    """The colourer a method names, with its networks loaded (bad model files fail here, before any work).
    `lines`: the networks lay the line art as ink in their graph (colorize_shot does it for the rest).
    `references`: shots (read_references) whose painted frames `match` also copies from.
    `jit`: the network's graph is compiled with XLA."""
    from lineart_color import colorizers

    if method not in METHODS:
        raise UserError(f"--method: expected one of {METHODS}, got {method!r}")
    if method not in NETWORK_KINDS and (model or temporal):
        raise UserError(f"--model/--temporal: --method {method} uses no network")
    if method != "ctn+tcn" and temporal:
        raise UserError("--temporal: only with --method ctn+tcn")
    if method != "memo" and memory:
        raise UserError("--memory: only with --method memo")
    if method not in NETWORK_KINDS and jit:
        raise UserError(f"--jit: --method {method} uses no network to compile")
    if method != "match" and references:
        raise UserError("--reference: only with --method match")
    if method in REFERENCE_FREE and (flat or snap):
        raise UserError(f"--flat/--snap: they bring colours onto the keyframes' paints; --method {method} uses no keyframe")
    classical = {"bucket": colorizers.PaintBucket, "nearest": colorizers.NearestKeyframe, "flow": colorizers.FlowWarp,
                 "match": lambda: colorizers.FlowWarp(shapes=True, references=references or [])}
    if method in classical:
        colorizer = classical[method]()
    else:
        from lineart_color.models.files import load_network
        from lineart_color.quiet import import_tensorflow

        import_tensorflow()
        color_network = load_network(model, NETWORK_KINDS[method], "--model")
        if method == "memo":
            return memo_colorizer(color_network, memory, batch_size, lines, jit)
        if method == "sa-unet":
            return colorizers.ReferenceFreeColorizer(color_network, batch_size, name=method, lines=lines, jit=jit)
        temporal_network = load_network(temporal, "tcn", "--temporal") if method == "ctn+tcn" else None
        colorizer = colorizers.NetworkColorizer(color_network, temporal_network, batch_size, name=method,
                                                priors=method == "corr", lines=lines, jit=jit)
    if flat and snap:
        raise UserError("--flat/--snap: choose one")
    if flat or snap:
        return colorizers.OnPalette(colorizer, "flat" if flat else "snap")
    return colorizer


def memo_colorizer(network, memory: str | None, batch_size: int, lines: bool = True, jit: bool = False):
    from lineart_color import colorizers
    from lineart_color.models.memory_file import load_memory, require_memory

    require_memory(network)
    if memory is not None:
        load_memory(memory, network)
    return colorizers.ReferenceFreeColorizer(network, batch_size, name="memo", lines=lines, jit=jit)


def read_references(folders: list[Path]) -> list:
    """The validated reference shots of --reference, each with at least one painted frame."""
    from lineart_color.data.shots import LINE_DIR, read_shot

    shots = []
    for folder in folders:
        if not (Path(folder) / LINE_DIR).is_dir():
            raise UserError(f"--reference {folder}: not a shot folder (no {LINE_DIR}/ in it)")
        shots.append(read_shot(folder))
        shots[-1].require_keyframes(1)
    return shots


def read_shots(path: Path) -> list:
    """The validated shots under SHOT (one shot, or a dataset)."""
    from lineart_color.data.shots import list_dataset, read_shot

    return [read_shot(folder) for folder in list_dataset(path)]


def write_layers(folder: Path, shot, colours: dict, indexed: bool) -> None:
    """FOLDER/paint/, FOLDER/line/ (RGBA per frame), FOLDER/palette.json and palette.gpl (studio.py),
    and with `indexed` (a colouring on the palette) FOLDER/index/ (each pixel's paint)."""
    import json

    from PIL import Image

    from lineart_color import studio
    from lineart_color.data.images import write_rgba

    for part in ("paint", "line") + (("index",) if indexed else ()):
        (folder / part).mkdir()
    palette = studio.shot_palette([(shot.line(key), shot.color(key)) for key in shot.keyframes])
    counts = {}
    for name, colour in colours.items():
        line = shot.line(name)
        paint = studio.paint_layer(colour, line)
        write_rgba(folder / "paint" / f"{name}.png", paint)
        write_rgba(folder / "line" / f"{name}.png", studio.line_layer(colour, line, paint))
        counts[name] = studio.paint_counts(colour, line, palette)
        if indexed:  # 8-bit ("L") or 16-bit ("I;16") greyscale PNG
            Image.fromarray(studio.paint_indices(colour, line, palette)).save(folder / "index" / f"{name}.png")
    (folder / "palette.json").write_text(json.dumps(studio.palette_json(palette, counts), indent=1) + "\n")
    (folder / "palette.gpl").write_text(studio.palette_gpl(palette, shot.path.name))


def write_colorized(shots: list, colorizer, out: Path, single: bool, layers: bool = False,
                    keep_lines: bool = True) -> int:
    """Colour the shots into OUT (staged, so OUT appears only when complete); returns frames written.
    With `layers`, each shot's folder also gets its paint and line layers and its palette; with
    `keep_lines`, every coloured frame has its line art laid over the paint as ink (the colourer
    must be made with the same `lines`, make_colorizer)."""
    from lineart_color.colorizers import OnPalette, colorize_shot
    from lineart_color.data.images import write_image
    from lineart_color.data.staging import staged_output_dir
    from lineart_color.progress import Progress

    todo = sum(len(shot.names) - len(shot.keyframes) for shot in shots)
    written = 0
    with staged_output_dir(out, "--out") as stage, Progress(todo, "frames") as progress:
        for shot in shots:
            folder = stage if single else stage / shot.path.name
            folder.mkdir(exist_ok=True)
            colours = colorize_shot(shot, colorizer, progress, lines=keep_lines)
            for name, colour in colours.items():
                write_image(folder / f"{name}.png", colour, made_by=colorizer.name)
                written += 1
            if layers:
                write_layers(folder, shot, colours, isinstance(colorizer, OnPalette))
    return written


def run(args: argparse.Namespace) -> None:
    from lineart_color import colorizers
    from lineart_color.data.shots import LINE_DIR
    from lineart_color.data.staging import check_output_dir

    apply_max_pixels(args)
    shots = read_shots(args.shot)
    check_output_dir(args.out, "--out")
    # read once, for match and the size check; any other method refuses them in make_colorizer
    references = read_references(args.reference) if args.method == "match" else args.reference
    colorizer = make_colorizer(args.method, args.model, args.temporal, args.flat, args.batch_size, args.snap,
                               args.memory, args.keep_lines, references, args.jit)
    for shot in shots:  # every shot, before any is coloured
        shot.require_keyframes(colorizer.keyframes_needed)
        for reference in references:  # only match's get here
            colorizers.require_reference_size(reference, shot)
    single = (args.shot / LINE_DIR).is_dir()
    written = write_colorized(shots, colorizer, args.out, single, args.layers, args.keep_lines)
    print(f"coloured {len(shots)} shot(s) with {colorizer.name}: {written} frames in {args.out}")


def add_parser(commands) -> None:
    add_command(commands, "colorize", "colour every frame of a shot from its keyframes", add_arguments, run)


def main(argv=None) -> int:
    return standalone_main("colorize", __doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
