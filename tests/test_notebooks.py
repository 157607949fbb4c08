"""The notebooks run, end to end, at tiny sizes."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = [Path(__file__).parent.parent / "notebooks" / "train_ctn.ipynb"]  # by name: a lost notebook fails


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs_at_tiny_size(path, tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_TINY", "1")
    monkeypatch.setenv("NOTEBOOK_RUN_DIR", str(tmp_path / "run"))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    import json

    run = tmp_path / "run"
    printed = "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []))
    assert "training on: cpu; preset ctn-tiny" in printed  # it looked for an accelerator and found none here
    assert (run / "generator.keras").is_file() and (run / "losses.png").is_file()
    steps = [json.loads(line)["step"] for line in (run / "history.jsonl").read_text().splitlines()]
    assert steps[-1] == 2  # trained to the tiny run's last step


@pytest.mark.slow
def test_colorize_and_export_notebook_makes_its_files(tmp_path, monkeypatch):
    """Colour a shot, show it, score it beside the floors and export it: the files it makes."""
    import json

    from PIL import Image

    path = Path(__file__).parent.parent / "notebooks" / "colorize_and_export.ipynb"
    monkeypatch.setenv("NOTEBOOK_TINY", "1")
    monkeypatch.setenv("NOTEBOOK_OUT", str(tmp_path / "work"))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    work = tmp_path / "work"
    assert sorted(p.name for p in (work / "coloured").iterdir()) == ["0000.png", "0001.png", "0002.png", "0003.png"]
    assert Image.open(work / "sheet.png").size[1] > 3 * 64  # line art, colouring and truth rows
    gif = Image.open(work / "coloured.gif")
    assert gif.n_frames == 4
    scores = json.loads((work / "scores.json").read_text())
    assert {"nearest", "bucket", "flow"} < set(scores) and all(0 <= row["flat_accuracy"] <= 1 for row in scores.values())
    manifest = json.loads((work / "export" / "manifest.json").read_text())
    assert manifest["input_size"] == {"height": 64, "width": 64}
    assert (work / "export" / "tfjs" / "model.json").is_file()
    # the sheet and the GIF are shown inline
    shown = [output for cell in notebook.cells for output in cell.get("outputs", []) if "image/png" in output.get("data", {})]
    assert len(shown) >= 1
