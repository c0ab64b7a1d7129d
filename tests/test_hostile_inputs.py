"""Hostile input for ingestion and the CLI: text stages in linear time on adversarial shapes, special files,
link loops, size caps on every kind of input, atomic report writes, invalid Unicode, overlong articles."""

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from propaganda_lens.api import analyze, default_detector
from propaganda_lens.cli import main as cli_module
from propaganda_lens.enrich.sentences import sentence_ranges
from propaganda_lens.ingest.errors import IngestError
from propaganda_lens.ingest.markdown import parse_markdown
from propaganda_lens.ingest.sources import MAX_ARTICLE_CHARS, article_from_text, expand_sources, sniff_format

STAGES = {"sniff": sniff_format, "markdown": parse_markdown, "sentences": sentence_ranges}
# Pieces that markup rules, sentence rules and format sniffing react to, repeated to build hostile texts.
PIECES = ["[", "]", "(", ")", "![", "](", "[a](", "[a]", "*", "**", "_", "__", "`", "#", "# ", "<", ">", "<!--", "-->",
          "<!---->", "<http://", "\\", "\n", "\n\n", " ", "\t", ".", ". ", "Mr. ", "e.g. ", "U.S. ", "a\n\n", "word ",
          '"', "…", "A", "x"]
SECONDS_PER_CHAR = 10e-6  # 10 s/MB: an order of magnitude above the worst measured shape (benchmarks/hostile_inputs.py)


STARTUP_S = 120  # for a child to start and import this module, on a busy machine


def _answer(function, args, sender) -> None:
    sender.send("started")
    sender.send(function(*args))


