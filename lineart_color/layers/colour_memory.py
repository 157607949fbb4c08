"""MemoPainter's colour memory (Yoo et al., CVPR 2019, arXiv 1906.11888).

Each slot holds a key (a unit vector: what a drawing looks like, from the query network), a
value (a colour feature: the distribution over quantised CIELAB ab bins, colour.ab_distribution)
and an age. Retrieval is top-k by cosine similarity. Writing follows the paper:
- when the nearest slot's value is close to the query's own (KL divergence below the
  threshold), the query joins that slot: its key moves to normalise(key + query), age 0;
- otherwise the query and its value take the oldest slot.
All slots age by one at every write. The memory is state, not weights: no gradient reaches it.
"""

from __future__ import annotations

import keras
from keras import ops

EPSILON = 1e-8
EMPTY_AGE = 1e9  # empty slots are the oldest, so they are written first


def kl_divergence(truth, stored):
    """KL(truth || stored) over the last axis, broadcasting: the colour distance between features."""
    truth, stored = ops.cast(truth, "float32"), ops.cast(stored, "float32")
    return ops.sum(truth * (ops.log(truth + EPSILON) - ops.log(stored + EPSILON)), axis=-1)


def unit(x):
    x = ops.cast(x, "float32")
    return x / ops.sqrt(ops.sum(ops.square(x), axis=-1, keepdims=True) + 1e-12)


@keras.saving.register_keras_serializable(package="lineart_color")
class ColourMemory(keras.layers.Layer):
    """query [B, key_dim] -> (similarities [B, k], values [B, k, bins], slots [B, k]) of the k nearest slots."""

    def __init__(self, slots: int = 1024, key_dim: int = 128, bins: int = 484, top_k: int = 3,
                 threshold: float = 0.5, **kwargs):
        super().__init__(**kwargs)
        if min(slots, key_dim, bins, top_k) < 1 or top_k > slots or threshold <= 0:
            raise ValueError(f"need slots, key_dim, bins >= 1, 1 <= top_k <= slots and threshold > 0, got "
                             f"{slots}, {key_dim}, {bins}, {top_k}, {threshold}")
        self.slots, self.key_dim, self.bins, self.top_k, self.threshold = slots, key_dim, bins, top_k, threshold

    def build(self, input_shape=None):
        # The same value in every replica: the first one's write is the write.
        state = dict(trainable=False, aggregation="only_first_replica")
        self.keys = self.add_weight(name="keys", shape=(self.slots, self.key_dim), initializer="zeros", **state)
        self.values = self.add_weight(name="values", shape=(self.slots, self.bins),
                                      initializer=keras.initializers.Constant(1.0 / self.bins), **state)
        self.ages = self.add_weight(name="ages", shape=(self.slots,),
                                    initializer=keras.initializers.Constant(EMPTY_AGE), **state)

    def clear(self):
        """Every slot empty, as built."""
        self.keys.assign(ops.zeros(self.keys.shape))
        self.values.assign(ops.full(self.values.shape, 1.0 / self.bins))
        self.ages.assign(ops.full(self.ages.shape, EMPTY_AGE))

    def call(self, query):
        similarities = ops.matmul(unit(query), ops.transpose(self.keys))  # [B, slots]
        best, slots = ops.top_k(similarities, self.top_k)
        return best, ops.take(self.values, slots, axis=0), slots

    def write(self, query, value):
        """Write a batch of (query [B, key_dim], value [B, bins]) pairs, as the module docstring says."""
        query, value = unit(query), ops.cast(value, "float32")
        batch = ops.shape(query)[0]
        nearest = ops.argmax(ops.matmul(query, ops.transpose(self.keys)), axis=-1)  # [B]
        joins = kl_divergence(value, ops.take(self.values, nearest, axis=0)) < self.threshold

        # Joining queries pull their slot's key toward them.
        pulled = ops.take(self.keys, nearest, axis=0) + query
        keys = self._scatter(self.keys, nearest, unit(pulled), joins)
        # The others take the oldest slots, one each, in batch order.
        rank = ops.cumsum(ops.cast(ops.logical_not(joins), "int32")) - 1
        _, oldest = ops.top_k(self.ages, ops.minimum(batch, self.slots))
        fresh = ops.take(oldest, ops.clip(rank, 0, self.slots - 1))
        new = ops.logical_not(joins) & (rank < self.slots)
        keys = self._scatter(keys, fresh, query, new)
        values = self._scatter(self.values, fresh, value, new)
        touched = ops.where(joins, nearest, ops.where(new, fresh, -1))
        ages = self._scatter(self.ages + 1.0, touched, ops.zeros((batch,)), touched >= 0)
        self.keys.assign(keys)
        self.values.assign(values)
        self.ages.assign(ages)

    def _scatter(self, table, rows, updates, where):
        """table with rows[i] replaced by updates[i] where where[i] (rows elsewhere untouched; of two
        updates to one row, one wins)."""
        rows = ops.cast(rows, "int32")
        keep = ops.where(where, rows, self.slots)  # row `slots` is a scratch row beyond the table
        padded = ops.concatenate([table, ops.zeros_like(table[:1])], axis=0)
        return ops.scatter_update(padded, keep[:, None], ops.cast(updates, table.dtype))[:-1]

    def get_config(self):
        return {**super().get_config(), "slots": self.slots, "key_dim": self.key_dim, "bins": self.bins,
                "top_k": self.top_k, "threshold": self.threshold}
