"""What the no-keyframe tables share (memo_table.py, reference_free_table.py): scoring a method's
in-betweens as `evaluate` does, with its time, and printing a set's table."""

from __future__ import annotations

import time


def score_method(shots, method: str, make_outputs) -> tuple[dict, dict]:
    """(evaluate's row for `method` plus seconds_per_frame, the outputs) for make_outputs() ->
    {shot name: {frame: colour}} of the frames that are not keyframes (keyframes are not scored)."""
    from lineart_color.commands.evaluate import evaluate

    started = time.perf_counter()
    outputs = make_outputs()
    seconds = time.perf_counter() - started

    def predict(shot):  # keyframes as they are, the rest from the method
        return {name: outputs[shot.path.name].get(name, shot.truth(name)) for name in shot.names}

    row = evaluate(shots, {method: predict})[method]
    row["seconds_per_frame"] = seconds / max(row["frames"], 1)
    return row, outputs


def print_table(set_name: str, results: dict, ours: str) -> None:
    """One markdown table: frames, PSNR, SSIM, flat acc and seconds per frame; every row but `ours` a floor."""
    print(f"\n**{set_name}**\n\n| method | frames | PSNR | SSIM | flat acc | s/frame |\n|---|---:|---:|---:|---:|---:|")
    for method, row in results.items():
        label = method if method == ours else f"floor: {method}"
        print(f"| {label} | {row['frames']} | {row['psnr']:.2f} | {row['ssim']:.3f} | "
              f"{row['flat_accuracy']:.3f} | {row['seconds_per_frame']:.3f} |")
