"""Label Studio: tasks JSON with the model's spans as predictions, and Label Studio's JSON export read back.

A task is `{"data": {"text", "article", "text_sha256"}, "predictions": [{"model_version", "score", "result"}]}`;
each result item is a `labels` region of the `technique` control on the `text` object (see LABEL_CONFIG), scored
with the span's probability. Label Studio counts offsets in UTF-16 code units (JavaScript string indices); they are
converted from and to code points here. Overlapping regions are kept both ways.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from propaganda_lens.data import TECHNIQUES, text_sha256
from propaganda_lens.files import read_json, write_text_atomically
from propaganda_lens.review.formats.base import (
    Annotated, FormatError, ReviewTask, article_id, technique_span, unique_spans,
)
from propaganda_lens.review.formats.offsets import Utf16Offsets

FROM_NAME, TO_NAME = "technique", "text"


def labelling_config() -> str:
    """The project's labelling interface: one Labels control with the 14 techniques over the text."""
    labels = "".join(f"<Label value={quoteattr(technique)}/>" for technique in TECHNIQUES)
    return (f'<View><Labels name="{FROM_NAME}" toName="{TO_NAME}">{labels}</Labels>'
            f'<Text name="{TO_NAME}" value="$text"/></View>')


def task_of(task: ReviewTask) -> dict[str, Any]:
    """One Label Studio task: the text, its article id and hash, and the model's spans as a prediction."""
    offsets = Utf16Offsets(task.text)
    result = [{"id": f"m{number}", "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels",
               "value": {"start": offsets.to_units(span.start), "end": offsets.to_units(span.end),
                         "text": span.text_in(task.text), "labels": [span.technique]},
               **({"score": span.probability} if span.probability is not None else {})}
              for number, span in enumerate(task.spans, 1) if span.technique]
    scores = [item["score"] for item in result if "score" in item]
    # The prediction's score is its least sure span, so Label Studio's uncertainty sampling shows doubtful tasks first.
    prediction = {"model_version": task.model or "propaganda-lens", "result": result,
                  **({"score": min(scores)} if scores else {})}
    return {"data": {"text": task.text, "article": task.article, "text_sha256": text_sha256(task.text)},
            "predictions": [prediction]}


def export(tasks: list[ReviewTask], out: Path) -> None:
    write_text_atomically(out, json.dumps([task_of(task) for task in tasks], ensure_ascii=False, indent=1) + "\n")


def latest_annotation(task: dict[str, Any]) -> dict[str, Any] | None:
    """The task's latest annotation that was not cancelled (skipped), by update time, then id."""
    kept = [item for item in task.get("annotations") or [] if isinstance(item, dict) and not item.get("was_cancelled")]
    return max(kept, key=lambda item: (str(item.get("updated_at") or item.get("created_at") or ""),
                                       item.get("id") if type(item.get("id")) is int else 0), default=None)


def reviewer_of(annotation: dict[str, Any]) -> str:
    """Who completed an annotation: the user's email where the export names it, else the user id."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("email") or who.get("id")
    return "" if who is None or isinstance(who, (dict, list)) else str(who)


def annotated_of(task: Any, number: int, problems: list[str]) -> Annotated | None:
    """An exported task's latest annotation, each bad region left out with a line in `problems`."""
    data = task.get("data") if isinstance(task, dict) else None
    article = article_id(data.get("article")) if isinstance(data, dict) else None
    if article is None or not isinstance(data.get("text"), str):
        problems.append(f"task {number}: needs data.text and data.article (an article id); left out")
        return None
    text = data["text"]
    where = f"task {number} (article {article!r})"
    annotation = latest_annotation(task)
    if annotation is None:
        return None  # nobody reviewed it
    if not isinstance(annotation.get("result"), list):
        problems.append(f"{where}: the annotation has no result list; left out")
        return None
    offsets, spans = Utf16Offsets(text), []
    for index, region in enumerate(annotation["result"], 1):
        value = region.get("value") if isinstance(region, dict) else None
        if not isinstance(value, dict) or region.get("type") != "labels" or region.get("from_name") != FROM_NAME:
            problems.append(f"{where}, region {index}: not a {FROM_NAME!r} labels region; left out")
            continue
        labels = value.get("labels") if isinstance(value.get("labels"), list) else [None]
        try:
            if type(value.get("start")) is not int or type(value.get("end")) is not int:
                raise ValueError(f"offsets must be integers, got {value.get('start')!r} and {value.get('end')!r}")
            start, end = offsets.to_points(value["start"]), offsets.to_points(value["end"])
            spans += [technique_span(start, end, label, len(text)) for label in labels]
        except ValueError as error:
            problems.append(f"{where}, region {index}: {error}; left out")
    return Annotated(article, text, unique_spans(spans), reviewer_of(annotation))


def import_file(path: Path) -> tuple[list[Annotated], list[str]]:
    data = read_json(path, FormatError)
    if not isinstance(data, list) or not all(isinstance(task, dict) and "data" in task for task in data):
        raise FormatError(f"{path} is not a Label Studio JSON export (a list of tasks with \"data\" and "
                          "\"annotations\")")
    problems: list[str] = []
    annotated = [item for number, task in enumerate(data, 1) if (item := annotated_of(task, number, problems))]
    return annotated, problems
