"""Small random-weight networks, exported once per session, and a drawn shot to colour.

Exporting (SavedModel + tensorflowjs_converter) takes about half a minute, so the bundles are
session fixtures shared by the SavedModel, Node and Chromium tests. Helpers live in
export_helpers.py: a second module named conftest could not be imported by name.
"""

from __future__ import annotations

from pathlib import Path

import keras
import pytest

from export_helpers import HEIGHT, WIDTH, write_shot
from lineart_color.commands.export import export
from lineart_color.models.color_transform import ColorTransformNetwork
from lineart_color.models.temporal import TemporalConstraintNetwork


@pytest.fixture(scope="session")
def networks(tmp_path_factory):
    """Random small networks, saved as a training run (RUN/generator.keras) and a .keras file."""
    folder = tmp_path_factory.mktemp("networks")
    keras.utils.set_random_seed(0)
    ctn = ColorTransformNetwork("small").ensure_built()
    keras.utils.set_random_seed(1)
    tcn = TemporalConstraintNetwork("small").ensure_built()
    tcn.delta_scale.assign(0.5)  # a fresh network's correction is 0; switch it on so the export carries it
    (folder / "ctn_run").mkdir()
    ctn.save(folder / "ctn_run" / "generator.keras")
    tcn.save(folder / "tcn.keras")
    return {"ctn": ctn, "tcn": tcn, "ctn_run": folder / "ctn_run", "tcn_file": folder / "tcn.keras"}


@pytest.fixture(scope="session")
def shot(tmp_path_factory) -> dict[str, Path]:
    return write_shot(tmp_path_factory.mktemp("shot"), HEIGHT, WIDTH)


@pytest.fixture(scope="session")
def fixed_bundle(networks, tmp_path_factory) -> Path:
    """The colour network at a fixed 64x48, float32, exported from its run directory."""
    out = tmp_path_factory.mktemp("bundles") / "fixed"
    export(networks["ctn_run"], out, size=(HEIGHT, WIDTH))
    return out


@pytest.fixture(scope="session")
def dynamic_bundle(networks, tmp_path_factory) -> Path:
    """Colour + temporal network (ctn+tcn), any size, float16 TF.js weights (the SavedModel stays float32)."""
    out = tmp_path_factory.mktemp("bundles") / "dynamic"
    export(networks["ctn_run"] / "generator.keras", out, temporal=networks["tcn_file"], size=None, float16=True)
    return out
