"""lineart_color: reference-based colourisation of line-art animation."""

import os

# TensorFlow's C++ log (CUDA probing on a CPU machine, grappler notices) buries our own
# messages; real failures still arrive as Python exceptions. Set the variable to see it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"
