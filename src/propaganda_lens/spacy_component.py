"""A spaCy pipeline component (the `spacy` extra): `nlp.add_pipe("propaganda_lens")` puts the technique
spans of each Doc in `doc.spans["propaganda"]`, labelled with the technique, and their probabilities in
the group's `attrs["probabilities"]`, in the same order."""

from __future__ import annotations

import json
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, SpanGroup

from propaganda_lens.api import default_detector
from propaganda_lens.detect.detector import Detector

SETTINGS_FILE = "settings.json"


class PropagandaLens:
    """Runs the detector on `doc.text`; span offsets are widened to token boundaries."""

    def __init__(self, model: str | None = None, threshold: float | None = None, spans_key: str = "propaganda"):
        self.model = model
        self.threshold = threshold
        self.spans_key = spans_key
        self._detector: Detector | None = None

    @property
    def detector(self) -> Detector:
        if self._detector is None:
            self._detector = default_detector(self.model)
        return self._detector

    def __call__(self, doc: Doc) -> Doc:
        found, probabilities = [], []
        for span in self.detector.find_spans(doc.text, self.threshold):
            token_span = doc.char_span(span.start, span.end, label=span.technique or "", alignment_mode="expand")
            if token_span is not None:
                found.append(token_span)
                probabilities.append(span.probability)
        doc.spans[self.spans_key] = SpanGroup(
            doc, name=self.spans_key, spans=found, attrs={"probabilities": probabilities}
        )
        return doc

    def to_disk(self, path: str | Path, *, exclude: tuple[str, ...] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        settings = {"model": self.model, "threshold": self.threshold, "spans_key": self.spans_key}
        (path / SETTINGS_FILE).write_text(json.dumps(settings), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: tuple[str, ...] = ()) -> PropagandaLens:
        settings = json.loads((Path(path) / SETTINGS_FILE).read_text(encoding="utf-8"))
        self.model, self.threshold, self.spans_key = settings["model"], settings["threshold"], settings["spans_key"]
        self._detector = None
        return self


@Language.factory(
    "propaganda_lens",
    default_config={"model": None, "threshold": None, "spans_key": "propaganda"},
)
def make_component(
    nlp: Language, name: str, model: str | None, threshold: float | None, spans_key: str
) -> PropagandaLens:
    return PropagandaLens(model=model, threshold=threshold, spans_key=spans_key)
