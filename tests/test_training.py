"""Training and export end to end, on a tiny randomly initialised encoder and a few PTC articles."""

import json
import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="needs the train extra")
transformers = pytest.importorskip("transformers", reason="needs the train extra")

from propaganda_lens.detect.detector import Detector  # noqa: E402
from propaganda_lens.train.averaging import average_run, average_runs  # noqa: E402
from propaganda_lens.train.export import export  # noqa: E402
from propaganda_lens.train.loop import TrainSettings, keep_log_until, train  # noqa: E402

# torch's ONNX tracer warns about constant-folded shape checks that do not apply to encoders.
pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def tiny_ptc(ptc_folder, tmp_path_factory) -> Path:
    """A PTC folder with 6 train and 4 dev articles and their labels."""
    root = tmp_path_factory.mktemp("ptc")
    for split, count in (("train", 6), ("dev", 4)):
        articles = sorted((ptc_folder / f"{split}-articles").glob("article*.txt"))[:count]
        for kind in ("articles", "labels-task-si", "labels-task-flc-tc"):
            (root / f"{split}-{kind}").mkdir()
        for article in articles:
            shutil.copy(article, root / f"{split}-articles")
            stem = article.stem
            for kind, suffix in (("labels-task-si", "task-si"), ("labels-task-flc-tc", "task-flc-tc")):
                shutil.copy(ptc_folder / f"{split}-{kind}" / f"{stem}.{suffix}.labels", root / f"{split}-{kind}")
    return root


def test_train_resume_and_export_give_a_loadable_model(tiny_ptc, tiny_encoder, tmp_path):
    run = tmp_path / "run"
    settings = TrainSettings(
        ptc_folder=tiny_ptc, base_model=tiny_encoder, output=run, epochs=2, batch_size=8, checkpoint_every=2,
        log_every=1,
    )
    best = train(settings)
    log = [json.loads(line) for line in (run / "training_log.jsonl").read_text().splitlines()]
    epochs = [record for record in log if "dev" in record]
    assert [record["epoch"] for record in epochs] == [1, 2]
    top = max(epochs, key=lambda record: record["dev"]["si_f1"] + record["dev"]["tc_f1"])
    assert [record["epoch"] for record in epochs if record.get("best")][-1] == top["epoch"]
    saved = torch.load(best, weights_only=False)
    assert (saved["epoch"], saved["dev"]) == (top["epoch"], top["dev"])  # best.pt is the best epoch's
    assert (run / "checkpoint.pt").is_file()

    # A finished run resumes to the end without training again.
    assert train(settings, resume=True) == best
    assert len((run / "training_log.jsonl").read_text().splitlines()) == len(log)

    model = tmp_path / "model"
    scores = export(run, TrainSettings.of_run(run), model, "tiny")
    detector = Detector.from_disk(model)
    assert detector.config.decoding == scores.best_decoding
    text = "The corrupt elites lie to you every day, and they will destroy this nation."
    spans = detector.find_spans(text, threshold=0.0)  # every word is a span at threshold 0, even untrained
    assert spans and all(0 <= span.start < span.end <= len(text) and span.technique for span in spans)
    card = (model / "MODEL_CARD.md").read_text()
    assert "## Dev scores" in card and "--epochs 2" in card
    assert (model / "holdout.txt").read_text() == (run / "holdout.txt").read_text()  # ships with the model

    # The best and last epochs' weights, averaged, make another run folder that exports.
    averaged = tmp_path / "averaged"
    average_run(run, averaged)
    mean = torch.load(averaged / "best.pt", weights_only=False)["network"]
    first, last = (torch.load(run / name, weights_only=False)["network"] for name in ("best.pt", "checkpoint.pt"))
    name = next(key for key, value in mean.items() if value.is_floating_point())
    assert torch.allclose(mean[name], (first[name] + last[name]) / 2)
    averaged_scores = export(averaged, TrainSettings.of_run(averaged), tmp_path / "model-averaged", "tiny")
    recorded = json.loads((tmp_path / "model-averaged" / "evaluation.json").read_text())
    assert recorded["variants"][recorded["variant"]]["tc_f1"] == averaged_scores.tc.f1
    assert Detector.from_disk(tmp_path / "model-averaged").find_spans(text, threshold=0.0)

    # Several runs' best networks average into a soup, which counts as trained on dev when one run was.
    soup = tmp_path / "soup"
    average_runs([run, averaged], soup)
    soup_network = torch.load(soup / "best.pt", weights_only=False)["network"]
    assert torch.allclose(soup_network[name], (first[name] + mean[name]) / 2)
    assert not TrainSettings.of_run(soup).with_dev
    dev_run = tmp_path / "dev-run"
    shutil.copytree(averaged, dev_run)
    stored = torch.load(dev_run / "checkpoint.pt", weights_only=False)
    torch.save({"settings": {**stored["settings"], "with_dev": "True"}}, dev_run / "checkpoint.pt")
    average_runs([run, dev_run], soup)
    assert TrainSettings.of_run(soup).with_dev
    (dev_run / "holdout.txt").write_text("article111111111\n")
    with pytest.raises(ValueError, match="hold out different"):
        average_runs([run, dev_run], tmp_path / "refused")


