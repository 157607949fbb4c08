import io

from lineart_color.progress import Progress


def test_known_total_logs_the_start_and_each_tenth():
    stream = io.StringIO()
    with Progress(20, "shots", stream=stream) as progress:
        for _ in range(20):
            progress.advance(loss=0.5)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11 and " 1/20 shots" in lines[0]
    assert lines[-1].startswith("[" + "#" * 30 + "] 20/20 shots") and lines[-1].endswith("loss=0.5")


def test_unknown_total_logs_the_start_and_every_hundred():
    stream = io.StringIO()
    with Progress(None, "frames", stream=stream) as progress:
        for _ in range(250):
            progress.advance()
    lines = stream.getvalue().splitlines()
    assert [line.split("/s")[0].rsplit(" ", 1)[0] for line in lines] == ["1 frames", "100 frames", "200 frames"]


def test_redraws_in_place_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    with Progress(3, "steps", stream=stream) as progress:
        for _ in range(3):
            progress.advance()
    assert stream.getvalue().count("\r") == 3 and stream.getvalue().endswith("\n")
