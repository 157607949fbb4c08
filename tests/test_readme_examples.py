"""The README's command examples, so the README cannot drift from the tools.

Every `lineart-color ...` line in the README's code blocks must parse with the real command
line (flags, choices, types), and a new user's first commands run as written, in a fresh
folder whose sub-folders do not exist yet.
"""

import shlex
from pathlib import Path

import pytest

from lineart_color.cli import build_parser, main

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_commands() -> list[list[str]]:
    """Argument lists of every lineart-color command in the README's code blocks."""
    commands, in_block, pending = [], False, ""
    for line in README.read_text().splitlines():
        if line.startswith("```"):
            in_block, pending = not in_block, ""
            continue
        if not in_block:
            continue
        line = pending + line.split(" #", 1)[0].strip()
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        for part in line.split("&&"):
            if part.strip().startswith("lineart-color "):
                commands.append(shlex.split(part)[1:])
    return commands


def test_the_readme_shows_the_main_commands():
    shown = {words[0] for words in readme_commands()}
    assert {"data", "train", "colorize", "evaluate", "export", "serve"} <= shown


@pytest.mark.parametrize("words", readme_commands(), ids=lambda words: " ".join(words)[:60])
def test_every_readme_example_parses(words):
    args = build_parser().parse_args(words)
    assert callable(args.run)


def test_a_new_user_s_first_commands_run_as_written_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # shots/ and coloured/ do not exist: the commands make them
    first, second = readme_commands()[:2]  # what a reader meets first, before any other section
    assert first[:3] == ["data", "moji", "shots/val"] and second[:2] == ["colorize", "shots/val/shot_0003"]
    assert main(first) == 0
    assert main(second) == 0
    assert sorted(path.name for path in Path("coloured/shot_0003").iterdir())[:2] == ["0000.png", "0001.png"]


def test_make_demo_installs_what_serve_needs():
    """`serve` maps export/node_modules: the demo's make target installs the page's packages."""
    makefile = (README.parent / "Makefile").read_text()
    demo = next(line for line in makefile.splitlines() if line.startswith("demo:"))
    assert "$(NPM_STAMP)" in demo.split(":", 1)[1]
    assert "npm ci --prefix export" in makefile.split("$(NPM_STAMP):", 1)[1].split("\n\n", 1)[0]
