"""`lineart-color recolor OUT --swap OLD=NEW ...`: swap paints in frames `colorize --layers` wrote, no model run.

    lineart-color recolor layered/shot_0003 --swap 1=1e2a5a --swap fcea2b=c0a020

OUT is the output of `colorize --layers` with --flat or --snap (or a folder of such shots):
its palette.json and index/ say which pixels hold which paint. OLD is a paint's index or its
hex colour in palette.json; NEW is a hex colour (rrggbb; a leading # is optional, quoted in a shell). Every frame OUT/<frame>.png and its paint
layer are rewritten from the index, and the palette files name the new colours. Everything is
checked before anything is written; the new files replace the old ones only when all are made.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from lineart_color.commands.common import add_command, standalone_main
from lineart_color.errors import UserError

HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def parse_swap(text: str) -> tuple[str, tuple[int, int, int]]:
    """argparse type: "OLD=NEW" -> (OLD as written, NEW as RGB 0-255)."""
    old, sep, new = text.partition("=")
    match = HEX.match(new.strip())
    if not sep or not old.strip() or match is None:
        raise argparse.ArgumentTypeError(f"expected OLD=NEW, OLD a paint's index or #rrggbb, NEW #rrggbb; got {text!r}")
    value = match.group(1)
    return old.strip(), tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))


def shot_folders(out: Path) -> list[Path]:
    """OUT itself when it holds palette.json, else its sub-folders that do."""
    if (out / "palette.json").is_file():
        return [out]
    folders = sorted(p for p in out.iterdir() if (p / "palette.json").is_file()) if out.is_dir() else []
    if not folders:
        raise UserError(f"{out}: no palette.json here or in its sub-folders (write one with colorize --layers)")
    return folders


def paint_index(old: str, paints: list[dict], folder: Path) -> int:
    """The index of the paint OLD names (an index, or a hex colour of the palette)."""
    match = HEX.match(old)
    for paint in paints:
        if (old.isdigit() and int(old) == paint["index"]) or (match and paint["hex"].lower() == f"#{match.group(1).lower()}"):
            return paint["index"]
    known = ", ".join(f"{paint['index']}={paint['hex']}" for paint in paints)
    raise UserError(f"--swap {old}: no such paint in {folder / 'palette.json'} ({known})")


def _read_png(path: Path, colour: bool = False) -> np.ndarray:
    """A frame (RGB, or RGBA when it has alpha) or an index map, or a UserError naming a damaged file."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            if colour:
                image = image.convert("RGBA" if image.mode == "RGBA" else "RGB")
            return np.asarray(image)
    except (OSError, SyntaxError, ValueError) as error:
        raise UserError(f"{path}: not a readable image ({error})") from None


def recolor_shot(folder: Path, swaps: list[tuple[str, tuple[int, int, int]]], staging: Path) -> dict[Path, Path]:
    """The shot's rewritten files, made under `staging`: {final path: new file}."""
    from PIL import Image

    from lineart_color import studio

    palette_file = folder / "palette.json"
    try:
        content = json.loads(palette_file.read_text())
        paints = content["paints"]
        for paint in paints:  # every field recolor reads, of the right kind
            if not (isinstance(paint["index"], int) and isinstance(paint["hex"], str) and len(paint["rgb"]) == 3):
                raise TypeError(f"paint {paint!r} is malformed")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UserError(f"{palette_file}: not a palette file colorize --layers wrote ({type(error).__name__}: {error})") from None
    if not (folder / "index").is_dir():
        raise UserError(f"{folder / 'index'}: missing; colorize --layers writes it with --flat or --snap")
    chosen: dict[int, tuple[int, int, int]] = {}
    for old, new in swaps:
        index = paint_index(old, paints, folder)
        if index in chosen and chosen[index] != new:  # the last would win silently
            raise UserError(f"--swap {old}: paint {index} is swapped twice, to two colours")
        chosen[index] = new
    made: dict[Path, Path] = {}
    for index_file in sorted((folder / "index").glob("*.png")):
        name = index_file.stem
        indices = _read_png(index_file)
        targets = [folder / f"{name}.png"] + ([folder / "paint" / f"{name}.png"] if (folder / "paint").is_dir() else [])
        for target in targets:
            if not target.is_file():
                raise UserError(f"{target}: missing; recolor rewrites the frames colorize --layers wrote")
            pixels = _read_png(target, colour=True)
            if pixels.shape[:2] != indices.shape:
                raise UserError(f"{target}: {pixels.shape[1]}x{pixels.shape[0]}, its index is "
                                f"{indices.shape[1]}x{indices.shape[0]}")
            rgb = pixels[..., :3]
            for old, new in chosen.items():
                rgb = studio.swap_paint(rgb, indices, old, new)
            result = np.dstack([rgb, pixels[..., 3]]) if pixels.shape[-1] == 4 else rgb
            made[target] = staging / f"{len(made)}.png"
            Image.fromarray(result).save(made[target], format="PNG")
    for paint in paints:
        if paint["index"] in chosen:
            paint["rgb"] = list(chosen[paint["index"]])
            paint["hex"] = studio.hex_colour(np.asarray(paint["rgb"]) / 255.0)
    made[palette_file] = staging / f"{len(made)}.json"
    made[palette_file].write_text(json.dumps(content, indent=1) + "\n")
    colours = np.array([paint["rgb"] for paint in paints], np.float32).reshape(-1, 3) / 255.0
    made[folder / "palette.gpl"] = staging / f"{len(made)}.gpl"
    made[folder / "palette.gpl"].write_text(studio.palette_gpl(colours, folder.name))
    return made


def run(args: argparse.Namespace) -> None:
    folders = shot_folders(args.out)
    replaced = 0
    try:
        with tempfile.TemporaryDirectory(dir=args.out, prefix=".recolor-") as staging:
            made = {}
            for number, folder in enumerate(folders):
                (Path(staging) / str(number)).mkdir()
                made.update(recolor_shot(folder, args.swap, Path(staging) / str(number)))
            for final, new in made.items():  # every file is made: now they replace the old ones
                os.replace(new, final)
                replaced += 1
    except OSError as error:  # a read-only folder or a full disk: found while making, before any replacing
        changed = "no file was changed" if not replaced else f"{replaced} of {len(made)} files were replaced"
        raise UserError(f"{args.out}: cannot write the recoloured frames there ({error.strerror}); {changed}") from None
    print(f"recoloured {len(made)} files in {len(folders)} shot(s) of {args.out}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, metavar="OUT", help="a folder colorize --layers --flat|--snap wrote")
    parser.add_argument("--swap", type=parse_swap, action="append", required=True, metavar="OLD=NEW",
                        help="repaint paint OLD (its index or rrggbb in palette.json) as NEW (rrggbb; a leading # is "
                             "optional); repeatable")


def add_parser(commands) -> None:
    add_command(commands, "recolor", "swap paints in coloured frames by their palette index (no model run)",
                add_arguments, run)


def main(argv=None) -> int:
    return standalone_main("recolor", __doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
