import numpy as np
import pytest
import tensorflow as tf

from lineart_color.layers import SimilarityColorTransform, chunked_attention


def _dense_attention(query, keys, values):
    scores = np.einsum("bqc,bnc->bqn", query, keys) / np.sqrt(query.shape[-1])
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    return np.einsum("bqn,bnv->bqv", weights, values), weights.max(-1, keepdims=True)


@pytest.mark.parametrize("chunk", [1, 7, 37, 500])
def test_chunked_equals_dense(chunk):
    rng = np.random.default_rng(0)
    query, keys = rng.normal(size=(2, 37, 8)), rng.normal(size=(2, 50, 8))
    values = rng.normal(size=(2, 50, 5))
    query, keys, values = (a.astype(np.float32) for a in (query, keys, values))
    out, confidence = chunked_attention(query, keys, values, chunk)
    expected, expected_confidence = _dense_attention(query, keys, values)
    np.testing.assert_allclose(np.asarray(out), expected, atol=1e-5)
    np.testing.assert_allclose(np.asarray(confidence), expected_confidence, atol=1e-6)


def test_softmax_runs_over_all_references_jointly():
    # One query; reference A has 3 positions orthogonal to it, reference B one position that matches.
    query = np.array([[[10.0, 0.0]]], np.float32)
    keys = np.array([[[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [10.0, 0.0]]], np.float32)
    values = np.array([[[0.0], [0.0], [0.0], [1.0]]], np.float32)
    out, confidence = chunked_attention(query, keys, values, 2)
    # A per-reference softmax averaged over references would give 0.5.
    assert float(out[0, 0, 0]) == pytest.approx(1.0, abs=1e-6)
    assert float(confidence[0, 0, 0]) == pytest.approx(1.0, abs=1e-6)


def test_each_query_s_softmax_runs_over_the_keys_not_the_queries():
    # Three queries: two want key 0, one wants key 2. Normalising over the queries instead of the
    # keys would split key 0's weight between the two queries that want it.
    query = np.array([[[10.0, 0.0], [10.0, 0.0], [0.0, 10.0]]], np.float32)
    keys = np.array([[[10.0, 0.0], [-10.0, 0.0], [0.0, 10.0]]], np.float32)
    values = np.array([[[1.0], [5.0], [3.0]]], np.float32)
    out, confidence = chunked_attention(query, keys, values, 2)
    np.testing.assert_allclose(np.asarray(out)[0, :, 0], [1.0, 1.0, 3.0], atol=1e-5)
    np.testing.assert_allclose(np.asarray(confidence)[0, :, 0], [1.0, 1.0, 1.0], atol=1e-5)


def _features(seed, *shape):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def test_layer_chunked_equals_unchunked_and_duplicate_references_change_nothing():
    target = _features(0, 2, 3, 5, 6)
    ref_distance, ref_color = _features(1, 2, 1, 3, 5, 6), _features(2, 2, 1, 3, 5, 6)
    chunked = SimilarityColorTransform(key_dim=4, value_dim=5, chunk_size=4)
    whole = SimilarityColorTransform(key_dim=4, value_dim=5, chunk_size=10_000)
    one = np.asarray(chunked([target, ref_distance, ref_color]))
    whole([target, ref_distance, ref_color])
    whole.set_weights(chunked.get_weights())
    np.testing.assert_allclose(np.asarray(whole([target, ref_distance, ref_color])), one, atol=1e-5)
    assert one.shape == (2, 3, 5, 6)
    doubled = chunked([target, np.repeat(ref_distance, 2, axis=1), np.repeat(ref_color, 2, axis=1)])
    np.testing.assert_allclose(np.asarray(doubled), one, atol=1e-5)
    # a clone from the config behaves the same: key_dim, value_dim and chunk_size all survive
    clone = SimilarityColorTransform.from_config(chunked.get_config())
    clone([target, ref_distance, ref_color])
    clone.set_weights(chunked.get_weights())
    assert (clone.key_dim, clone.value_dim, clone.chunk_size) == (4, 5, 4)
    np.testing.assert_allclose(np.asarray(clone([target, ref_distance, ref_color])), one, atol=1e-6)


def test_layer_traces_with_unknown_batch_size_and_frame_size():
    layer = SimilarityColorTransform(key_dim=4, value_dim=4, chunk_size=8)
    layer([_features(0, 1, 2, 2, 6), _features(1, 1, 1, 2, 2, 6), _features(2, 1, 1, 2, 2, 6)])
    traced = tf.function(layer, input_signature=[[
        tf.TensorSpec([None, None, None, 6]), tf.TensorSpec([None, None, None, None, 6]),
        tf.TensorSpec([None, None, None, None, 6])]])
    assert traced([_features(3, 3, 4, 5, 6), _features(4, 3, 2, 4, 5, 6), _features(5, 3, 2, 4, 5, 6)]).shape == (3, 4, 5, 6)


def test_recomputing_the_chunks_in_the_backward_pass_gives_the_same_gradients():
    rng = np.random.default_rng(7)
    query, keys, values = (tf.constant(rng.normal(size=shape).astype(np.float32))
                           for shape in ((2, 37, 8), (2, 50, 8), (2, 50, 5)))

    @tf.function
    def gradients(recompute):
        with tf.GradientTape() as tape:
            tape.watch([query, keys, values])
            out, confidence = chunked_attention(query, keys, values, chunk_size=10, recompute=recompute)
            loss = tf.reduce_sum(out * out) + tf.reduce_sum(confidence)
        return [loss, *tape.gradient(loss, [query, keys, values])]

    plain, recomputed = gradients(False), gradients(True)
    assert all(float(tf.reduce_max(tf.abs(g))) > 0 for g in plain[1:])
    for a, b in zip(plain, recomputed):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6)


RECOMPUTED_STEP = """
import numpy as np, tensorflow as tf
from lineart_color.layers import chunked_attention
rng = np.random.default_rng(7)
query, keys, values = (tf.constant(rng.normal(size=shape).astype(np.float32)) for shape in ((1, 9, 4), (1, 12, 4), (1, 12, 3)))

@tf.function
def step():
    with tf.GradientTape() as tape:
        tape.watch([query, keys, values])
        out, _ = chunked_attention(query, keys, values, chunk_size=4, recompute=True)
        loss = tf.reduce_sum(out * out)
    return tape.gradient(loss, [query, keys, values])

print([float(tf.reduce_sum(g)) for g in step()])
"""


def test_a_recomputed_training_step_logs_no_cost_estimator_error():
    # Seen on every `train`: TF's optimiser logged "Error in PredictCost() for the op: Softmax"
    # from C++, past TF_CPP_MIN_LOG_LEVEL, for the rematerialised attention's gradient.
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", RECOMPUTED_STEP], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "PredictCost" not in result.stderr
