"""Typed, nested training configs with named presets.

A run is fully described by a TrainConfig; the resolved config is written to
RUN_DIR/config.json so the run can be repeated or resumed from it.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path

from lineart_color.errors import UserError

MODELS = ("ctn", "tcn", "corr", "lcmftn", "memo", "sa-unet", "cyclegan")
PRECISIONS = ("float32", "bfloat16", "float16")
STRATEGIES = ("auto", "default", "mirrored", "tpu")
# Caps that keep a typo from building a batch for minutes and then running out of memory:
# a side as data's and export's, and 64 frames of 1024 x 1024 (far beyond what fits here).
MAX_SIDE = 4096
MAX_BATCH_PIXELS = 64 * 1024 * 1024


@dataclass
class ModelConfig:
    # "ctn": Colour Transform Network; "tcn": Temporal Constraint Network (stage 2);
    # "corr": the correspondence colourer (models/correspondence.py); "lcmftn": LCMFTN;
    # "memo": MemoPainter (models/memopainter.py); "sa-unet": the reference-free self-attention
    # U-Net (models/sa_unet.py); "cyclegan": the CycleGAN line extractor (models/cyclegan.py)
    name: str = "ctn"
    preset: str = "small"  # the PRESETS table of the model's module in models/
    memo_mode: str = "memory+integrator"  # memo only: models/memopainter.MODES
    # sa-unet only: learn from grey drawings (the line art over the truth's luminance, as a shaded
    # panel or a grey scan) instead of line art alone
    grey: bool = False
    references: int = 2  # 1: the reference before the target only; 2: before and after
    ctn_run: str | None = None  # tcn only: the run directory of the trained, frozen colour network
    # A trained generator (.keras file or run directory) whose weights start a new run: fine-tuning.
    # Only the generator's weights are taken; optimizers and the discriminator start fresh.
    init_from: str | None = None


@dataclass
class DataConfig:
    # ctn/tcn: a dataset folder of shots, or "moji" (rendered on the fly). corr: cel sources
    # rendered on the fly with their true motion, "moji", "clipart" or both as "moji+clipart"
    # (each shot from one, drawn at random; train split).
    source: str = "moji"
    height: int = 256
    width: int = 256
    batch_size: int = 8  # global, across replicas
    min_spacing: int = 1
    max_spacing: int = 4
    max_zoom: float = 1.5
    seed: int = 0  # fixes the data stream and the initial weights
    min_motion: float = 0.5  # corr: each shot's motion scale is drawn from [min_motion, max_motion]
    max_motion: float = 4.0
    # Growing crop sizes, "SIZE:STEP,...": crops of SIZE x SIZE until STEP, then the next stage;
    # after the last, height x width (sa-unet's 64 -> 128 -> 256). Empty: one size throughout.
    stages: str = ""

    def size_stages(self) -> list[tuple[int, int, int]]:
        """[(height, width, until step)], the last stage until forever (a very large step)."""
        stages = []
        for part in filter(None, self.stages.replace(" ", "").split(",")):
            size, _, step = part.partition(":")
            stages.append((int(size), int(size), int(step)))
        return [*stages, (self.height, self.width, 2**62)]


@dataclass
class LossConfig:
    adversarial: str = "hinge"  # "hinge" or "bce" (non-saturating)
    adversarial_weight: float = 1.0
    l1_weight: float = 10.0
    perceptual_weight: float = 1.0
    style_weight: float = 1000.0
    latent_weight: float = 1.0
    # VGG19 ImageNet weights (a local .h5/.weights.h5 file). Without it the perceptual and
    # style terms are switched off: random VGG features are no perceptual measure.
    vgg_weights: str | None = None
    # corr: the global match's log-likelihood, end-point error, and keyframe choice
    match_weight: float = 1.0
    flow_weight: float = 1.0
    choice_weight: float = 1.0
    # memo: the query network's threshold triplet loss and the feature integrator's KL divergence
    triplet_weight: float = 1.0
    integrator_weight: float = 1.0
    # cyclegan: L1 of each image against its trip through both generators
    cycle_weight: float = 10.0
    # sa-unet: the "anime" perceptual term over a Danbooru-trained ResNet-50's features. Its
    # weights cannot be downloaded here: a local Keras weights file for
    # keras.applications.ResNet50(include_top=False), else the term is off.
    anime_weights: str | None = None
    anime_weight: float = 0.1


@dataclass
class OptimizerConfig:
    generator_lr: float = 1e-4
    discriminator_lr: float = 4e-4
    beta_1: float = 0.5
    beta_2: float = 0.999


@dataclass
class RunConfig:
    steps: int = 20000
    log_every: int = 25
    image_every: int = 500
    checkpoint_every: int = 250
    keep_checkpoints: int = 3
    mixed_precision: str = "float32"
    jit: bool = False


@dataclass
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    run: RunConfig = field(default_factory=RunConfig)

    def validate(self) -> "TrainConfig":
        """Raise UserError naming the field for values no run can use."""
        from lineart_color.training.losses import ADVERSARIAL
        from lineart_color.models import color_transform, correspondence, lcmftn, memopainter, temporal

        from lineart_color.models import cyclegan, sa_unet

        PRESETS = {"tcn": temporal.PRESETS, "corr": correspondence.PRESETS, "lcmftn": lcmftn.PRESETS,
                   "memo": memopainter.PRESETS, "sa-unet": sa_unet.PRESETS,
                   "cyclegan": cyclegan.PRESETS}.get(self.model.name, color_transform.PRESETS)

        checks = [
            (self.model.name in MODELS, "model.name", f"one of {MODELS}"),
            (self.model.preset in PRESETS, "model.preset", f"one of {sorted(PRESETS)}"),
            (self.model.references in (1, 2), "model.references", "1 or 2"),
            (self.model.memo_mode in memopainter.MODES, "model.memo_mode", f"one of {memopainter.MODES}"),
            (self.data.height % 8 == 0 and self.data.height >= 16, "data.height", "a multiple of 8, at least 16"),
            (self.data.width % 8 == 0 and self.data.width >= 16, "data.width", "a multiple of 8, at least 16"),
            (self.data.batch_size >= 1, "data.batch_size", "at least 1"),
            (max(self.data.height, self.data.width) <= MAX_SIDE, "data.height" if self.data.height > MAX_SIDE
             else "data.width", f"at most {MAX_SIDE} px"),
            (self.data.batch_size * self.data.height * self.data.width <= MAX_BATCH_PIXELS, "data.batch_size",
             f"at most {MAX_BATCH_PIXELS:,} pixels a batch (batch size x height x width; "
             f"{MAX_BATCH_PIXELS // max(1, self.data.height * self.data.width):,} at {self.data.height}x{self.data.width})"),
            (self.data.min_spacing >= 1, "data.min_spacing", "at least 1"),
            (self.data.max_spacing >= self.data.min_spacing, "data.max_spacing", "at least data.min_spacing"),
            (self.data.seed >= 0, "data.seed", "0 or more"),
            (self.loss.adversarial in ADVERSARIAL, "loss.adversarial", f"one of {ADVERSARIAL}"),
            (self.run.steps >= 1, "run.steps", "at least 1"),
            *((getattr(self.run, name) >= 1, f"run.{name}", "at least 1")
              for name in ("log_every", "image_every", "checkpoint_every", "keep_checkpoints")),
            *((getattr(self.loss, name) >= 0, f"loss.{name}", "0 or more")
              for name in vars(self.loss) if name.endswith("_weight")),
            *((getattr(self.optimizer, name) > 0, f"optimizer.{name}", "above 0")
              for name in ("generator_lr", "discriminator_lr")),
            *((0 <= getattr(self.optimizer, name) < 1, f"optimizer.{name}", "in [0, 1)")
              for name in ("beta_1", "beta_2")),
            (self.data.max_zoom >= 1, "data.max_zoom", "at least 1"),
            (self.run.mixed_precision in PRECISIONS, "run.mixed_precision", f"one of {PRECISIONS}"),
        ]
        for ok, name, expected in checks:
            if not ok:
                raise UserError(f"{name}: expected {expected}, got {self.get(name)!r}")
        if self.model.name == "tcn":
            if self.model.ctn_run is None:
                raise UserError("--ctn: training the temporal network needs the run directory of a trained colour network")
            if not (Path(self.model.ctn_run) / "generator.keras").is_file():
                raise UserError(f"{self.model.ctn_run}: no generator.keras here (--ctn must be a finished ctn run directory)")
            if self.model.references != 2:
                raise UserError("model.references: the temporal network needs 2 references (frames before and after)")
        if self.model.name == "corr":
            from lineart_color.data.openmoji import CEL_SOURCES

            from lineart_color.data.motion_cache import is_motion_cache

            if not (set(self.data.source.split("+")) <= set(CEL_SOURCES) or is_motion_cache(self.data.source)):
                raise UserError(f"data.source: the correspondence colourer learns from rendered motion, one of "
                                f"{CEL_SOURCES}, several joined by +, or a motion cache (`lineart-color data motion`); "
                                f"shot folders carry no true motion, got {self.data.source!r}")
            if self.data.height != self.data.width:
                raise UserError(f"--size: the correspondence colourer trains on square frames, got "
                                f"{self.data.height}x{self.data.width}")
            if not 0 <= self.data.min_motion <= self.data.max_motion <= 10:
                raise UserError(f"data.min_motion/max_motion: need 0 <= min <= max <= 10, got "
                                f"{self.data.min_motion}, {self.data.max_motion}")
        self._validate_stages()
        if self.model.grey and self.model.name != "sa-unet":
            raise UserError("model.grey: only the sa-unet colouriser learns from grey drawings")
        if self.model.init_from is not None and not (Path(self.model.init_from) / "checkpoints").is_dir():
            from lineart_color.models.files import model_file

            model_file(self.model.init_from, self.model.name, "--init-from")  # raises naming the missing file
        if self.loss.vgg_weights is not None and not Path(self.loss.vgg_weights).is_file():
            raise UserError(f"{self.loss.vgg_weights}: no such VGG19 weights file (loss.vgg_weights)")
        if self.loss.anime_weights is not None and not Path(self.loss.anime_weights).is_file():
            raise UserError(f"{self.loss.anime_weights}: no such ResNet-50 weights file (loss.anime_weights)")
        return self

    def _validate_stages(self) -> None:
        """data.stages: SIZE:STEP pairs, sizes multiples of 8 (at least 16), steps increasing."""
        expected = f"SIZE:STEP pairs joined by commas, e.g. 64:2000,128:4000, got {self.data.stages!r}"
        try:
            stages = self.data.size_stages()
        except ValueError:
            raise UserError(f"data.stages: expected {expected}") from None
        steps = [step for _, _, step in stages]
        if any(size % 8 or size < 16 for size, _, _ in stages[:-1]) or steps != sorted(set(steps)) or steps[0] < 1:
            raise UserError(f"data.stages: expected sizes that are multiples of 8 (at least 16) and increasing "
                            f"steps, {expected}")
        if self.data.stages and self.model.name != "sa-unet":
            raise UserError("data.stages: only the sa-unet colouriser trains at growing sizes")

    # -- dotted access, for flags and --set ---------------------------------------------

    def get(self, dotted: str):
        section, _, name = dotted.partition(".")
        return getattr(getattr(self, section), name, None) if hasattr(self, section) else None

    def set(self, dotted: str, text: str) -> None:
        """Set a field from its text form, converted to the field's declared type."""
        section_name, _, name = dotted.partition(".")
        section = getattr(self, section_name, None)
        fields = {f.name: f for f in dataclasses.fields(section)} if dataclasses.is_dataclass(section) else {}
        if name not in fields:
            raise UserError(f"--set {dotted}: no such config field (sections: {', '.join(SECTIONS)})")
        setattr(section, name, _convert(text, typing.get_type_hints(type(section))[name], f"--set {dotted}"))

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @staticmethod
    def from_json(text: str, source: str = "config") -> "TrainConfig":
        try:
            data = json.loads(text)
            return TrainConfig(**{name: SECTIONS[name](**values) for name, values in data.items()})
        except ValueError as error:  # damaged: cut short, or not JSON at all
            raise UserError(f"{source}: damaged, not a JSON training config ({error})") from None
        except (KeyError, TypeError, AttributeError) as error:
            raise UserError(f"{source}: not a training config this version understands ({error})") from None


