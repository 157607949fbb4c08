import pytest

from lineart_color.cli import main


@pytest.fixture(scope="session")
def motion_cache(tmp_path_factory):
    """A motion cache of two 32 px shots (`lineart-color data motion`)."""
    cache = tmp_path_factory.mktemp("motion") / "cache"
    assert main(["data", "motion", str(cache), "--shots", "2", "--size", "32", "--max-motion", "3"]) == 0
    return cache
