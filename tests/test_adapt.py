"""`adapt`: a model refitted on reviewed spans on top of (a small slice of) PTC train loads everywhere, its
technique for a corrected span moves towards the correction, bad corrections are named one line each, and the
command's errors are one line."""

import json
import shutil

import numpy as np
import pytest
from conftest import assert_one_line_error
from typer.testing import CliRunner

from propaganda_lens.cli.main import app
from propaganda_lens.data import Correction, Span, text_sha256
from propaganda_lens.detect.detector import Detector, model_folder, model_version
from propaganda_lens.review.adapt import (
    CORRECTIONS_FILE,
    AdaptError,
    ReviewedArticle,
    adapt,
    matched_reviews,
)
from propaganda_lens.review.corrections import ArticleCorrections, corrections_document
from propaganda_lens.review.head_fit import SplitHead, fit_platt

TRAIN_ARTICLES = 6
TEXTS = [
    "The corrupt elites in Washington want to destroy our great nation. Real patriots will not stand for it.",
    "Again the corrupt elites lie to us every day, and their puppets in the media repeat every word of it.",
    "Voters know the truth: the corrupt elites have never cared about working families in this country.",
]
PHRASE = "corrupt elites"
TARGET = "Flag-Waving"


@pytest.fixture(scope="module")
def small_ptc(ptc_folder, tmp_path_factory):
    """A PTC-like folder with a few train articles and their labels, two of them held out as the fast model's."""
    folder = tmp_path_factory.mktemp("ptc")
    holdout = (model_folder("fast") / "holdout.txt").read_text(encoding="utf-8").split()
    labelled = sorted(p.name.split(".")[0] for p in (ptc_folder / "train-labels-task-flc-tc").glob("*.labels")
                      if p.stat().st_size and p.name.split(".")[0][7:] not in holdout)
    chosen = labelled[:TRAIN_ARTICLES] + [f"article{i}" for i in holdout[:2]]
    for part, suffix in (("train-articles", ".txt"), ("train-labels-task-flc-tc", ".task-flc-tc.labels")):
        (folder / part).mkdir()
        for name in chosen:
            shutil.copy(ptc_folder / part / f"{name}{suffix}", folder / part / f"{name}{suffix}")
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def base():
    return Detector.from_disk("fast")


def phrase_span(text: str) -> tuple[int, int]:
    start = text.index(PHRASE)
    return start, start + len(PHRASE)


def reviews(base: Detector) -> list[ReviewedArticle]:
    """Each text's "corrupt elites" relabelled to Flag-Waving, plus an accept, a reject and an add."""
    reviewed = []
    for number, text in enumerate(TEXTS):
        start, end = phrase_span(text)
        model_technique = base.classify_spans(text, [Span(start, end)])[0].technique
        assert model_technique != TARGET
        last = len(text) - 1
        corrections = [Correction("relabel", start, end, TARGET, model_technique, "ana"),
                       Correction("accept", 0, 3, "Loaded_Language", "Loaded_Language", "ana"),
                       Correction("reject", last - 6, last, "Doubt", "Doubt", "ana"),
                       Correction("add", start, end + 5, "Name_Calling,Labeling", None, "ana")]
        reviewed.append(ReviewedArticle(ArticleCorrections(f"a{number}", text_sha256(text), corrections, "m"), text))
    return reviewed


def target_probability(detector: Detector, text: str) -> float:
    probabilities = detector.technique_probabilities(detector.run(text), [phrase_span(text)])
    return float(probabilities[0, detector.config.techniques.index(TARGET)])


