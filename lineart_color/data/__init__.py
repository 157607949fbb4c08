"""Data layer: shot folders, line extraction, distance fields, OpenMoji shots, video, tf.data."""
