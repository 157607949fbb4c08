"""Multi-worker training for real: two processes on 127.0.0.1 under MultiWorkerMirroredStrategy
(TF_CONFIG set per process) train as one process does, and each renders only its share."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from lineart_color.models.files import load_network

pytestmark = pytest.mark.slow

STEPS = 3

# `lineart-color train`, with every element the motion cache hands out logged to a file.
LOGGED_TRAIN = textwrap.dedent("""
    import sys
    from lineart_color.data.motion_cache import MotionCache
    from lineart_color.cli import main

    element = MotionCache.element
    def logged_element(self, index, seed, size=None):
        with open(sys.argv[1], "a") as log:
            print(index, file=log)
        return element(self, index, seed, size)
    MotionCache.element = logged_element
    sys.exit(main(sys.argv[2:]))
""")


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _train(run_dir, cache, log, tf_config=None):
    env = {key: value for key, value in os.environ.items() if key != "TF_CONFIG"}
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    command = [sys.executable, "-c", LOGGED_TRAIN, str(log), "train", "--run-dir", str(run_dir),
               "--preset", "corr-choice-tiny", "--data", str(cache), "--steps", str(STEPS)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _rendered(log):
    return [int(line) for line in log.read_text().split()]


def _losses(run_dir):
    return [json.loads(line) for line in (run_dir / "history.jsonl").read_text().splitlines()]


def test_two_workers_train_like_one_and_each_renders_only_its_share(motion_cache, tmp_path):
    single = _train(tmp_path / "single", motion_cache, tmp_path / "single.log")
    output = single.communicate(timeout=600)[0]
    assert single.returncode == 0, output[-3000:]

    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    processes = [_train(tmp_path / "multi", motion_cache, tmp_path / f"worker{index}.log",
                        {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})
                 for index in range(2)]
    outputs = [process.communicate(timeout=600)[0] for process in processes]
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output[-3000:]
    assert "2 replica(s)" in outputs[0]

    # The global batch is 2 (preset corr-choice-tiny): element 2b is worker 0's, 2b + 1 worker 1's.
    # Each renders a little ahead (prefetch), but never the other's elements.
    shares = [set(_rendered(tmp_path / f"worker{index}.log")) for index in range(2)]
    assert all(element % 2 == 0 for element in shares[0]) and all(element % 2 == 1 for element in shares[1])
    assert set(range(2 * STEPS)) <= shares[0] | shares[1]
    assert set(range(2 * STEPS)) <= set(_rendered(tmp_path / "single.log"))

    # The same losses each step and the same network: the workers' gradients are summed over
    # the one global batch (measured: weights at most 3e-8 apart, float sums in another order).
    for two, one in zip(_losses(tmp_path / "multi"), _losses(tmp_path / "single"), strict=True):
        assert two["step"] == one["step"]
        np.testing.assert_allclose(two["generator"], one["generator"], rtol=1e-5)
    multi, alone = load_network(tmp_path / "multi", "corr"), load_network(tmp_path / "single", "corr")
    differences = np.concatenate([np.abs(a.numpy() - b.numpy()).ravel() for a, b in zip(multi.weights, alone.weights)])
    assert differences.max() < 1e-5, differences.max()
    # Only the chief wrote the run directory; the other worker cleaned up after itself.
    assert sorted(path.name for path in (tmp_path / "multi").iterdir()) == sorted(
        path.name for path in (tmp_path / "single").iterdir())
