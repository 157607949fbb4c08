"""Which elements of an endless training stream one input pipeline renders.

Every training stream is a function of an element index: element i depends only on (seed, i).
Global batch b holds elements [start + b*B, start + (b+1)*B). Under tf.distribute each input
pipeline (one per worker) renders only its own contiguous slice of every global batch, so N
workers render the stream once between them, and their replicas' batches put together are
exactly the batch one worker would train on. Resume passes the first element not yet trained.
"""

from __future__ import annotations

import tensorflow as tf

SINGLE = tf.distribute.InputContext()  # one pipeline feeding one replica


def per_replica_batch(global_batch: int, context: tf.distribute.InputContext = SINGLE) -> int:
    if global_batch % context.num_replicas_in_sync:
        raise ValueError(f"batch size {global_batch} is not divisible by the {context.num_replicas_in_sync} replicas")
    return context.get_per_replica_batch_size(global_batch)


def pipeline_indices(start_index: int, global_batch: int,
                     context: tf.distribute.InputContext = SINGLE) -> tf.data.Dataset:
    """int64 element indices this pipeline renders, in the order its replicas consume them."""
    per_replica_batch(global_batch, context)  # the divisibility check
    share = global_batch // context.num_input_pipelines
    offset = start_index + context.input_pipeline_id * share

    def element(k):
        return offset + (k // share) * global_batch + k % share

    return tf.data.Dataset.counter(0).map(element)