def test_resuming_drops_log_records_after_the_checkpoint(tmp_path):
    log = tmp_path / "training_log.jsonl"
    records = [
        {"epoch": 1, "step": 10},
        {"epoch": 1, "dev": {}},
        {"epoch": 2, "step": 50},
        {"epoch": 2, "step": 60},
        {"epoch": 2, "dev": {}},
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    keep_log_until(log, epochs_done=1, step=50)  # checkpoint: 1 epoch done, 50 steps into the second
    assert [json.loads(line) for line in log.read_text().splitlines()] == records[:3]


def test_distilling_a_teacher_trains_on_its_soft_targets(tiny_ptc, tiny_encoder, tmp_path):
    from propaganda_lens.detect.encoding import load_tokenizer
    from propaganda_lens.train.examples import build_windows, load_split, teacher_targets

    split = load_split(tiny_ptc, "train")
    teacher = Detector.from_disk("fast")  # another tokenizer would do: targets are aligned by characters
    tokenizer = load_tokenizer(tiny_encoder / "tokenizer.json")
    targets = teacher_targets(teacher, split, tokenizer)
    some = next(iter(targets.values()))
    assert some.tags.shape[1] == 3 and abs(float(some.tags.sum(axis=1).mean()) - 1) < 1e-4
    windows = build_windows(split, tokenizer, teacher.config.techniques, 64, 48, 101, 102, targets)
    assert all(window.soft_tags.shape == (len(window.input_ids), 3) for window in windows)
    assert all(span.soft_label is not None for window in windows for span in window.spans)

    def losses(teacher: str | None) -> list[tuple[float, float]]:
        """The tag and span losses of each step, from the same initial weights and batches."""
        run = tmp_path / f"run-{teacher}"
        settings = TrainSettings(ptc_folder=tiny_ptc, base_model=tiny_encoder, output=run, epochs=1,
                                 batch_size=8, log_every=1, teacher=teacher, distill_weight=0.7)
        assert train(settings).is_file()
        records = [json.loads(line) for line in (run / "training_log.jsonl").read_text().splitlines()]
        return [(record["tag_loss"], record["span_loss"]) for record in records if "step" in record]

    alone, distilled = losses(None), losses("fast")
    # Training is deterministic, so the same run without a teacher logs the same losses. An untrained network's
    # tags are near uniform whatever the targets, but its technique head's span loss moves with the teacher's
    # technique distributions from the first step, and further as the network learns from them.
    assert len(alone) == len(distilled) > 1
    assert abs(alone[0][1] - distilled[0][1]) > 1e-3, (alone, distilled)
    assert abs(alone[-1][1] - distilled[-1][1]) > 1e-2, (alone, distilled)
    assert TrainSettings.of_run(tmp_path / "run-fast").teacher == "fast"


def test_technique_weights_lift_rare_techniques():
    from types import SimpleNamespace

    from propaganda_lens.train.loop import technique_weights

    windows = [SimpleNamespace(spans=[SimpleNamespace(label=0)] * 9 + [SimpleNamespace(label=1)])]
    assert technique_weights(windows, 3, 0.0) is None
    weights = technique_weights(windows, 3, 0.5).tolist()
    assert weights[1] > weights[0] and weights[2] >= weights[1]  # an unseen technique counts as seen once
    assert weights[0] == pytest.approx((10 / 3 / 9) ** 0.5)


def test_sentence_head_trains_on_whether_each_sentence_holds_a_span(tiny_ptc, tiny_encoder, tmp_path):
    from propaganda_lens.data import TECHNIQUES
    from propaganda_lens.detect.encoding import load_tokenizer
    from propaganda_lens.train.examples import build_windows, load_split

    split = load_split(tiny_ptc, "train")
    tokenizer = load_tokenizer(tiny_encoder / "tokenizer.json")
    windows = build_windows(split, tokenizer, TECHNIQUES, 64, 48, 101, 102)
    sentences = [(window, sentence) for window in windows for sentence in window.sentences]
    assert {sentence.label for _, sentence in sentences} == {0.0, 1.0}
    assert all(1 <= s.first < s.last <= len(w.input_ids) - 1 for w, s in sentences)

    settings = TrainSettings(ptc_folder=tiny_ptc, base_model=tiny_encoder, output=tmp_path / "run", epochs=1,
                             batch_size=8, log_every=1, checkpoint_every=2, sentence_weight=0.5)
    assert train(settings).is_file()
    steps = [json.loads(line) for line in (tmp_path / "run" / "training_log.jsonl").read_text().splitlines()]
    assert all(record["sentence_loss"] > 0 for record in steps if "step" in record)
    assert torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)["sentence_head"] is not None
    assert "sentence_head" not in torch.load(tmp_path / "run" / "best.pt", weights_only=False)  # not exported
    assert train(settings, resume=True).is_file()  # resumes with the head's state


