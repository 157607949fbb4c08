import io

from lineart_color.progress import Progress


class Clock:
    """A clock that moves `step` seconds every time it is read."""

    def __init__(self, step: float):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_known_total_logs_the_start_and_each_tenth():
    stream = io.StringIO()
    with Progress(20, "shots", stream=stream, clock=Clock(10.0)) as progress:
        for _ in range(20):
            progress.advance(loss=0.5)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11 and " 1/20 shots" in lines[0]
    assert lines[-1].startswith("[" + "#" * 30 + "] 20/20 shots") and lines[-1].endswith("loss=0.5")


def test_quick_work_logs_only_its_start_and_end():
    stream = io.StringIO()
    with Progress(50, "frames", stream=stream, clock=Clock(0.01)) as progress:
        for _ in range(50):
            progress.advance()
    lines = stream.getvalue().splitlines()
    assert [line.split("] ")[1].split(" frames")[0] for line in lines] == ["1/50", "50/50"]


def test_slow_work_logs_a_heartbeat_between_tenths():
    stream = io.StringIO()
    with Progress(1000, "steps", stream=stream, clock=Clock(20.0)) as progress:  # 20 s a step
        for _ in range(10):
            progress.advance()
    # no tenth is reached in 10 of 1000 steps, but a line comes at least every minute
    assert [line.split("] ")[1].split(" steps")[0] for line in stream.getvalue().splitlines()] == ["1/1000", "4/1000",
                                                                                                     "7/1000", "10/1000"]


def test_unknown_total_logs_the_start_and_every_hundred():
    stream = io.StringIO()
    with Progress(None, "frames", stream=stream, clock=Clock(0.1)) as progress:
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


def test_resumed_work_counts_on_from_where_it_stopped():
    stream = io.StringIO()
    with Progress(6, "steps", stream=stream, clock=Clock(1.0), start=4) as progress:
        progress.advance()
        progress.advance()
    lines = stream.getvalue().splitlines()
    assert " 5/6 steps" in lines[0] and " 6/6 steps" in lines[-1]
    assert "6/6 steps 0.67/s" in lines[-1]  # this run's 2 steps over the 3 s the fake clock moved, not 6 steps