SECTIONS = {"model": ModelConfig, "data": DataConfig, "loss": LossConfig, "optimizer": OptimizerConfig,
            "run": RunConfig}


def _convert(text: str, kind, flag: str):
    if typing.get_origin(kind) in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        if text.lower() in ("none", "null", ""):
            return None
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
    try:
        if kind is bool:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return text.lower() in ("true", "1", "yes")
        value = kind(text)
    except ValueError:
        raise UserError(f"{flag}: expected a {kind.__name__}, got {text!r}") from None
    if kind is float and not math.isfinite(value):  # NaN trains nothing, and JSON has no NaN
        raise UserError(f"{flag}: expected a finite number, got {text!r}")
    return value


def _preset(**overrides) -> TrainConfig:
    config = TrainConfig()
    for dotted, value in overrides.items():
        section, name = dotted.split("__")
        setattr(getattr(config, section), name, value)
    return config


# Named presets. Each is a complete, valid starting point; flags override single fields.
PRESETS = {
    # CPU: the small network at 128 px, no VGG (no weights ship), hinge GAN.
    "ctn-small-cpu": lambda: _preset(model__preset="small", data__height=128, data__width=128, data__batch_size=8),
    # The blog's setting: paper widths, 256 px, batch 4, BCE GAN, style 1000, L1 10.
    "ctn-paper": lambda: _preset(model__preset="paper", data__batch_size=4, loss__adversarial="bce",
                                 optimizer__generator_lr=1e-4, optimizer__discriminator_lr=1e-5),
    # Stage 2: the temporal network over (reference, CTN output, reference) windows.
    "tcn-small-cpu": lambda: _preset(model__name="tcn", model__preset="small", data__height=128, data__width=128,
                                     data__batch_size=4),
    # The correspondence colourer: supervised matching on rendered moji motion, 192 px, batch 4.
    "corr-small-cpu": lambda: _preset(model__name="corr", model__preset="small", data__height=192, data__width=192,
                                      data__batch_size=4,
                                      optimizer__generator_lr=3e-4, optimizer__beta_1=0.9, run__image_every=250),
    # The correspondence colourer without a matcher: a learned choice among the optical flow's warps,
    # trained from a motion cache (`--data` a folder from `lineart-color data motion`), 192 px windows.
    "corr-choice-cpu": lambda: _preset(model__name="corr", model__preset="choice", data__height=192, data__width=192,
                                       data__batch_size=4, optimizer__generator_lr=1e-3, optimizer__beta_1=0.9,
                                       run__image_every=500),
    # LCMFTN, trained as the small Colour Transform Network is (same data, losses and GAN), 128 px.
    "lcmftn-small-cpu": lambda: _preset(model__name="lcmftn", model__preset="small", data__height=128,
                                        data__width=128, data__batch_size=8),
    # MemoPainter: memory + feature integrator, single frames of the same triplets, 128 px, batch 8.
    "memo-small-cpu": lambda: _preset(model__name="memo", model__preset="small", data__height=128,
                                      data__width=128, data__batch_size=8),
    # The reference-free self-attention U-Net: the reproductions' losses (adversarial 0.01, L1 1, VGG 0.1
    # with weights), D 4e-4 / G 1e-4, crops growing 64 -> 128 -> 256 px, batch 8.
    "sa-unet-small-cpu": lambda: _preset(model__name="sa-unet", model__preset="small", data__batch_size=8,
                                         data__stages="64:3000,128:6000", loss__adversarial_weight=0.01,
                                         loss__l1_weight=1.0, loss__perceptual_weight=0.1, loss__style_weight=0.0,
                                         optimizer__generator_lr=1e-4, optimizer__discriminator_lr=4e-4),
    # The CycleGAN line extractor: unpaired colour frames and line art, 128 px, batch 4.
    "cyclegan-small-cpu": lambda: _preset(model__name="cyclegan", model__preset="small", data__height=128,
                                          data__width=128, data__batch_size=4, loss__adversarial="bce",
                                          optimizer__generator_lr=2e-4, optimizer__discriminator_lr=2e-4),
    # Tiny and fast, for tests and notebooks.
    "ctn-tiny": lambda: _preset(model__preset="small", data__height=32, data__width=32, data__batch_size=2,
                                data__max_spacing=2, run__steps=4, run__log_every=1, run__image_every=2,
                                run__checkpoint_every=2),
    "corr-tiny": lambda: _preset(model__name="corr", model__preset="tiny", data__height=32, data__width=32,
                                 data__batch_size=2, run__steps=4, run__log_every=1, run__image_every=2,
                                 run__checkpoint_every=2),
    "corr-choice-tiny": lambda: _preset(model__name="corr", model__preset="choice-tiny", data__height=32,
                                        data__width=32, data__batch_size=2, run__steps=4, run__log_every=1,
                                        run__image_every=2, run__checkpoint_every=2),
    "memo-tiny": lambda: _preset(model__name="memo", model__preset="small", data__height=32, data__width=32,
                                 data__batch_size=2, data__max_spacing=2, run__steps=4, run__log_every=1,
                                 run__image_every=2, run__checkpoint_every=2),
    "lcmftn-tiny": lambda: _preset(model__name="lcmftn", model__preset="small", data__height=32, data__width=32,
                                   data__batch_size=2, data__max_spacing=2, run__steps=4, run__log_every=1,
                                   run__image_every=2, run__checkpoint_every=2),
    "sa-unet-tiny": lambda: _preset(model__name="sa-unet", model__preset="small", data__height=32, data__width=32,
                                    data__stages="16:2", data__batch_size=2, loss__adversarial_weight=0.01,
                                    loss__l1_weight=1.0, loss__perceptual_weight=0.1, loss__style_weight=0.0,
                                    run__steps=4, run__log_every=1, run__image_every=2, run__checkpoint_every=2),
    "cyclegan-tiny": lambda: _preset(model__name="cyclegan", model__preset="small", data__height=32, data__width=32,
                                     data__batch_size=2, loss__adversarial="bce", run__steps=4, run__log_every=1,
                                     run__image_every=2, run__checkpoint_every=2),
    "tcn-tiny": lambda: _preset(model__name="tcn", model__preset="small", data__height=32, data__width=32,
                                data__batch_size=2, data__max_spacing=2, run__steps=4, run__log_every=1,
                                run__image_every=2, run__checkpoint_every=2),
}