def test_with_dev_trains_on_train_and_dev_and_keeps_the_last_epoch_unscored(tiny_ptc, tiny_encoder, tmp_path):
    from propaganda_lens.train.examples import joined, load_split

    train_split, dev_split = load_split(tiny_ptc, "train"), load_split(tiny_ptc, "dev")
    both = joined(train_split, dev_split)
    assert len(both.articles) == 10 and both.si.keys() == both.articles.keys() == both.techniques.keys()
    with pytest.raises(ValueError):
        joined(train_split, train_split)

    settings = TrainSettings(ptc_folder=tiny_ptc, base_model=tiny_encoder, output=tmp_path / "run", epochs=2,
                             batch_size=8, log_every=1, checkpoint_every=2, with_dev=True)
    assert train(settings).is_file()
    records = [json.loads(line) for line in (tmp_path / "run" / "training_log.jsonl").read_text().splitlines()]
    assert [(r["epoch"], r["dev"]) for r in records if "dev" in r] == [(1, None), (2, None)]
    assert torch.load(tmp_path / "run" / "best.pt", weights_only=False)["epoch"] == 2
    settings = TrainSettings.of_run(tmp_path / "run")
    assert settings.with_dev is True

    # Its export takes the decoding and weights fixed beforehand, never the best on dev, which it trained on.
    with pytest.raises(ValueError):
        export(tmp_path / "run", settings, tmp_path / "model", "tiny", "int8")
    fixed = Detector.from_disk("fast").config.decoding
    export(tmp_path / "run", settings, tmp_path / "model", "tiny", "int8", fixed)
    assert Detector.from_disk(tmp_path / "model").config.decoding == fixed
    card = (tmp_path / "model" / "MODEL_CARD.md").read_text()
    assert "train and dev, 446 articles" in card and "training figures" in card and "--with-dev" in card
    assert "Model selection and every number below" not in card


def test_model_card_commands_carry_the_options_a_model_was_made_with(tiny_encoder):
    from propaganda_lens.train.model_card import export_arguments, train_arguments

    settings = TrainSettings(ptc_folder=Path("ptc"), base_model=tiny_encoder, output=Path("run"),
                             sentence_weight=0.5, technique_weight_power=0.3, teacher="accurate", with_dev=True)
    assert train_arguments(settings).endswith(" --with-dev")
    assert {"--sentence-weight 0.5", "--technique-weight-power 0.3", "--teacher accurate"} <= set(
        " ".join(pair) for pair in zip(*[iter(train_arguments(settings).split())] * 2)
    )
    assert export_arguments(settings, None) == ""
    settings.window_stride = 254
    assert export_arguments(settings, "int8") == " --weights int8 --window-stride 254"


def test_export_keeps_only_decodings_whose_spans_a_reader_accepts():
    from propaganda_lens.data import Article, Span
    from propaganda_lens.detect.encoding import Decoding
    from propaganda_lens.train.evaluation import readable_decodings
    from propaganda_lens.train.examples import Split

    split = Split({"1": Article(id="1", text="x" * 200)}, {"1": [Span(0, 10), Span(20, 30)]}, {"1": []})
    short, long = Decoding(0.3), Decoding(0.2, join_gap=1000)
    located = {short: {"1": [Span(0, 12), Span(20, 31)]}, long: {"1": [Span(0, 31)]}}
    assert readable_decodings(split, located) == [short]  # 31 characters > 1.5 x the gold median of 10
    assert readable_decodings(split, {long: located[long]}) == [long]  # none is: all stay
