"""What every generator here shares about its sizes: a named preset with single sizes replaced,
and weights that do not depend on the input size (so a saved file rebuilds them from a tiny input)."""

from __future__ import annotations

from dataclasses import replace


def resolve_preset(presets: dict, preset: str, given: dict):
    """presets[preset] with every size in `given` that is not None in its place. Sequences become
    tuples: a config read back from a .keras file holds lists."""
    if preset not in presets:
        raise ValueError(f"preset must be one of {sorted(presets)}, got {preset!r}")
    sizes = {name: tuple(value) if isinstance(value, (list, tuple)) else value
             for name, value in given.items() if value is not None}
    return replace(presets[preset], **sizes)


class SizeFreeWeights:
    """Mixed into a keras.Model with an ensure_built() that creates every weight from a tiny input."""

    def get_build_config(self):
        return {"weights_depend_on_input_size": False}  # non-empty: Keras calls build_from_config only then

    def build_from_config(self, config):
        self.ensure_built()
