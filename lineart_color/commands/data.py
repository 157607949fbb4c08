"""`lineart-color data moji|clipart|motion|video`: make shot folders from drawings or a video, or a motion cache."""

from __future__ import annotations

import argparse
from pathlib import Path

from lineart_color.commands.common import non_negative_float, positive_int, seed_number
from lineart_color.data.lineart import METHODS
from lineart_color.errors import FieldError, UserError


def add_parser(commands: argparse._SubParsersAction) -> None:
    data = commands.add_parser("data", help="make shot folders (OpenMoji shots, video to shots)")
    kinds = data.add_subparsers(dest="data_command", required=True, metavar="SOURCE")

    moji = kinds.add_parser("moji", help="render animated OpenMoji shots (the embedded default data)")
    add_cel_shot_arguments(moji, "emoji")
    moji.set_defaults(run=run_cel_shots, source="moji")

    clipart = kinds.add_parser("clipart", help="render animated shots from Open Clip Art drawings (many artists; "
                                               "`make clipart` installs Debian's openclipart-svg)")
    add_cel_shot_arguments(clipart, "drawing")
    clipart.set_defaults(run=run_cel_shots, source="clipart")

    motion = kinds.add_parser("motion", help="render training shots with their true motion and optical flows once, "
                                             "for `train --data OUT` of the correspondence colourer")
    motion.add_argument("out", type=Path, metavar="OUT", help="new folder for the motion cache")
    motion.add_argument("--source", default="moji", metavar="SOURCES",
                        help="moji, clipart, or both as moji+clipart (one source a shot; default moji)")
    motion.add_argument("--shots", type=positive_int, default=16, help="number of shots (default 16)")
    motion.add_argument("--size", type=positive_int, default=256, help="frame side in pixels (default 256)")
    motion.add_argument("--min-motion", type=non_negative_float, default=0.5, metavar="SCALE",
                        help="each shot's motion scale is drawn between these (default 0.5 to 4)")
    motion.add_argument("--max-motion", type=non_negative_float, default=4.0, metavar="SCALE")
    motion.add_argument("--seed", type=seed_number, default=0, help="random seed (default 0)")
    motion.add_argument("--turn", type=non_negative_float, default=0.0, metavar="DEGREES",
                        help="each shot's cels also turn, up to an angle drawn from 0 to this (default 0: off)")
    motion.add_argument("--cross", type=unit_interval, default=0.0, metavar="SHARE",
                        help="this share of shots has two cels passing through each other (default 0)")
    motion.add_argument("--shapes", action="store_true",
                        help="the prior warps also carry each closed region moved as a whole, as `match` does "
                             "(for a chooser of match's candidates; about 3x slower to make)")
    motion.set_defaults(run=run_motion_cache)

    video = kinds.add_parser("video", help="cut a video into shots with colour and extracted line art")
    video.add_argument("video", type=Path, metavar="IN", help="input video file (anything OpenCV reads)")
    video.add_argument("out", type=Path, metavar="OUT", help="new folder to write the shots into")
    video.add_argument("--threshold", type=unit_interval, default=0.35,
                       help="colour-histogram distance (0-1) between neighbouring frames that cuts a shot (default 0.35)")
    video.add_argument("--min-length", type=positive_int, default=4, help="drop shots shorter than this (default 4)")
    video.add_argument("--max-length", type=positive_int, default=64,
                       help="split longer shots into pieces of at most this many frames (default 64)")
    video.add_argument("--stride", type=positive_int, default=1, help="keep every Nth frame (default 1)")
    video.add_argument("--size", type=positive_int, default=None,
                       help="resize so the shorter side is this many pixels (default: keep)")
    video.add_argument("--lines", choices=(*METHODS, "learned"), default="xdog",
                       help="line extraction: xdog, highpass, or learned (a trained CycleGAN scan generator, "
                            "--line-model) (default xdog)")
    video.add_argument("--line-model", default=None, metavar="PATH",
                       help="with --lines learned: the CycleGAN line extractor, a .keras file or a training run "
                            "directory (default: the bundled one)")
    video.add_argument("--binary", action="store_true", help="binarise the extracted line art")
    video.set_defaults(run=run_video)


MAX_CEL_SIZE = 4096  # data moji/clipart --size
MAX_VIDEO_SIDE = 4320  # data video --size (8K's shorter side)


def unit_interval(text: str) -> float:
    """argparse type: a number from 0 to 1."""
    value = non_negative_float(text)
    if value > 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def add_cel_shot_arguments(parser: argparse.ArgumentParser, item: str) -> None:
    """The flags of every source whose shots are drawings moving as cels (moji, clipart)."""
    parser.add_argument("out", type=Path, metavar="OUT", help="new folder to write the shots into")
    parser.add_argument("--split", default="train", metavar="{train,val}",
                        help=f"{item} split to draw from (default train)")
    parser.add_argument("--shots", type=positive_int, default=16, help="number of shots (default 16)")
    parser.add_argument("--frames", type=positive_int, default=8, help="frames per shot (default 8)")
    parser.add_argument("--size", type=positive_int, default=256, help="frame side in pixels (default 256)")
    parser.add_argument("--seed", type=seed_number, default=0, help="random seed (default 0)")
    parser.add_argument("--keyframes", default=None, metavar="LIST",
                        help="e.g. 0,-1: only these frames get color/, all frames go to truth/ "
                             "(evaluation layout); default: every frame in color/ (training layout)")
    parser.add_argument("--motion", type=non_negative_float, default=1.0, metavar="SCALE",
                        help="scale every cel's speed, spin and growth (default 1; 3 is three times the motion)")
    parser.add_argument("--turn", type=non_negative_float, default=0.0, metavar="DEGREES",
                        help="each cel turns between half of this and all of it over the shot, either way "
                             "(default 0: only the small spin of --motion; at most 180)")
    parser.add_argument("--cross", action="store_true",
                        help="two cels pass through each other, the later in front, hiding part of the other mid-shot")


