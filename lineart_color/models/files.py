"""Finding and loading trained networks: a .keras file, a training run directory, or the bundled default.

The package ships a trained small Colour Transform Network (and a temporal network when
one was trained); lineart_color/weights/MODEL_CARD.md says how each was made.
"""

from __future__ import annotations

import contextlib
import zipfile
from pathlib import Path

import numpy as np

from lineart_color.errors import UserError

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"  # lineart_color/weights
BUNDLED = {
    "ctn": WEIGHTS_DIR / "color_transform_small.keras",
    "tcn": WEIGHTS_DIR / "temporal_small.keras",
    "corr": WEIGHTS_DIR / "correspondence_choice.keras",
    "lcmftn": WEIGHTS_DIR / "lcmftn_small.keras",
    "memo": WEIGHTS_DIR / "memopainter_small.keras",
    "sa-unet": WEIGHTS_DIR / "sa_unet_small.keras",
    "cyclegan": WEIGHTS_DIR / "cyclegan_lines_small.keras",
}
KIND_NAMES = {"ctn": "Colour Transform Network", "tcn": "Temporal Constraint Network",
              "corr": "correspondence colourer", "lcmftn": "LCMFTN",
              "memo": "MemoPainter", "sa-unet": "self-attention U-Net", "cyclegan": "CycleGAN line extractor"}


def model_file(path: str | Path | None, kind: str, flag: str) -> Path:
    """The .keras file for `path` (a file, or a run directory holding generator.keras); the bundled one for None."""
    if path is None:
        bundled = BUNDLED[kind]
        if not bundled.is_file():
            raise UserError(f"{flag}: no bundled {KIND_NAMES[kind]} ships with this version; give one with {flag}")
        return bundled
    path = Path(path)
    if path.is_dir():
        path = path / "generator.keras"
    if not path.is_file():
        raise UserError(f"{path}: no such model file ({flag} takes a .keras file or a training run directory)")
    return path


def _model_class(kind: str):
    if kind == "ctn":
        from lineart_color.models.color_transform import ColorTransformNetwork

        return ColorTransformNetwork
    if kind == "corr":
        from lineart_color.models.correspondence import CorrespondenceNetwork

        return CorrespondenceNetwork
    if kind == "lcmftn":
        from lineart_color.models.lcmftn import LCMFTN

        return LCMFTN
    if kind == "memo":
        from lineart_color.models.memopainter import MemoPainter

        return MemoPainter
    if kind == "sa-unet":
        from lineart_color.models.sa_unet import SAUNet

        return SAUNet
    if kind == "cyclegan":
        from lineart_color.models.cyclegan import CycleGAN

        return CycleGAN
    from lineart_color.models.temporal import TemporalConstraintNetwork

    return TemporalConstraintNetwork


def load_network(path: str | Path | None, kind: str | tuple[str, ...], flag: str = "--model"):
    """Load a trained network of `kind` ("ctn", "tcn", "corr", "lcmftn", "memo", "sa-unet", "cyclegan", or a tuple of acceptable kinds, the
    first one's bundled file standing in for None), failing with one line for a bad or mismatched file."""
    import keras

    import lineart_color.models.color_transform  # noqa: F401  (registers the classes for deserialisation)
    import lineart_color.models.correspondence  # noqa: F401
    import lineart_color.models.cyclegan  # noqa: F401
    import lineart_color.models.lcmftn  # noqa: F401
    import lineart_color.models.memopainter  # noqa: F401
    import lineart_color.models.sa_unet  # noqa: F401
    import lineart_color.models.temporal  # noqa: F401

    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    file = model_file(path, kinds[0], flag)
    if not zipfile.is_zipfile(file):  # Keras would report a foreign file as "not found"
        raise UserError(f"{file}: not a loadable Keras model file (a .keras file is a zip archive; this is not)")
    require_small_config(file)
    try:
        with float32_policy():
            model = keras.saving.load_model(file, compile=False)
    except Exception as error:  # Keras raises many types for foreign or damaged files
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        raise UserError(f"{file}: not a loadable Keras model file ({reason})") from None
    if not isinstance(model, tuple(_model_class(k) for k in kinds)):
        wanted = " or ".join(KIND_NAMES[k] for k in kinds)
        raise UserError(f"{file}: holds a {type(model).__name__}, but {flag} needs a {wanted}")
    broken = non_finite_weight(model)
    if broken is not None:  # a diverged training's weights would colour every frame black, silently
        raise UserError(f"{file}: weight {broken} holds NaN or infinity (a training that diverged?); not used")
    return model


def non_finite_weight(*models) -> str | None:
    """The path of the first weight of `models` holding NaN or infinity, or None."""
    return next((weight.path for model in models for weight in model.weights
                 if not np.isfinite(np.asarray(weight)).all()), None)


MAX_CONFIG_BYTES = 16 * 1024 * 1024  # the project's configs are a few kB; Keras reads the whole thing into memory


def require_small_config(file: Path) -> None:
    """Refuse a .keras file whose config.json is implausibly large, before Keras reads it (a crafted
    300 MB config of spaces cost 1.5 GB of memory only to be refused)."""
    try:
        with zipfile.ZipFile(file) as archive:
            size = archive.getinfo("config.json").file_size
    except KeyError:
        raise UserError(f"{file}: not a loadable Keras model file (no config.json inside)") from None
    except (OSError, zipfile.BadZipFile) as error:
        raise UserError(f"{file}: not a loadable Keras model file ({error})") from None
    if size > MAX_CONFIG_BYTES:
        raise UserError(f"{file}: its config.json is {size:,} bytes, far beyond any model's; not loaded")


def float32_copy(model):
    """The same network under the float32 policy (itself when it already is).

    Mixed precision is a training-time choice: a saved network computes in float32, so its
    inputs are not rounded to bfloat16 and an export carries no casts TF.js cannot run.
    """
    if model.dtype_policy.name == "float32":
        return model
    with float32_policy():
        copy = type(model).from_config({**model.get_config(), "dtype": "float32"}).ensure_built()
    copy.set_weights(model.get_weights())
    return copy


@contextlib.contextmanager
def float32_policy():
    """Keras's global dtype policy float32 for a while: inner layers take the global policy as they are built."""
    import keras

    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def save_network(model, path) -> None:
    """Save a trained network as a .keras file, in float32 (float32_copy)."""
    float32_copy(model).save(path)


def network_kind(model) -> str:
    """The kind ("ctn", "tcn", "corr", "lcmftn", "memo", "sa-unet" or "cyclegan") of a loaded network."""
    return next(kind for kind in KIND_NAMES if isinstance(model, _model_class(kind)))
