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
    assert (tmp_path / "run" / "generator.keras").is_file()
    outputs = "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []))
    assert "done at step 2" in outputs
