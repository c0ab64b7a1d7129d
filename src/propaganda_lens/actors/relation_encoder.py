"""Relations the rules miss, read by a fine-tuned encoder: each pair of actors named in one sentence is shown to a
sentence classifier with both mentions marked, and it says which of them supports or opposes the other, if either.

The first mention of the pair in the sentence is wrapped in `@ … @`, the second in `# … #` (typed entity markers,
as punctuation the tokenizer already knows), and the classifier picks one of `CLASSES`. An article's relation gets
the best probability over the sentences that name its pair; it is found where that passes the model's threshold,
and it joins the rules' relations as the model's `mode` says (see `relation_model.combined`).

A model folder holds `model.onnx` (input_ids, attention_mask -> logits over CLASSES), `tokenizer.json`,
`config.json` (name, max_tokens, threshold, mode), `evaluation.json` and `SHA256SUMS`; it is made by
`python tools/fit_relation_encoder.py` from evaluation/structure/annotations.jsonl. Inference needs onnxruntime
and tokenizers only. **No encoder ships**: on both locked sets it raised relation F1 (0.194 -> 0.227 and 0.148 ->
0.226, with the actor rules of its stop) about as much as the logistic head (relation_model) did then, at 250 ms
warm on the example article against the head's 11 ms; the head has since reached 0.213 and 0.300
(evaluation/structure/README.md).
`find_relations(..., head=RelationEncoder.load(folder))` and `tools/score_structure.py --relation-head
FOLDER` use one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy

from propaganda_lens.actors.relation_model import combined, meeting_point, mention_ranges, sentence_range
from propaganda_lens.data import Relation
from propaganda_lens.text_classifier import TextClassifier

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

CLASSES = ("none", "first supports second", "first opposes second", "second supports first", "second opposes first")
CONTEXT_CHARACTERS = 100  # of a long sentence, the classifier reads this much on either side of the two mentions
MAX_GAP_CHARACTERS = 350  # mentions further apart are not a candidate (the classifier would not see both)
BATCH_SIZE = 16  # marked texts scored in one call


@dataclass(frozen=True)
class Candidate:
    """An unordered pair of actors named in one sentence, at their closest two mentions there."""

    first: str  # the actor whose mention comes first
    second: str
    sentence: int  # index of the sentence in the doc
    first_tokens: tuple[int, int]  # [start, end) token indices of each mention
    second_tokens: tuple[int, int]


@dataclass(frozen=True)
class RelationEncoderConfig:
    name: str
    max_tokens: int = 128
    threshold: float = 0.5
    mode: str = "union"  # how its relations join the rules' (relation_model.combined)

    @classmethod
    def from_file(cls, path: Path) -> "RelationEncoderConfig":
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def candidates(doc: "Doc", actor_of_token: dict[int, str]) -> list[Candidate]:
    """Every unordered pair of distinct actors named in a sentence of `doc`, at their closest mentions, unless those
    are more than MAX_GAP_CHARACTERS apart."""
    found = []
    for index, sentence in enumerate(doc.sents):
        mentions = mention_ranges(sentence, actor_of_token)
        actors = list(mentions)
        for position, one in enumerate(actors):
            for other in actors[position + 1 :]:
                a, b = min(((a, b) for a in mentions[one] for b in mentions[other]),
                           key=lambda pair: abs(pair[0][0] - pair[1][0]))
                first, second = sorted((a, b))
                gap = doc[second[0]].idx - mention_characters(doc, first)[1]
                if gap <= MAX_GAP_CHARACTERS:
                    found.append(Candidate(one if a < b else other, other if a < b else one, index, first, second))
    return found


def mention_characters(doc: "Doc", tokens: tuple[int, int]) -> tuple[int, int]:
    """The [start, end) characters of a mention's tokens."""
    last = doc[tokens[1] - 1]
    return doc[tokens[0]].idx, last.idx + len(last.text)


