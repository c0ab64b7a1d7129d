"""The README's model figures are those of the models' evaluation.json (tools/readme_figures.py writes them)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_figures():
    spec = importlib.util.spec_from_file_location("readme_figures", ROOT / "tools" / "readme_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_shows_the_figures_of_evaluation_json():
    tool = readme_figures()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = {match.group(2): match.group(3) for match in tool.BLOCK.finditer(readme)}
    assert set(blocks) == set(tool.BLOCKS) and all(blocks.values())
    assert tool.rendered(readme) == readme, "run: python tools/readme_figures.py"


def test_the_models_command_reads_its_speed_from_evaluation_json(tmp_path):
    import json
    import shutil

    from propaganda_lens.detect.detector import recorded_speed, shipped_model_path

    folder = tmp_path / "model"
    shutil.copytree(shipped_model_path("ptc-minilm"), folder, ignore=shutil.ignore_patterns("*.onnx"))
    evaluation = json.loads((folder / "evaluation.json").read_text(encoding="utf-8"))
    evaluation["speed"]["articles_per_s"] = 12.345
    (folder / "evaluation.json").write_text(json.dumps(evaluation), encoding="utf-8")
    assert recorded_speed(folder) == "12.35 articles/s"
    del evaluation["speed"]
    (folder / "evaluation.json").write_text(json.dumps(evaluation), encoding="utf-8")
    assert recorded_speed(folder) == "not measured"
