"""A CycleGAN (Zhu et al. 2017) between line art and colour frames, for its "scan" generator: a
learned line extractor that recovers line art from colour frames (video, painted illustrations).

Inputs (a dict, float in [0, 1]), unpaired: nothing ties a line drawing to a colour frame
    line   [B, H, W, 1]  line drawings
    color  [B, H, W, 3]  colour frames (of other drawings)
Outputs (a dict): translate()

Two U-Nets (layers/unet.py), without attention: `paint` (line art -> colour) is deliberately
small, since only the line extractor is kept; `scan` (colour -> line art) is the product. Each
learns from a PatchGAN of its output domain and from cycle consistency
(training/cyclegan_task.py); with no pairs, the cycle is what ties a frame's lines to its own
edges.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras

from lineart_color.layers.unet import UNet
from lineart_color.models.presets import SizeFreeWeights, resolve_preset


@dataclass(frozen=True)
class CycleGANPreset:
    paint_widths: tuple[int, ...]
    scan_widths: tuple[int, ...]


PRESETS = {
    "small": CycleGANPreset(paint_widths=(16, 32, 64, 128), scan_widths=(24, 48, 96, 192)),
}


def translate(paint, scan, line, colour) -> dict:
    """Both directions and both round trips, for generator callables paint (line -> colour) and
    scan (colour -> line): color = paint(line), line = scan(colour), cycled_line =
    scan(paint(line)), cycled_color = paint(scan(colour))."""
    fake_colour, fake_line = paint(line), scan(colour)
    return {"color": fake_colour, "line": fake_line, "cycled_line": scan(fake_colour),
            "cycled_color": paint(fake_line)}


@keras.saving.register_keras_serializable(package="lineart_color")
class CycleGAN(SizeFreeWeights, keras.Model):
    takes_distance_fields = False

    def __init__(self, preset: str = "small", paint_widths=None, scan_widths=None, **kwargs):
        """`preset` names a starting point; any size given replaces its value; the config stores them all."""
        super().__init__(**kwargs)
        spec = resolve_preset(PRESETS, preset, {"paint_widths": paint_widths, "scan_widths": scan_widths})
        self.preset, self.resolved = preset, spec
        self.paint = UNet(spec.paint_widths, out_channels=3, attention_at=(), name="paint")
        self.scan = UNet(spec.scan_widths, out_channels=1, attention_at=(), name="scan")

    @property
    def size_multiple(self) -> int:
        return max(self.paint.size_multiple, self.scan.size_multiple)

    def call(self, inputs, training=None):
        return translate(lambda line: self.paint(line, training=training),
                         lambda colour: self.scan(colour, training=training), inputs["line"], inputs["color"])

    def extract_lines(self, colour):
        """Line art [B, H, W, 1] (dark lines on white) of colour frames [B, H, W, 3], both in [0, 1]."""
        return self.scan(colour, training=False)

    def ensure_built(self) -> "CycleGAN":
        """Create every weight by a pass on a tiny input (weights do not depend on its size)."""
        if not self.built:
            import numpy as np

            side = 2 * self.size_multiple
            self({"line": np.ones((1, side, side, 1), np.float32), "color": np.ones((1, side, side, 3), np.float32)})
        return self

    def get_config(self):
        return {**super().get_config(), "preset": self.preset, **asdict(self.resolved)}

