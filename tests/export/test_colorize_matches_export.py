"""`colorize` and `export` run one computation: for every method that exports, the SavedModel
export writes, loaded by TensorFlow alone in another process and fed what colorize feeds its
graph, gives colorize's colours. (Only the SavedModel: TF.js conversion of it is tested in
test_export.py.)"""

import keras
import numpy as np
import pytest

from lineart_color.colorizers import FrameInputs, shot_motion, stack_inputs
from lineart_color.commands.colorize import make_colorizer
from lineart_color.commands.export import load_networks, write_saved_model
from lineart_color.data import openmoji
from lineart_color.data.shots import read_shot
from lineart_color.models.correspondence import CorrespondenceNetwork
from lineart_color.models.lcmftn import LCMFTN
from lineart_color.layers.self_attention import SelfAttention2D
from lineart_color.models.sa_unet import SAUNet
from test_export import _run_fresh


@pytest.fixture(scope="module")
def moji_shot(tmp_path_factory):
    shot = openmoji.MojiShot.sample(openmoji.shot_rng(21, 0), openmoji.emoji_codes("val"), 4, 40, motion=2.0)
    return read_shot(openmoji.write_moji_shot(tmp_path_factory.mktemp("moji") / "shot", shot, keyframes=[0, 3]))


@pytest.fixture(scope="module")
def chooser_file(tmp_path_factory):
    keras.utils.set_random_seed(4)
    network = CorrespondenceNetwork.from_preset("choice-tiny").ensure_built()
    kernel = network.chooser.correction.kernel
    kernel.assign(np.random.default_rng(4).normal(0.0, 0.5, kernel.shape))  # the learned part switched on
    path = tmp_path_factory.mktemp("choice") / "choice.keras"
    network.save(path)
    return path


@pytest.fixture(scope="module")
def lcmftn_file(tmp_path_factory):
    keras.utils.set_random_seed(5)
    path = tmp_path_factory.mktemp("lcmftn") / "lcmftn.keras"
    LCMFTN("small").ensure_built().save(path)
    return path


@pytest.fixture(scope="module")
def sa_unet_file(tmp_path_factory):
    keras.utils.set_random_seed(6)
    network = SAUNet("small", widths=(8, 16, 32, 64)).ensure_built()
    for layer in network.unet._flatten_layers():  # attention switched on (it starts as the identity)
        if isinstance(layer, SelfAttention2D):
            layer.gamma.assign(0.5)
    path = tmp_path_factory.mktemp("sa_unet") / "sa_unet.keras"
    network.save(path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("method", ["ctn", "ctn+tcn", "corr", "lcmftn", "sa-unet"])
def test_the_exported_saved_model_gives_colorize_s_colours(method, moji_shot, networks, chooser_file, lcmftn_file,
                                                           sa_unet_file, tmp_path):
    model = {"corr": chooser_file, "lcmftn": lcmftn_file, "sa-unet": sa_unet_file}.get(method, networks["ctn_run"])
    temporal = networks["tcn_file"] if method == "ctn+tcn" else None
    names = [name for name in moji_shot.names if name not in moji_shot.keyframes]
    coloured = dict(make_colorizer(method, str(model), temporal and str(temporal)).colour_frames(moji_shot, names))

    loaded = load_networks(model, temporal)  # what export writes, less the TF.js conversion
    write_saved_model(*loaded, None, tmp_path / "bundle" / "saved_model")
    motion = shot_motion(moji_shot) if method == "corr" else None
    inputs = stack_inputs([FrameInputs(moji_shot, name, motion) for name in names])
    if method == "sa-unet":  # the line art alone
        inputs = inputs[:1]
    keys = ("line", "ref_color", "ref_line", "priors")[: len(inputs)]
    results = _run_fresh(tmp_path / "bundle", {"shot": dict(zip(keys, inputs))}, tmp_path)

    exported = results["shot/colorize"][:, :40, :40]
    ours = np.stack([coloured[name] for name in names])
    same = np.abs(exported - ours).max(axis=-1) < 1e-4
    assert same.mean() > 0.999, same.mean()  # a hard choice may tie the other way at a pixel
