"""The training loop every model shares.

A task (e.g. training/ctn_task.py) says where batches come from, how a batch becomes
generator inputs and which loss terms to minimise; this module owns the rest: the
strategy, mixed precision, the tf.function step written from one replica's view,
checkpoints and resume, progress, TensorBoard and the loss plot. A task whose
build_models gives no discriminator trains its network on its own terms alone
(supervised, e.g. training/correspondence_task.py).

RUN_DIR/
    config.json        the resolved config (a resumed run reads it back)
    checkpoints/       tf.train.CheckpointManager: both networks, both optimizers, the step
    history.jsonl      logged losses, trimmed to the checkpoint on resume
    sessions.jsonl     a line a start or resume: its step, strategy, replicas, XLA and precision
    tensorboard/       scalars and sample grids (line | references | output | truth)
    losses.png         loss curves, written when the run stops
    generator.keras    the generator, written when the run stops

A run that diverges stops at the first non-finite loss, or before a checkpoint of non-finite
weights, in one line naming the step; it saves nothing, so its newest checkpoint is finite.

Multi-worker training (TF_CONFIG): every worker resumes from the run directory's checkpoints,
so it must be on a shared filesystem; only the chief writes there. The other workers take
their part in each checkpoint (saving may need them all) into a private folder they delete.
"""

from __future__ import annotations

import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Protocol

import keras
import tensorflow as tf

from lineart_color.data.stream import SINGLE
from lineart_color.errors import UserError
from lineart_color.training import losses
from lineart_color.progress import Progress
from lineart_color.training import summaries
from lineart_color.training.config import TrainConfig
from lineart_color.training.strategy import choose_strategy, worker_role

POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}


class GANTask(Protocol):
    def build_models(self) -> tuple[keras.Model, keras.Model | None]: ...
    def dataset(self, global_batch: int, start_index: int, context: tf.distribute.InputContext) -> tf.data.Dataset: ...
    def split(self, batch: dict): ...
    def generate(self, generator: keras.Model, inputs, training: bool) -> dict: ...
    def judged(self, outputs: dict): ...
    def judge(self, discriminator: keras.Model, condition, image, training: bool): ...
    def generator_terms(self, outputs: dict, truth, fake_logits) -> dict: ...
    def sample_rows(self, batch: dict, outputs: dict, count: int = 2) -> list: ...


def variables_by_path(model: keras.Model) -> tf.train.Checkpoint:
    """Every variable of a model (trainable or not), keyed by its path, for tf.train.Checkpoint.

    Keras 3 layers kept in Python lists are invisible to TF's object-graph tracking, so a
    plain Checkpoint(model=...) silently misses state such as spectral norm's power-iteration
    vectors; naming every variable explicitly makes resume exact.
    """
    variables = {variable.path.replace("/", "."): variable for variable in model.weights}
    if len(variables) != len(model.weights):
        raise ValueError(f"{model.name}: variable paths are not unique")
    return tf.train.Checkpoint(**variables)


def _optimizer(learning_rate: float, config: TrainConfig) -> keras.optimizers.Optimizer:
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=config.optimizer.beta_1, beta_2=config.optimizer.beta_2)
    if config.run.mixed_precision == "float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


