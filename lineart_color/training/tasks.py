"""The task that trains each network kind (config.model.name)."""

from __future__ import annotations

from lineart_color.training.config import TrainConfig


def make_task(config: TrainConfig):
    """The task for config.model.name: ctn, tcn (stage 2), corr (the correspondence colourer), lcmftn, memo,
    sa-unet (the reference-free colouriser) or cyclegan (the line extractor)."""
    if config.model.name == "tcn":
        from lineart_color.training.tcn_task import TCNTask

        return TCNTask(config)
    if config.model.name == "memo":
        from lineart_color.training.memo_task import MemoTask

        return MemoTask(config)
    if config.model.name == "lcmftn":
        from lineart_color.training.lcmftn_task import LCMFTNTask

        return LCMFTNTask(config)
    if config.model.name == "sa-unet":
        from lineart_color.training.sa_unet_task import SAUNetTask

        return SAUNetTask(config)
    if config.model.name == "cyclegan":
        from lineart_color.training.cyclegan_task import CycleGANTask

        return CycleGANTask(config)
    if config.model.name == "corr":
        from lineart_color.training.correspondence_task import CorrespondenceTask

        return CorrespondenceTask(config)
    from lineart_color.training.ctn_task import CTNTask

    return CTNTask(config)