def run_cel_shots(args: argparse.Namespace) -> None:
    from lineart_color.data import openmoji
    from lineart_color.data.staging import check_output_dir, staged_output_dir
    from lineart_color.progress import Progress

    if args.split == "test":
        raise UserError("--split test is reserved for independent evaluation; use train or val")
    if args.split not in ("train", "val"):
        raise UserError(f"--split must be train or val, got {args.split!r}")
    if args.size < 16:
        raise UserError(f"--size must be at least 16 pixels, got {args.size}")
    if args.size > MAX_CEL_SIZE:
        raise UserError(f"--size must be at most {MAX_CEL_SIZE} pixels (a shot's frames are held in memory: "
                        f"larger ones outgrow a machine like this), got {args.size}")
    if args.frames < 2:
        raise UserError(f"--frames must be at least 2 (a keyframe and a frame to colour), got {args.frames}")
    if args.motion > 10:
        raise UserError(f"--motion must be at most 10 (cels would leave the frame), got {args.motion}")
    if args.turn > 180:
        raise UserError(f"--turn must be at most 180 degrees, got {args.turn}")
    keyframes = None
    if args.keyframes is not None:
        try:
            keyframes = openmoji.keyframe_indices(args.keyframes, args.frames)
        except ValueError as error:
            raise UserError(f"--keyframes: {error}") from None
    check_output_dir(args.out, "OUT")
    drawings = openmoji.drawing_ids(args.source, args.split)
    with staged_output_dir(args.out) as stage, Progress(args.shots, "shots") as progress:
        for index in range(args.shots):
            shot = openmoji.MojiShot.sample(openmoji.shot_rng(args.seed, index), drawings, args.frames, args.size,
                                            motion=args.motion, source=args.source, turn=args.turn, cross=args.cross)
            openmoji.write_moji_shot(stage / f"shot_{index:04d}", shot, keyframes)
            progress.advance()
    print(f"wrote {args.shots} {args.source} {args.split} shots of {args.frames} frames at {args.size}px to {args.out}")


def run_motion_cache(args: argparse.Namespace) -> None:
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()  # the cache's pipeline module imports TensorFlow: without its start-up chatter
    from lineart_color.data.correspondence_data import MotionDataConfig
    from lineart_color.data.motion_cache import write_motion_cache
    from lineart_color.data.staging import check_output_dir, staged_output_dir
    from lineart_color.progress import Progress

    if args.size > MAX_CEL_SIZE:
        raise UserError(f"--size must be at most {MAX_CEL_SIZE} pixels, got {args.size}")
    if args.max_motion > 10:
        raise UserError(f"--max-motion must be at most 10 (cels would leave the frame), got {args.max_motion}")
    try:
        config = MotionDataConfig(size=args.size, min_motion=args.min_motion, max_motion=args.max_motion,
                                  source=args.source, seed=args.seed, shapes=args.shapes, turn=args.turn,
                                  cross=args.cross)
    except FieldError as error:
        raise UserError(f"--{error.field.replace('_', '-')}: {error}") from None
    check_output_dir(args.out, "OUT")
    with staged_output_dir(args.out) as stage, Progress(args.shots, "shots") as progress:
        write_motion_cache(stage, config, args.shots, progress)
    print(f"wrote {args.shots} {args.source} training shots with their motion at {args.size}px to {args.out}")


def line_extractor(network):
    """A function colour frame [H, W, 3] -> line art [H, W], both float in [0, 1], by a CycleGAN's
    scan generator: any frame size (padded with white paper to its size multiple, then cropped back)."""
    import numpy as np
    import tensorflow as tf

    from lineart_color.colorizers import pad_to_multiple

    scan = tf.function(network.extract_lines, reduce_retracing=True)

    def extract(frame):
        height, width = frame.shape[:2]
        padded = pad_to_multiple(np.asarray(frame, np.float32), network.scan.size_multiple)
        return np.asarray(scan(padded[None]))[0, :height, :width, 0]

    return extract


def learned_extractor(path: str | None):
    """The trained line extractor's frame -> line art function (the bundled one for None); one-line errors."""
    from lineart_color.models.files import load_network
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()
    return line_extractor(load_network(path, "cyclegan", "--line-model"))


def run_video(args: argparse.Namespace) -> None:
    from lineart_color.data.video import VideoOptions, video_to_shots

    if args.min_length > args.max_length:
        raise UserError(f"--min-length {args.min_length} is larger than --max-length {args.max_length}")
    if args.size is not None and args.size > MAX_VIDEO_SIDE:
        raise UserError(f"--size must be at most {MAX_VIDEO_SIDE} pixels (8K's shorter side), got {args.size}")
    if args.line_model is not None and args.lines != "learned":
        raise UserError("--line-model: only with --lines learned")
    options = VideoOptions(
        threshold=args.threshold, min_length=args.min_length, max_length=args.max_length,
        stride=args.stride, size=args.size, lines=args.lines, binary=args.binary,
        extractor=learned_extractor(args.line_model) if args.lines == "learned" else None,
    )
    shots = video_to_shots(args.video, args.out, options)
    print(f"wrote {len(shots)} shots from {args.video} to {args.out}")