def in_child(seconds: float, function, *args):
    """`function(*args)` in a child process, or None when it has not returned within `seconds` of starting (a
    pattern that backtracks exponentially would otherwise never return, and cannot be interrupted). The child
    comes from Python's fork server, a process without threads: a fork of this one, whose onnxruntime and
    tokenizers threads may hold a lock at that moment, can hang before it runs a line."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])  # the server imports this module once, not each child
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_answer, args=(function, args, sender))
    child.start()
    sender.close()  # the child holds the other end: its exit is then the end of the pipe
    try:
        if not (receiver.poll(STARTUP_S) and receiver.recv() == "started"):
            raise RuntimeError(f"the child process did not start within {STARTUP_S} s")
        return receiver.recv() if receiver.poll(seconds) else None
    except EOFError:
        raise RuntimeError("the child process ended without an answer") from None
    finally:
        child.kill()
        child.join()


def _timed_stage(stage: str, text: str) -> float:
    STAGES[stage](text[:100])  # first use in this child (lazy imports, compiled patterns) is not the input's cost
    started = time.process_time()  # the child's CPU time: other work on the machine does not count
    STAGES[stage](text)
    return time.process_time() - started


def stage_seconds(stage: str, text: str, limit_s: float) -> float:
    """Seconds the stage took on `text`; infinity when it ran past 5 x `limit_s` and was stopped."""
    seconds = in_child(5 * limit_s + 5, _timed_stage, stage, text)
    return float("inf") if seconds is None else seconds


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(unit=st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join), size=st.integers(20_000, 60_000))
def test_text_stages_take_time_proportional_to_the_input(unit, size):
    text = (unit * (size // len(unit) + 1))[:size]
    limit_s = 0.3 + size * SECONDS_PER_CHAR
    for stage in STAGES:
        seconds = stage_seconds(stage, text, limit_s)
        assert seconds < limit_s, f"{stage} took {seconds:.2f} s on {size} characters of {unit!r}"


@pytest.mark.parametrize(
    "unit", ["<!---->", "<!--<!-- -->", "[", "![", "**a ", "<http://", "[a](", "Mr. Dr. e.g. vs. ", "a\n\n", "word "]
)
def test_the_shapes_that_were_slow_are_linear_now(unit):
    text = (unit * 60_000)[:60_000]
    for stage in STAGES:
        assert stage_seconds(stage, text, 1.0) < 1.0, stage


def run_cli(*arguments: str, timeout: float = 60) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "propaganda_lens", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def assert_one_error_line(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert any(fragment in line for line in lines) and len(lines) <= 2, result.stderr  # the error, the tally


def test_devices_and_fifos_get_one_error_line_without_waiting(tmp_path):
    fifo = tmp_path / "waiting.txt"
    os.mkfifo(fifo)
    for special in (fifo, Path("/dev/zero")):
        assert_one_error_line(run_cli("analyze", str(special), "-f", "json", "--max-bytes", "1000"),
                              "not a regular file")
    # A glob that matches the FIFO names it as a failure and goes on with the real file.
    (tmp_path / "real.txt").write_text("They are traitors and cowards.", encoding="utf-8")
    result = run_cli("analyze", str(tmp_path / "*.txt"), "-f", "json")
    assert result.returncode == 1 and result.stdout.count('"schema_version"') == 1
    assert "not a regular file" in result.stderr


def test_max_bytes_holds_for_files_and_standard_input(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000, encoding="utf-8")
    assert_one_error_line(run_cli("analyze", str(big), "--max-bytes", "100", "-f", "json"), "over the")
    command = [sys.executable, "-m", "propaganda_lens", "analyze", "-", "--max-bytes", "100", "-f", "json"]
    piped = subprocess.run(command, input="word " * 1000, capture_output=True, text=True, timeout=60)
    assert_one_error_line(piped, "over the")


def _first_expansion(pattern: str) -> list[str]:
    return expand_sources([pattern])[0]


def expand_within(pattern: str, seconds: float = 20) -> list[str]:
    expanded = in_child(seconds, _first_expansion, pattern)
    if expanded is None:
        pytest.fail(f"expanding {pattern} did not finish in {seconds} s")
    return expanded


def test_link_loops_neither_repeat_files_nor_run_forever(tmp_path):
    tree = tmp_path / "L"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("x", encoding="utf-8")
    (tree / "sub" / "b.txt").write_text("x", encoding="utf-8")
    (tree / "sub" / "up").symlink_to("..")
    (tree / "sub" / "same.txt").symlink_to(tree / "a.txt")
    expected = [str(tree / "a.txt"), str(tree / "sub" / "b.txt")]
    assert expand_within(f"{tree}/**/*.txt") == expected
    assert expand_within(str(tree)) == expected
    (tree / "up2").symlink_to(".")  # a second loop
    assert expand_within(f"{tree}/**/*.txt") == expected
    assert expand_within(str(tree)) == expected


def test_an_interrupted_report_leaves_the_earlier_one_whole(tmp_path, monkeypatch):
    article = tmp_path / "story.txt"
    article.write_text("They are traitors and cowards, and the corrupt elites will destroy us.", encoding="utf-8")
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "story.html").write_text("EARLIER REPORT", encoding="utf-8")
    single = tmp_path / "single.json"
    single.write_text("EARLIER JSON", encoding="utf-8")

    def killed_midway(analysis, output_format, console, several):
        console.file.write("<html><body>half a rep")
        raise KeyboardInterrupt  # what a kill during rendering looks like to the file

    monkeypatch.setattr(cli_module, "report_of", killed_midway)
    monkeypatch.setattr(cli_module, "load_detector", lambda model: default_detector())
    for output in (reports, single):
        CliRunner().invoke(cli_module.app, ["analyze", str(article), "-f", "html", "-o", str(output)])
    assert (reports / "story.html").read_text(encoding="utf-8") == "EARLIER REPORT"
    assert single.read_text(encoding="utf-8") == "EARLIER JSON"
    assert sorted(path.name for path in reports.iterdir()) == ["story.html"]  # no temporary file left
    assert sorted(path.name for path in tmp_path.iterdir()) == ["reports", "single.json", "story.txt"]


def test_invalid_unicode_and_overlong_articles_are_refused_clearly():
    with pytest.raises(IngestError, match="unpaired surrogate"):
        analyze("They are traitors \ud800 and liars.")
    with pytest.raises(IngestError, match=f"over the {MAX_ARTICLE_CHARS:,}"):
        article_from_text("word " * (MAX_ARTICLE_CHARS // 5 + 1), "long", "long")


def test_long_texts_give_the_same_spans_with_few_hidden_states_kept(example_article):
    from dataclasses import replace

    from propaganda_lens.detect.detector import Detector

    shipped = default_detector()
    text = example_article.read_text(encoding="utf-8") * 3

    def detector(kept_windows: int) -> Detector:
        config = replace(shipped.config, batch_size=4, kept_windows=kept_windows)
        return Detector(shipped.backend, shipped.tokenizer, config)

    assert len(detector(4).run(text).windows) > 16
    expected = [(s.start, s.end, s.technique) for s in detector(10_000).find_spans(text)]
    assert [(s.start, s.end, s.technique) for s in detector(4).find_spans(text)] == expected
    assert len(expected) > 10


def test_atomic_writes_give_files_the_usual_permissions(tmp_path):
    from propaganda_lens.files import write_text_atomically

    fresh = tmp_path / "fresh.txt"
    write_text_atomically(fresh, "new")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
    kept = tmp_path / "kept.txt"
    kept.write_text("old", encoding="utf-8")
    kept.chmod(0o640)
    write_text_atomically(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640 and kept.read_text(encoding="utf-8") == "new"


@pytest.mark.parametrize("unit", [
    "his backers like Russia and ",  # pronouns, backer nouns and "like" arguments in one endless sentence
    "Russia backs Syria and Iran will fund Hamas if Egypt helps Qatar , ",
    "He said that Trump will win according to Reuters and ",
    "the Acme Corp Acme Corp Group Acme Holdings ",  # organization names that are prefixes of each other
    "will will may could going to likely to ",
])
def test_actors_relations_and_statements_take_time_proportional_to_the_input(unit):
    """On one parse (not timed), the rules and the relation head take about the same time per character at 2 sizes:
    linear. Each size counts its fastest of 3 runs in CPU time, so a busy machine does not decide."""
    from propaganda_lens.actors.mentions import find_actors
    from propaganda_lens.actors.relation_model import relation_head
    from propaganda_lens.actors.relations import find_relations
    from propaganda_lens.claims.statements import prediction_hedge, statement_source
    from propaganda_lens.enrich.parsing import parse

    def seconds_per_char(size: int) -> float:
        text = (unit * (size // len(unit) + 1))[:size]
        doc = parse(text, sentence_ranges(text))
        runs = []
        for _ in range(3):
            started = time.process_time()
            actors, actor_of_token = find_actors(doc)
            find_relations(doc, actor_of_token, {actor.id for actor in actors if actor.kind == "person"}, relation_head())
            for sentence in doc.sents:
                prediction_hedge(sentence)
                statement_source(sentence)
            runs.append(time.process_time() - started)
        return min(runs) / size

    small, large = seconds_per_char(5_000), seconds_per_char(40_000)
    assert large < 4 * small + 20e-6, (small, large)  # quadratic code would take 8 x longer per character