class GANTrainer:
    def __init__(self, config: TrainConfig, task: GANTask, run_dir: str | Path, strategy: str = "auto"):
        self.config, self.task, self.run_dir = config, task, Path(run_dir)
        keras.mixed_precision.set_global_policy(POLICIES[config.run.mixed_precision])
        # Grappler's remapper cannot fuse the LeakyReLU gradients of these graphs and logs an
        # INVALID_ARGUMENT line on every start; it then leaves the graph as is, so turning it
        # off costs nothing and keeps the log clean.
        tf.config.optimizer.set_experimental_options({"remapping": False})
        keras.utils.set_random_seed(config.data.seed)  # same initial weights in every process and strategy
        self.requested_strategy, self.strategy = strategy, choose_strategy(strategy)
        worker, self.is_chief = worker_role(self.strategy)
        # Where this worker writes: the run directory, or a private folder for a non-chief worker.
        self.output_dir = self.run_dir if self.is_chief else Path(tempfile.mkdtemp(prefix=f"lineart-color-{worker}-"))
        self.global_batch = config.data.batch_size
        if self.global_batch % self.strategy.num_replicas_in_sync:
            raise UserError(f"data.batch_size {self.global_batch} is not divisible by the "
                            f"{self.strategy.num_replicas_in_sync} replicas")
        with self.strategy.scope():
            self.generator, self.discriminator = task.build_models()
            self.generator_optimizer = _optimizer(config.optimizer.generator_lr, config)
            self.discriminator_optimizer = None
            if self.discriminator is not None:
                self.discriminator_optimizer = _optimizer(config.optimizer.discriminator_lr, config)
            self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self._build_weights()
        tracked = {"generator": variables_by_path(self.generator), "step": self.step,
                   "generator_optimizer": self.generator_optimizer}
        if self.discriminator is not None:
            tracked.update(discriminator=variables_by_path(self.discriminator),
                           discriminator_optimizer=self.discriminator_optimizer)
        self.checkpoint = tf.train.Checkpoint(**tracked)
        self.manager = tf.train.CheckpointManager(self.checkpoint, self.output_dir / "checkpoints",
                                                  max_to_keep=config.run.keep_checkpoints)
        self.history = summaries.LossHistory(self.output_dir / "history.jsonl")
        self._step_fn = None
        if not self._saved_checkpoints() and config.model.init_from is not None:
            self._warm_start(config.model.init_from)  # now, so a bad file is refused before anything is written

    # -- set-up --------------------------------------------------------------------------

    def _build_weights(self) -> None:
        """Create all model and optimizer variables now, so a checkpoint restores into them."""
        batch = self.strategy.experimental_local_results(next(self.distributed_batches(start_step=0)))[0]
        inputs, condition, truth = self.task.split(batch)
        with self.strategy.scope():
            self.task.generate(self.generator, inputs, training=False)
            self.generator_optimizer.build(self.generator.trainable_variables)
            if self.discriminator is not None:
                self.task.judge(self.discriminator, condition, truth, training=False)
                self.discriminator_optimizer.build(self.discriminator.trainable_variables)

    def _dataset(self, start: int) -> tf.data.Dataset:
        """Whole global batches from element `start` on, as one device would train on them."""
        return self.task.dataset(self.global_batch, start, SINGLE)

    def distributed_batches(self, start_step: int):
        """An iterator of global batches from `start_step` on, each input pipeline rendering only
        its replicas' share (data/stream.py)."""
        start = start_step * self.global_batch
        dataset_fn = lambda context: self.task.dataset(self.global_batch, start, context)
        return iter(self.strategy.distribute_datasets_from_function(dataset_fn))

    def restore(self) -> int:
        """Resume from the newest checkpoint if there is one; returns the step to continue from.

        A new run with model.init_from has started from that generator's weights (__init__).
        """
        saved = self._saved_checkpoints()
        for number, prefix in enumerate(saved):
            try:
                self.checkpoint.restore(str(prefix)).assert_existing_objects_matched()
            except (tf.errors.OpError, ValueError, AssertionError, IndexError) as error:  # IndexError: a file cut short
                reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
                print(f"note: checkpoint {prefix.name} is damaged ({reason}); trying an older one", file=sys.stderr)
                continue
            if number:
                print(f"note: resuming from {prefix.name}, the newest intact checkpoint", file=sys.stderr)
            break
        else:
            if saved:
                raise UserError(f"{self.run_dir / 'checkpoints'}: every checkpoint is damaged ({saved[0].name} the "
                                f"newest); remove the folder to start again")
        step = int(self.step.numpy())
        self.history.truncate_after(step)
        return step

    def _record_session(self, start: int) -> None:
        """One line of sessions.jsonl a start or resume: the step, the strategy asked for and the one
        used, and its replicas (a run may move between a CPU, GPUs and a TPU)."""
        line = {"step": start, "requested": self.requested_strategy, "strategy": type(self.strategy).__name__,
                "replicas": int(self.strategy.num_replicas_in_sync), "jit": bool(self.config.run.jit),
                "mixed_precision": self.config.run.mixed_precision}
        try:
            summaries.append_json_line(self.output_dir / "sessions.jsonl", line)
        except OSError as error:
            raise UserError(f"{self.output_dir / 'sessions.jsonl'}: cannot write it ({error.strerror})") from None

    def _saved_checkpoints(self) -> list[Path]:
        """The run's checkpoint prefixes (ckpt-N), newest first, found by their files, not by the
        "checkpoint" state file (which a crash may have damaged too)."""
        folder = self.run_dir / "checkpoints"
        numbers = sorted((int(index.stem.split("-")[1]) for index in folder.glob("ckpt-*.index")
                          if index.stem.split("-")[1].isdigit()), reverse=True)
        return [folder / f"ckpt-{number}" for number in numbers]

    def _warm_start(self, path: str) -> None:
        """Start this run's generator from another's weights: every variable whose path and shape match.

        The source is a .keras file, or a run directory: its newest checkpoint when it has one
        (a run still training, or one whose heads have since changed), else its generator.keras.
        Variables with no match (a new or reshaped head) keep their fresh initial values.
        """
        source = self._source_weights(path)
        matches = lambda variable: (variable.path in source
                                    and tuple(source[variable.path].shape) == tuple(variable.shape))
        for variable in filter(matches, self.generator.weights):
            variable.assign(source[variable.path])
        copied = sum(map(matches, self.generator.weights))
        if not copied:
            raise UserError(f"--init-from {path}: none of its weights fits this network (another network or layout)")
        fresh = [variable.path for variable in self.generator.weights if not matches(variable)]
        print(f"--init-from {path}: {copied} of {len(self.generator.weights)} weights copied"
              + (f"; starting fresh: {', '.join(fresh)}" if fresh else ""))

    def _source_weights(self, path: str) -> dict:
        """variable path -> value, from a run directory's newest checkpoint or a trained network file."""
        from lineart_color.models.files import load_network

        latest = tf.train.latest_checkpoint(str(Path(path) / "checkpoints")) if Path(path).is_dir() else None
        if latest is not None:
            reader = tf.train.load_checkpoint(latest)
            # variables_by_path names each variable by its path with "/" -> "."; checkpoints escape "." as ".."
            prefix, suffix = "generator/", "/.ATTRIBUTES/VARIABLE_VALUE"
            return {key[len(prefix):-len(suffix)].replace("..", "/"): reader.get_tensor(key)
                    for key in reader.get_variable_to_shape_map() if key.startswith(prefix) and key.endswith(suffix)}
        source = load_network(path, self.config.model.name, "--init-from")
        if getattr(source, "preset", self.config.model.preset) != self.config.model.preset:
            raise UserError(f"--init-from {path}: holds the {source.preset!r} preset, "
                            f"but this run trains {self.config.model.preset!r}")
        return {variable.path: variable.numpy() for variable in source.weights}

    # -- the step ------------------------------------------------------------------------

    def _replica_step(self, batch):
        if self.discriminator is None:
            return self._supervised_replica_step(batch)
        inputs, condition, truth = self.task.split(batch)
        with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
            outputs = self.task.generate(self.generator, inputs, training=True)
            real_logits = self.task.judge(self.discriminator, condition, truth, training=True)
            fake_logits = self.task.judge(self.discriminator, condition, self.task.judged(outputs), training=True)
            terms = self.task.generator_terms(outputs, truth, fake_logits)
            average = lambda per_example: tf.nn.compute_average_loss(per_example, global_batch_size=self.global_batch)
            generator_loss = average(tf.add_n(list(terms.values())))
            discriminator_loss = average(losses.discriminator_adversarial_loss(
                self.config.loss.adversarial, real_logits, fake_logits))
            scaled = [self._scale(self.generator_optimizer, generator_loss),
                      self._scale(self.discriminator_optimizer, discriminator_loss)]
        generator_grads = generator_tape.gradient(scaled[0], self.generator.trainable_variables)
        discriminator_grads = discriminator_tape.gradient(scaled[1], self.discriminator.trainable_variables)
        self.generator_optimizer.apply_gradients(zip(generator_grads, self.generator.trainable_variables))
        self.discriminator_optimizer.apply_gradients(zip(discriminator_grads, self.discriminator.trainable_variables))
        return {"generator": generator_loss, "discriminator": discriminator_loss,
                **{name: average(value) for name, value in terms.items()}}

    def _supervised_replica_step(self, batch):
        """A step for a task without a discriminator: the generator minimises the task's terms."""
        inputs, _, truth = self.task.split(batch)
        with tf.GradientTape() as tape:
            outputs = self.task.generate(self.generator, inputs, training=True)
            terms = self.task.generator_terms(outputs, truth, None)
            average = lambda per_example: tf.nn.compute_average_loss(per_example, global_batch_size=self.global_batch)
            loss = average(tf.add_n(list(terms.values())))
            scaled = self._scale(self.generator_optimizer, loss)
        grads = tape.gradient(scaled, self.generator.trainable_variables)
        self.generator_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return {"generator": loss, **{name: average(value) for name, value in terms.items()}}

    @staticmethod
    def _scale(optimizer, loss):
        return optimizer.scale_loss(loss) if isinstance(optimizer, keras.optimizers.LossScaleOptimizer) else loss

    def _distributed_step(self, batch):
        per_replica = self.strategy.run(self._replica_step, args=(batch,))
        self.step.assign_add(1)  # in the same graph as the update, so a checkpoint never splits them
        return {name: self.strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None)
                for name, value in per_replica.items()}

    def train_step(self, batch) -> dict[str, float]:
        if self._step_fn is None:
            self._step_fn = tf.function(self._distributed_step, jit_compile=self.config.run.jit or None)
        return {name: float(value) for name, value in self._step_fn(batch).items()}

    # -- the loop ------------------------------------------------------------------------

    def fit(self) -> int:
        """Train to config.run.steps, resuming if a checkpoint exists. Returns the final step."""
        run = self.config.run
        start = self.restore()
        if start >= run.steps:
            print(f"{self.run_dir}: already at step {start} of {run.steps}; nothing to do")
            self.finish()
            return start
        if start:
            print(f"resuming {self.run_dir} from step {start}")
        self._record_session(start)
        batches = self.distributed_batches(start_step=start)
        writer = tf.summary.create_file_writer(str(self.output_dir / "tensorboard"))
        step, timer = start, time.monotonic()
        try:
            with Progress(run.steps, "steps", start=start) as progress:
                while step < run.steps:
                    batch = next(batches)
                    values = self.train_step(batch)
                    step += 1
                    self._require_finite(values, step)
                    images_per_s = self.global_batch / max(time.monotonic() - timer, 1e-9)
                    timer = time.monotonic()
                    progress.advance(**self.task.progress_values(values), img_s=images_per_s)
                    if step % run.log_every == 0 or step == run.steps:
                        self.history.append(step, {**values, "images_per_s": images_per_s})
                        summaries.write_scalars(writer, step, values)
                    if step % run.image_every == 0:
                        self._write_samples(writer, step, batch)
                    if step % run.checkpoint_every == 0:
                        self._save(step)
        except KeyboardInterrupt:
            if self._broken_weight() is None:
                self.manager.save(checkpoint_number=int(self.step.numpy()))
                self.finish()
            raise
        self._save(step)
        self.finish()
        return step

    def _broken_weight(self) -> str | None:
        """The path of a network weight holding NaN or infinity, or None."""
        from lineart_color.models.files import non_finite_weight

        return non_finite_weight(*[model for model in (self.generator, self.discriminator) if model is not None])

    def _save(self, step: int) -> None:
        """A checkpoint, only of finite weights (a loss can still be finite in the step that broke them)."""
        broken = self._broken_weight()
        if broken is not None:
            self._stop_diverged(step, f"weight {broken} holds NaN or infinity")
        self.manager.save(checkpoint_number=step)

    def _require_finite(self, values: dict[str, float], step: int) -> None:
        """Stop at the first non-finite loss (module docstring)."""
        broken = [name for name, value in values.items() if not math.isfinite(value)]
        if broken:
            self._stop_diverged(step, f"the {broken[0]} loss is {values[broken[0]]}")

    def _stop_diverged(self, step: int, what: str) -> None:
        """Stop, saving nothing: the weights may be broken, and the newest checkpoint (written while
        every loss and weight was finite) stays the one to resume from."""
        saved = self._saved_checkpoints()
        kept = f"the newest checkpoint, {saved[0].name}, is kept" if saved else "no checkpoint was written yet"
        raise UserError(f"{self.run_dir}: step {step}: {what}; training stopped and saved nothing ({kept}); "
                        f"a lower learning rate may help")

    def _write_samples(self, writer, step: int, batch) -> None:
        local = self.strategy.experimental_local_results(batch)[0]
        inputs, _, _ = self.task.split(local)
        outputs = self.task.generate(self.generator, inputs, training=False)
        summaries.write_image_grid(writer, step, self.task.sample_rows(local, outputs))

    def finish(self) -> None:
        """Loss plot and the generator as a standalone .keras file (float32, whatever the training
        precision); a non-chief worker deletes its private folder instead."""
        from lineart_color.models.files import save_network

        if not self.is_chief:
            shutil.rmtree(self.output_dir, ignore_errors=True)
            return
        summaries.plot_losses(self.history.read(), self.run_dir / "losses.png")
        save_network(self.generator, self.run_dir / "generator.keras")
