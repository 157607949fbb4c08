"""Keep TensorFlow's start-up noise off the user's terminal.

TF 2.19 prints CUDA-probing and absl warnings from C++ while it imports and first touches
its devices, before any log setting applies. Entry points call `import_tensorflow()` once:
stderr is pointed at /dev/null only for that moment. Python errors are still raised normally.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def _stderr_silenced():
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow():
    """Import TensorFlow and initialise its devices without the start-up chatter; returns the module."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with _stderr_silenced():
        import tensorflow as tf

        tf.config.list_physical_devices()
    return tf