def marked_text(text: str, doc: "Doc", sentence: "Span", candidate: Candidate) -> str:
    """The sentence (cut to CONTEXT_CHARACTERS around the mentions when longer) with the first mention in `@ … @`
    and the second in `# … #`; `text` is `doc.text`, read once by the caller."""
    first_start, first_end = mention_characters(doc, candidate.first_tokens)
    second_start, second_end = mention_characters(doc, candidate.second_tokens)
    begin = max(sentence.start_char, first_start - CONTEXT_CHARACTERS)
    end = min(sentence.end_char, second_end + CONTEXT_CHARACTERS)
    parts = (text[begin:first_start], "@", text[first_start:first_end], "@", text[first_end:second_start],
             "#", text[second_start:second_end], "#", text[second_end:end])
    return " ".join(" ".join(parts).split())


def best_relations(candidates: list[Candidate], probabilities: numpy.ndarray) -> dict[tuple[str, str, str], tuple[float, Candidate]]:
    """(source, polarity, target) -> its best probability over the article's candidates and the candidate there;
    each candidate votes for its most probable relation class."""
    best: dict[tuple[str, str, str], tuple[float, Candidate]] = {}
    for candidate, row in zip(candidates, probabilities):
        index = 1 + int(numpy.argmax(row[1:]))
        source, target = (candidate.first, candidate.second) if index <= 2 else (candidate.second, candidate.first)
        key = (source, "supports" if index in (1, 3) else "opposes", target)
        if key not in best or row[index] > best[key][0]:
            best[key] = (float(row[index]), candidate)
    return best


class RelationEncoder(TextClassifier):
    """The fine-tuned pair classifier, loaded by `load(folder)` from a folder that tools/fit_relation_encoder.py
    wrote."""

    config_type = RelationEncoderConfig
    description = "relation encoder"

    def probabilities(self, texts: list[str]) -> numpy.ndarray:
        """Probabilities over CLASSES of each marked text, scored in batches of similar length (BATCH_SIZE: an
        article's pairs cost about a fifth of one call each; the int8 model quantizes activations over a whole
        call, so a text's scores move by a little with the texts it shares a call with, always the same ones
        for the same article)."""
        from propaganda_lens.detect.detector import softmax
        from propaganda_lens.detect.encoding import special_token_ids

        pad_id = special_token_ids(self.tokenizer)[2]
        encodings = [encoding.ids for encoding in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(encodings)), key=lambda index: len(encodings[index]))
        result = numpy.zeros((len(texts), len(CLASSES)), dtype=numpy.float32)
        for begin in range(0, len(order), BATCH_SIZE):
            chosen = order[begin : begin + BATCH_SIZE]
            width = max(len(encodings[index]) for index in chosen)
            ids = numpy.full((len(chosen), width), pad_id, dtype=numpy.int64)
            mask = numpy.zeros_like(ids)
            for row, index in enumerate(chosen):
                ids[row, : len(encodings[index])] = encodings[index]
                mask[row, : len(encodings[index])] = 1
            (logits,) = self.session.run(["logits"], {"input_ids": ids, "attention_mask": mask})
            result[chosen] = softmax(logits)
        return result

    def relations(
        self, doc: "Doc", actor_of_token: dict[int, str], persons: set[str], rules: list[Relation],
        polarity_of: Callable[[str], str | None], modality_of: Callable[["Token"], str],
    ) -> list[Relation]:
        """The rules' relations with the encoder's own added (see `relation_model.combined`)."""
        found = candidates(doc, actor_of_token)
        sentences, text = list(doc.sents), doc.text  # each read once: spaCy rebuilds them on every access
        probabilities = self.probabilities([marked_text(text, doc, sentences[c.sentence], c) for c in found])
        learned = []
        for (source, polarity, target), (score, candidate) in best_relations(found, probabilities).items():
            if score < self.config.threshold:
                continue
            anchor, _, _ = meeting_point(doc[candidate.first_tokens[1] - 1], doc[candidate.second_tokens[1] - 1])
            trigger = ((anchor.idx, anchor.idx + len(anchor.text)),)
            learned.append(Relation(source, target, polarity, modality_of(anchor),
                                    sentence_range(sentences[candidate.sentence]), trigger))
        return combined(rules, learned, self.config.mode)
