"""Input pipelines' shares of a training stream (data/stream.py)."""

import numpy as np
import pytest
import tensorflow as tf

from lineart_color.data.stream import per_replica_batch, pipeline_indices


def _take(dataset, count):
    return [int(value) for value in dataset.take(count)]


@pytest.mark.parametrize("pipelines, replicas_per_pipeline", [(1, 1), (2, 1), (1, 2), (2, 2), (3, 1)])
def test_replica_batches_put_together_are_the_single_stream(pipelines, replicas_per_pipeline):
    global_batch, start, steps = 6 if pipelines == 3 else 4, 10, 3
    replicas = pipelines * replicas_per_pipeline
    contexts = [tf.distribute.InputContext(pipelines, pipeline, replicas) for pipeline in range(pipelines)]
    per_replica = per_replica_batch(global_batch, contexts[0])
    assert per_replica == global_batch // replicas
    # Pipeline p feeds replicas p*R/N ... in turn, one per-replica batch each, step after step.
    streams = [_take(pipeline_indices(start, global_batch, context), steps * global_batch // pipelines)
               for context in contexts]
    batches = [np.reshape(stream, (steps, replicas_per_pipeline, per_replica)) for stream in streams]
    global_batches = np.concatenate(batches, axis=1).reshape(steps, global_batch)
    expected = np.arange(start, start + steps * global_batch).reshape(steps, global_batch)
    np.testing.assert_array_equal(global_batches, expected)


def test_a_batch_the_replicas_cannot_share_is_refused():
    with pytest.raises(ValueError, match="batch size 3 is not divisible by the 2 replicas"):
        pipeline_indices(0, 3, tf.distribute.InputContext(2, 0, 2))
