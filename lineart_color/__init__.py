"""lineart_color: reference-based colourisation of line-art animation."""

import os

# TensorFlow's C++ start-up chatter (CUDA probing on a CPU machine) buries our own messages;
# a user can still ask for it by setting the variable themselves.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
