"""The correspondence colourer: shapes, exact keyframe paints, the global match by hand, saving."""

import keras
from keras import ops
import numpy as np
import pytest
import tensorflow as tf

from lineart_color.models.correspondence import PRESETS, CorrespondenceNetwork, GlobalMatch, dummy_inputs


@pytest.fixture(scope="module")
def tiny():
    return CorrespondenceNetwork.from_preset("tiny", chunk_size=32).ensure_built()


@pytest.mark.parametrize("batch, height, width, refs", [(1, 16, 24, 1), (3, 40, 24, 2), (2, 24, 56, 3)])
def test_shapes_at_non_square_sizes(tiny, batch, height, width, refs):
    outputs = tiny(dummy_inputs(batch, height, width, refs, seed=0))
    assert outputs["color"].shape == (batch, height, width, 3)
    assert outputs["flows"].shape == (batch, refs, height, width, 2)
    assert outputs["choice"].shape == (batch, height, width, refs)
    np.testing.assert_allclose(np.asarray(outputs["choice"]).sum(axis=-1), 1.0, atol=1e-5)
    assert [level.shape[1:3] for level in outputs["levels"]] == [(height // 8, width // 8), (height // 4, width // 4),
                                                                (height // 2, width // 2)]


def test_unknown_batch_size_frame_size_and_keyframe_count_in_a_traced_signature(tiny):
    spec = lambda *shape: tf.TensorSpec(shape, tf.float32)
    signature = [{"line": spec(None, None, None, 1), "ref_color": spec(None, None, None, None, 3),
                  "ref_line": spec(None, None, None, None, 1)}]
    traced = tf.function(lambda x: tiny(x)["color"], input_signature=signature)
    assert traced(dummy_inputs(2, 32, 48, 2, seed=1)).shape == (2, 32, 48, 3)
    assert traced(dummy_inputs(1, 16, 16, 1, seed=1)).shape == (1, 16, 16, 3)


def test_every_painted_output_pixel_is_a_keyframe_pixel(tiny):
    inputs = dummy_inputs(2, 32, 40, 2, seed=4)
    inputs["line"][:] = 1.0  # no lines anywhere: the output is keyframe paint alone
    inputs["ref_line"][:] = 1.0
    out = np.asarray(tiny(inputs)["color"])
    for example in range(2):
        palette = {tuple(c) for c in inputs["ref_color"][example].reshape(-1, 3)}
        assert {tuple(c) for c in out[example].reshape(-1, 3)} <= palette


def test_the_global_match_finds_a_shift_of_cells_by_hand():
    match = GlobalMatch(dim=32, chunk_size=16)
    rng = np.random.default_rng(0)
    key = rng.standard_normal((1, 6, 7, 24)).astype(np.float32)
    target = np.roll(key, shift=(-1, 2), axis=(1, 2))  # target cell (y, x) = key cell (y + 1, x - 2)
    match.build([target.shape, key.shape])
    match.project.set_weights([np.eye(24, 32)[None, None].astype(np.float32), np.zeros(32, np.float32)])
    match.log_scale.assign(6.0)  # a sharp softmax: the expectation is the best cell
    flow, evidence, query, keys = match([target, key])
    inner = np.asarray(flow)[0, 1:4, 3:5]  # cells whose match is not wrapped around by np.roll
    np.testing.assert_allclose(inner, np.tile([-2.0, 1.0], (3, 2, 1)), atol=1e-3)
    # the log-likelihood of the true cell is the log-softmax computed by hand
    index = np.arange(42).reshape(1, -1)
    scores = np.einsum("bqc,bnc->bqn", np.asarray(query), np.asarray(keys)) * np.exp(6.0)
    by_hand = scores[0, np.arange(42), index[0]] - np.log(np.exp(scores[0] - scores[0].max(-1, keepdims=True)).sum(-1)) \
        - scores[0].max(-1)
    np.testing.assert_allclose(np.asarray(match.log_likelihood(query, keys, index))[0], by_hand, rtol=1e-4, atol=1e-3)


def test_config_keeps_resolved_values_and_save_reload(tiny, tmp_path):
    config = tiny.get_config()
    assert config["widths"] == PRESETS["tiny"]["widths"] and config["radius"] == 1 and config["chunk_size"] == 32
    clone = CorrespondenceNetwork.from_config({**config, "radius": 2}).ensure_built()
    assert clone.radius == 2 and clone.refiners[0].radius == 2 and clone.count_params() > tiny.count_params()
    path = tmp_path / "corr.keras"
    tiny.save(path)
    reloaded = keras.saving.load_model(path)
    inputs = dummy_inputs(2, 24, 32, 2, seed=3)
    for key in ("color", "flows", "choice"):
        np.testing.assert_allclose(np.asarray(reloaded(inputs)[key]), np.asarray(tiny(inputs)[key]), atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="preset must be one of"):
        CorrespondenceNetwork.from_preset("huge")
    with pytest.raises(ValueError, match="widths"):
        CorrespondenceNetwork(widths=(8, 8))
    with pytest.raises(ValueError, match="fill_steps"):
        CorrespondenceNetwork(fill_steps=-1)


def _priors(seed: int, batch: int, refs: int, count: int, height: int, width: int, max_cost: float = 0.4):
    """Random prior warps [B, K, P, H, W, 3]: flows of a few pixels and costs in [0, max_cost)."""
    rng = np.random.default_rng(seed)
    flows = rng.normal(0.0, 3.0, (batch, refs, count, height, width, 2))
    costs = rng.uniform(0.0, max_cost, (batch, refs, count, height, width, 1))
    return np.concatenate([flows, costs], axis=-1).astype(np.float32)


def test_prior_warps_are_candidates_beside_the_network_s_own(tiny):
    inputs = dummy_inputs(2, 24, 32, 2, seed=5)
    alone = tiny(inputs)
    priors = _priors(6, 2, 2, 3, 24, 32)
    both = tiny({**inputs, "priors": priors})
    assert both["flows"].shape == (2, 8, 24, 32, 2) and both["choice"].shape == (2, 24, 32, 8)
    flows = np.asarray(both["flows"]).reshape(2, 2, 4, 24, 32, 2)  # keyframe-major: own flow, then the priors
    np.testing.assert_allclose(flows[:, :, 0], np.asarray(alone["flows"]), atol=1e-5)
    np.testing.assert_array_equal(flows[:, :, 1:], priors[..., :2])
    inputs["line"][:] = 1.0  # no lines: every output pixel is a pixel of one of the keyframes
    inputs["ref_line"][:] = 1.0
    out = np.asarray(tiny({**inputs, "priors": priors})["color"])
    for example in range(2):
        palette = {tuple(c) for c in inputs["ref_color"][example].reshape(-1, 3)}
        assert {tuple(c) for c in out[example].reshape(-1, 3)} <= palette


def test_an_untrained_choice_is_the_cheapest_prior_warp_as_in_the_flow_colourer():
    network = CorrespondenceNetwork.from_preset("tiny", chunk_size=32).ensure_built()  # fresh: correction at zero
    inputs = dummy_inputs(2, 24, 32, 2, seed=7)
    priors = _priors(8, 2, 2, 2, 24, 32)  # costs below the own flows' offset, so a prior is always cheapest
    choice = np.asarray(network({**inputs, "priors": priors})["choice"]).reshape(2, 24, 32, 2, 3)
    costs = np.moveaxis(priors[..., 2], (1, 2), (3, 4))  # [B, H, W, K, P]
    np.testing.assert_array_equal(choice[..., 1:].reshape(2, 24, 32, 4).argmax(-1), costs.reshape(2, 24, 32, 4).argmin(-1))
    assert choice[..., 0].max() < 0.01  # the network's own flows are not trusted before training


def test_the_choice_learns_a_correction_that_overrules_the_cost():
    keras.utils.set_random_seed(1)
    network = CorrespondenceNetwork.from_preset("tiny", chunk_size=32).ensure_built()
    network.chooser.log_scale.assign(0.0)  # a gentle cost, so a few steps can overrule it
    inputs = {**dummy_inputs(1, 16, 16, 1, seed=9), "priors": _priors(10, 1, 1, 1, 16, 16, max_cost=0.01)}
    own_trust = lambda: network(inputs)["choice"][..., 0]  # the prior is cheaper: the own flow is distrusted
    assert float(ops.max(own_trust())) < 0.5
    fixed = {network.chooser.log_scale.path, network.chooser.own_offset.path}
    correction = [w for w in network.chooser.trainable_weights if w.path not in fixed]  # the correction learns, not the cost
    optimizer = keras.optimizers.Adam(0.01)
    for _ in range(60):
        with tf.GradientTape() as tape:
            loss = -ops.mean(ops.log(own_trust()))
        optimizer.apply(tape.gradient(loss, correction), correction)
    assert float(ops.mean(own_trust())) > 0.9


def test_untrained_with_the_flow_s_warps_it_colours_as_the_flow_colourer(tmp_path):
    """The correction starts at zero, so before training the network is the flow colourer."""
    from lineart_color.colorizers import FlowWarp, NetworkColorizer, colorize_shot
    from lineart_color.data import openmoji
    from lineart_color.data.shots import read_shot

    shot = openmoji.MojiShot.sample(openmoji.shot_rng(5, 0), openmoji.emoji_codes("val"), 5, 96, motion=2.0)
    shot = read_shot(openmoji.write_moji_shot(tmp_path / "shot", shot, keyframes=[0, 4]))
    network = CorrespondenceNetwork.from_preset("tiny").ensure_built()
    names = list(shot.names[1:4])
    # as colorize writes them: the line art laid as ink (in the graph for the network)
    ours = colorize_shot(shot, NetworkColorizer(network, name="corr", priors=True))
    flow = colorize_shot(shot, FlowWarp())
    for name in names:
        same = np.all(np.abs(ours[name] - flow[name]) < 2 / 255, axis=-1)
        assert same.mean() > 0.97, (name, same.mean())  # paint under lines is filled a little differently


def test_trained_on_region_priors_it_is_given_match_s_warps_and_untrained_chooses_as_match(tmp_path):
    """A chooser made with region_priors gets each region moved as a whole as a third warp a keyframe;
    untrained, it picks the cheapest warp, as match does: on a sign turned 60 degrees, which the
    flow alone cannot follow, it is match's picture, not flow's."""
    from drawings import turned_sign
    from lineart_color import flow, metrics
    from lineart_color.colorizers import FlowWarp, FrameInputs, NetworkColorizer, colorize_shot, shot_motion
    from lineart_color.data.shots import frame_names, read_shot, write_shot

    frames = [turned_sign(angle, size=96, centre=(48.0, 48.0), half=(30.0, 15.0)) for angle in np.linspace(0, 60, 5)]
    names = frame_names(5)
    colours = [colour for colour, _ in frames]
    shot = read_shot(write_shot(tmp_path / "sign", names, [line for _, line in frames],
                                {names[0]: colours[0], names[-1]: colours[-1]}, colours))
    network = CorrespondenceNetwork.from_preset("choice-tiny", region_priors=True).ensure_built()
    assert CorrespondenceNetwork.from_config(network.get_config()).region_priors
    assert FrameInputs(shot, names[2], shot_motion(shot, shapes=True)).priors.shape == (2, 3, 96, 96, 3)
    ours = colorize_shot(shot, NetworkColorizer(network, name="corr", priors=True))
    candidates_of = FlowWarp(shapes=True).candidates(shot)
    accuracy = lambda colour, name: np.divide(*metrics.flat_accuracy_counts(colour, shot.truth(name), shot.line(name)))
    for name in names[1:4]:
        motion, candidates = candidates_of(name)
        theirs = flow.colour_from_candidates(motion.lines[name], candidates, motion.full_size_image(name))
        same = np.all(np.abs(ours[name] - theirs) < 2 / 255, axis=-1)
        assert same.mean() > 0.97, (name, same.mean())
        assert accuracy(ours[name], name) > 0.95


@pytest.fixture(scope="module")
def chooser_only():
    return CorrespondenceNetwork.from_preset("choice-tiny").ensure_built()


def test_without_a_matcher_it_chooses_among_the_prior_warps_alone(chooser_only, tmp_path):
    assert not hasattr(chooser_only, "global_match")
    inputs = dummy_inputs(2, 24, 32, 2, seed=11)
    with pytest.raises(ValueError, match="give priors"):
        chooser_only(inputs)
    priors = _priors(12, 2, 2, 2, 24, 32)
    out = chooser_only({**inputs, "priors": priors})
    assert out["flows"].shape == (2, 4, 24, 32, 2) and out["choice"].shape == (2, 24, 32, 4)
    assert "levels" not in out and "match" not in out
    np.testing.assert_array_equal(np.asarray(out["flows"]).reshape(2, 2, 2, 24, 32, 2), priors[..., :2])
    # untrained, the cheapest prior warp wins, as in the flow colourer
    costs = np.moveaxis(priors[..., 2], (1, 2), (3, 4)).reshape(2, 24, 32, 4)
    np.testing.assert_array_equal(np.asarray(out["choice"]).argmax(-1), costs.argmin(-1))
    # the output is, pixel by pixel, the drawing of the candidate chosen
    drawn, best = np.asarray(out["drawn"]), np.asarray(out["choice"]).argmax(-1)
    picked = np.take_along_axis(np.moveaxis(drawn, 1, 3), best[..., None, None], axis=3)[..., 0, :]
    np.testing.assert_allclose(np.asarray(out["color"]), picked, atol=1e-6)
    # the config keeps the resolved values and a saved file behaves the same
    config = chooser_only.get_config()
    assert config["own_flow"] is False and config["choice_width"] == 8 and config["fill_steps"] == 2
    chooser_only.save(tmp_path / "choice.keras")
    reloaded = keras.saving.load_model(tmp_path / "choice.keras")
    np.testing.assert_allclose(np.asarray(reloaded({**inputs, "priors": priors})["choice"]),
                               np.asarray(out["choice"]), atol=1e-5)


def test_the_choice_weighs_all_candidates_together(chooser_only):
    """A candidate's logit depends on the other candidates' features, not only on its own."""
    network = CorrespondenceNetwork.from_config(chooser_only.get_config()).ensure_built()
    network.chooser.correction.kernel.assign(np.random.default_rng(0).normal(0, 0.3, network.chooser.correction.kernel.shape))
    inputs = {**dummy_inputs(1, 16, 16, 2, seed=13), "priors": _priors(14, 1, 2, 2, 16, 16)}
    before = np.asarray(network(inputs)["choice"])
    changed = inputs["priors"].copy()
    changed[:, 1, 1, ..., :2] += 5.0  # move only the last candidate
    after = np.asarray(network({**inputs, "priors": changed})["choice"])
    logit = lambda p: np.log(p[..., 0] / p[..., 1])  # the first two candidates' relative trust
    assert np.abs(logit(after) - logit(before)).max() > 1e-3


@pytest.mark.parametrize("height, width, expected", [(256, 256, (256, 256)), (512, 512, (512, 512)),
                                                     (1088, 1920, (392, 688)), (8, 8, (8, 8)),
                                                     (4096, 4096, (512, 512))])
def test_the_choice_s_working_size_is_the_frame_s_own_up_to_a_quarter_megapixel(height, width, expected):
    from lineart_color.models.correspondence import working_size

    found = tuple(int(n) for n in working_size(height, width))
    assert found == expected and found[0] % 8 == 0 and found[1] % 8 == 0


def test_a_frame_above_the_working_size_is_chosen_small_and_copied_at_full_size():
    # two prior warps to one keyframe: the first cheap on the left half, the second on the right
    height, width = 48, 64
    rng = np.random.default_rng(3)
    inputs = {"line": np.ones((1, height, width, 1), np.float32),
              "ref_line": np.ones((1, 1, height, width, 1), np.float32),
              "ref_color": rng.integers(0, 4, (1, 1, height, width, 3)).astype(np.float32) / 3.0}
    priors = np.zeros((1, 1, 2, height, width, 3), np.float32)
    priors[0, 0, 0, ..., 0], priors[0, 0, 1, ..., 0] = 2.0, -3.0  # shifts of 2 px and -3 px: different pixels
    left = np.arange(width) < width // 2
    priors[0, 0, 0, :, ~left, 2], priors[0, 0, 1, :, left, 2] = 0.5, 0.5
    full = CorrespondenceNetwork.from_preset("choice-tiny").ensure_built()
    small = CorrespondenceNetwork.from_preset("choice-tiny", work_pixels=24 * 32)
    small.ensure_built().set_weights(full.get_weights())
    at_full, at_work = full({**inputs, "priors": priors}), small({**inputs, "priors": priors})
    assert at_work["color"].shape == (1, height, width, 3) and at_work["choice"].shape == (1, height, width, 2)
    picked = lambda out: np.asarray(out["choice"])[0].argmax(-1)
    assert (picked(at_full) == np.where(left, 0, 1)).all()  # the cheaper warp on each side
    agree = picked(at_work) == picked(at_full)
    assert agree[:, np.abs(np.arange(width) - width // 2) > 2].all()  # the same choice away from the seam
    # every pixel is a keyframe pixel carried at full size: the copied paint is not resampled
    drawn = np.asarray(at_full["drawn"])[0]  # [C, H, W, 3]
    expected = np.where(picked(at_work)[..., None] == 0, drawn[0], drawn[1])
    np.testing.assert_array_equal(np.asarray(at_work["color"])[0], expected)
    assert small.get_config()["work_pixels"] == 24 * 32