def test_an_adapted_model_loads_and_moves_a_corrected_span_towards_its_correction(base, small_ptc, cache, tmp_path):
    reviewed = reviews(base)
    summary = adapt(reviewed, small_ptc, tmp_path / "adapted", "fast", cache)
    adapted = Detector.from_disk(tmp_path / "adapted")  # checksums verified
    assert summary["version"] == model_version(tmp_path / "adapted") != model_version("fast")
    assert summary["corrections"] == {"accept": 3, "add": 3, "reject": 3, "relabel": 3}
    assert summary["held_out_train_articles"] > 0 and summary["cross_validation"]
    for text in TEXTS:
        assert target_probability(adapted, text) > target_probability(base, text) + 0.05
    assert adapted.find_spans(TEXTS[0]) is not None and adapted.config.name == "ptc-minilm-adapted"
    used = json.loads((tmp_path / "adapted" / CORRECTIONS_FILE).read_text(encoding="utf-8"))
    assert [entry["article"] for entry in used["articles"]] == ["a0", "a1", "a2"]
    card = (tmp_path / "adapted" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert model_version("fast") in card and "3 relabel" in card
    # The analysis pipeline takes the folder as --model.
    result = CliRunner().invoke(app, ["analyze", "-", "-f", "json", "--model", str(tmp_path / "adapted")], input=TEXTS[0])
    assert result.exit_code == 0, result.output


def test_train_states_come_from_the_cache_the_second_time(base, small_ptc, cache, tmp_path):
    reviewed = reviews(base)[:1]
    adapt(reviewed, small_ptc, tmp_path / "first", "fast", cache)
    assert list(cache.glob("adapt-train-*.npz"))
    summary = adapt(reviewed, small_ptc, tmp_path / "second", "fast", cache)
    assert summary["train_states_from_cache"] and not summary["cross_validation"]  # one article: default weight


def test_a_head_written_with_its_own_weights_gives_the_same_logits(tmp_path):
    head = SplitHead(model_folder("fast"))
    shutil.copytree(model_folder("fast"), tmp_path / "copy")
    head.write(tmp_path / "copy", head.weight, head.bias)
    rng = np.random.default_rng(0)
    vectors, features = rng.normal(size=(5, 3 * 384)).astype(np.float32), rng.normal(size=(5, 3)).astype(np.float32)
    from propaganda_lens.detect.onnx_backend import OnnxBackend

    logits = OnnxBackend(tmp_path / "copy").span_head.run(None, {"span_vectors": vectors, "span_features": features})[0]
    np.testing.assert_allclose(head.hidden(vectors, features) @ head.weight.T + head.bias, logits, rtol=1e-4, atol=1e-4)


def test_platt_fit_recovers_a_known_map():
    rng = np.random.default_rng(1)
    probabilities = rng.uniform(0.05, 0.95, 4000)
    logit = np.log(probabilities / (1 - probabilities))
    outcomes = (rng.uniform(size=4000) < 1 / (1 + np.exp(-(0.5 * logit - 1.0)))).astype(float)
    slope, intercept = fit_platt(probabilities, outcomes, np.ones(4000), ridge=0.0)
    assert abs(slope - 0.5) < 0.15 and abs(intercept + 1.0) < 0.15


def test_texts_that_changed_and_offsets_outside_are_named_and_the_rest_used():
    good = ArticleCorrections("good", text_sha256(TEXTS[0]), [Correction("add", 0, 3, TARGET),
                                                              Correction("add", 0, 999, TARGET)])
    changed = ArticleCorrections("changed", text_sha256("an older text"), [Correction("add", 0, 3, TARGET)])
    missing = ArticleCorrections("missing", text_sha256("never given"), [Correction("add", 0, 3, TARGET)])
    from propaganda_lens.data import Article

    reviewed, problems = matched_reviews([good, changed, missing],
                                         [Article(id="x", text=TEXTS[0]), Article(id="changed", text=TEXTS[1])])
    assert [(r.corrections.article, len(r.corrections.corrections)) for r in reviewed] == [("good", 1)]
    assert len(problems) == 3
    assert "lies outside the text" in problems[0] and "no longer matches" in problems[1]
    assert "'missing': none of the given texts" in problems[2]


def test_no_usable_corrections_is_an_error(small_ptc, cache, tmp_path):
    with pytest.raises(AdaptError, match="no usable corrections"):
        adapt([ReviewedArticle(ArticleCorrections("a", text_sha256(TEXTS[0]), []), TEXTS[0])], small_ptc,
              tmp_path / "out", "fast", cache)


def write_file(path, items, extra_entries=()):
    document = corrections_document(items)
    document["articles"].extend(extra_entries)
    path.write_text(json.dumps(document), encoding="utf-8")


def test_the_command_uses_the_good_corrections_and_names_each_bad_one(base, small_ptc, cache, tmp_path):
    texts = []
    for number, text in enumerate(TEXTS):
        texts.append(tmp_path / f"a{number}.txt")
        texts[-1].write_text(text, encoding="utf-8")
    items = [review.corrections for review in reviews(base)]
    items[2].text_sha256 = text_sha256("the text before it was edited")
    items[1].corrections.append(Correction("add", 5, 5000, TARGET))
    unknown = {"article": "a0", "text_sha256": text_sha256(TEXTS[0]), "model": "m",
               "corrections": [{"action": "add", "start": 0, "end": 3, "technique": "Sarcasm"}]}
    write_file(tmp_path / "corrections.json", items, [unknown])
    result = CliRunner().invoke(app, ["adapt", "--corrections", str(tmp_path / "corrections.json"), "--ptc",
                                      str(small_ptc), "-o", str(tmp_path / "model"), "--model", "fast", "--cache",
                                      str(cache), *map(str, texts)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3, result.stderr
    assert "unknown technique 'Sarcasm'" in errors[0]
    assert "lies outside the text" in result.stderr and "no longer matches" in result.stderr
    assert "adapted ptc-minilm@" in result.stderr
    used = json.loads((tmp_path / "model" / CORRECTIONS_FILE).read_text(encoding="utf-8"))
    assert sorted(entry["article"] for entry in used["articles"]) == ["a0", "a1"]
    Detector.from_disk(tmp_path / "model")


@pytest.mark.parametrize("case, fragment", [
    ("not a corrections file", "not a corrections file"),
    ("no texts", "give the reviewed articles' texts"),
    ("output not empty", "exists and is not empty"),
    ("unknown model", "neither a shipped model"),
    ("no text matches", "no usable corrections"),
    ("not a PTC folder", "not a folder"),
])
def test_command_errors_are_one_line(case, fragment, small_ptc, cache, tmp_path):
    text = tmp_path / "a0.txt"
    text.write_text(TEXTS[0], encoding="utf-8")
    corrections = tmp_path / "corrections.json"
    item = ArticleCorrections("a0", text_sha256(TEXTS[0] if case != "no text matches" else "other"),
                              [Correction("add", 0, 3, TARGET)])
    write_file(corrections, [item])
    if case == "not a corrections file":
        corrections.write_text("[]", encoding="utf-8")
    output = tmp_path / "model"
    if case == "output not empty":
        output.mkdir()
        (output / "keep.txt").write_text("mine", encoding="utf-8")
    ptc = tmp_path if case == "not a PTC folder" else small_ptc
    arguments = ["adapt", "--corrections", str(corrections), "--ptc", str(ptc), "-o", str(output),
                 "--cache", str(cache), "--model", "no-such-model" if case == "unknown model" else "fast"]
    result = CliRunner().invoke(app, arguments + ([] if case == "no texts" else [str(text)]))
    if case == "no text matches":  # the entry's own line, then the command's
        assert result.exit_code == 1 and fragment in result.stderr.splitlines()[-1]
        return
    assert_one_line_error(result, fragment)


def test_rejected_spans_lower_the_probability_of_the_spans_found(base, small_ptc, cache, tmp_path):
    reviewed = []
    for number, text in enumerate(TEXTS):
        found = base.find_spans(text)
        assert found
        corrections = [Correction("reject", span.start, span.end, span.technique, span.technique) for span in found]
        corrections.append(Correction("add", 0, 3, "Loaded_Language"))
        reviewed.append(ReviewedArticle(ArticleCorrections(f"r{number}", text_sha256(text), corrections), text))
    summary = adapt(reviewed, small_ptc, tmp_path / "adapted", "fast", cache)
    adapted = Detector.from_disk(tmp_path / "adapted")
    assert summary["calibration_rows"]["found_spans"] > sum(len(base.find_spans(text)) for text in TEXTS)
    for text in TEXTS:
        before, after = base.find_spans(text), adapted.find_spans(text)
        assert [(s.start, s.end) for s in before] == [(s.start, s.end) for s in after]  # the same spans found
        assert sum(s.probability for s in after) < sum(s.probability for s in before)
