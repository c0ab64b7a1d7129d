"""The propaganda detector: finds technique spans in a text, or labels given spans with techniques.

A `Detector` is a tokenizer, a config and a backend. The backend runs the two networks: an encoder with a
BIO span tagger (token ids -> tag logits and hidden states) and a span head (pooled span vectors ->
technique logits). The shipped backend is onnxruntime; training plugs in a torch backend, so the numbers
measured while training come from this same code.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np

from propaganda_lens.data import TECHNIQUES, Span
from propaganda_lens.files import write_text_atomically
from propaganda_lens.detect.encoding import (
    Decoding,
    EncodedText,
    best_window,
    central_window_of_tokens,
    decode_spans,
    encode,
    load_tokenizer,
    pool_span,
    span_features,
    window_ranges,
)
from propaganda_lens.detect.priors import SpanPriors

MAX_CUES = 3  # words shown as what weighed most for a span's technique
CONFIG_FILE = "config.json"
TOKENIZER_FILE = "tokenizer.json"
CHECKSUM_FILE = "SHA256SUMS"
EVALUATION_FILE = "evaluation.json"
PRECISION_KEY = "span_precision_per_technique"


class ModelError(RuntimeError):
    """A model folder is missing, incomplete or corrupt."""


@dataclass
class DetectorConfig:
    name: str
    window_size: int = 256
    window_stride: int = 192
    decoding: Decoding = field(default_factory=Decoding)
    cls_token_id: int = 101
    sep_token_id: int = 102
    pad_token_id: int = 0
    # Windows per encoder call. The int8 encoders quantize activations over a whole call, so a window's numbers
    # depend on its batch mates unless it is encoded alone, which is also faster and leaner on a CPU
    # (benchmarks/window_batch.py).
    batch_size: int = 1
    kept_windows: int = 64  # hidden states held in memory per text (see HiddenStates)
    # Calibration, fitted on train articles held out of training (`propaganda-lens calibrate`): technique
    # logits are divided by the temperature; a span's probability p becomes sigmoid(a * logit(p) + b).
    technique_temperature: float = 1.0
    span_calibration: tuple[float, float] | None = None
    # Technique priors of span texts labelled in training (detect.priors; 0: none): their weight and smoothing.
    span_prior_strength: float = 0.0
    span_prior_smoothing: float = 0.5
    techniques: tuple[str, ...] = TECHNIQUES

    @classmethod
    def from_file(cls, path: Path) -> "DetectorConfig":
        values = json.loads(path.read_text(encoding="utf-8"))
        values["techniques"] = tuple(values.get("techniques", TECHNIQUES))
        values["decoding"] = Decoding(**values.get("decoding", {}))
        if values.get("span_calibration") is not None:
            values["span_calibration"] = tuple(values["span_calibration"])
        return cls(**values)

    def to_file(self, path: Path) -> None:
        write_text_atomically(path, json.dumps(asdict(self), indent=2) + "\n")


class Backend(Protocol):
    def encode_windows(
        self, input_ids: np.ndarray, attention_mask: np.ndarray, release_memory: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """(batch, length) ids and mask -> tag logits (batch, length, 3) and hidden states (batch, length, H).
        `release_memory`: give back the memory this batch needed once it is done (no batch as large follows
        soon); keeping it saves the allocations of the next batch."""

    def classify(self, span_vectors: np.ndarray, span_features: np.ndarray) -> np.ndarray:
        """(n, 3H) pooled span vectors and (n, F) features -> technique logits (n, n_techniques)."""


class HiddenStates:
    """The encoder's hidden states per window, at most `kept` windows of them in memory (the most recently
    used). A window that was let go is encoded again, with the rest of its batch (int8 models quantize
    activations per batch, so the same batch gives the same numbers). A long text thus costs bounded memory
    and at most two encoder passes; a text of up to `kept` windows is encoded once."""

    def __init__(self, encode_batch: Callable[[int], list[np.ndarray]], batch_size: int, kept: int) -> None:
        self._encode_batch = encode_batch
        self._batch_size = batch_size
        self._kept = max(kept, batch_size)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()

    def keep(self, window: int, hidden: np.ndarray) -> None:
        self._cache[window] = hidden
        self._cache.move_to_end(window)
        while len(self._cache) > self._kept:
            self._cache.popitem(last=False)

    def __getitem__(self, window: int) -> np.ndarray:
        if window not in self._cache:
            first = window - window % self._batch_size
            for offset, hidden in enumerate(self._encode_batch(first)):
                self.keep(first + offset, hidden)
        self._cache.move_to_end(window)
        return self._cache[window]


@dataclass
class EncoderState:
    """What the encoder computed for one text: tokens, windows, tag probabilities, hidden states."""

    text: str
    encoded: EncodedText
    windows: list[tuple[int, int]]
    tag_probabilities: np.ndarray
    hidden: HiddenStates


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def platt(probabilities: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """The logistic calibration map sigmoid(slope * logit(p) + intercept), p clipped away from 0 and 1."""
    clipped = np.clip(probabilities, 1e-6, 1 - 1e-6)
    return 1 / (1 + np.exp(-(slope * np.log(clipped / (1 - clipped)) + intercept)))


class Detector:
    """Finds propaganda technique spans. Load the shipped model with `Detector.from_disk()`."""

    def __init__(
        self,
        backend: Backend,
        tokenizer,
        config: DetectorConfig,
        technique_precision: dict[str, float] | None = None,
        span_priors: SpanPriors | None = None,
    ) -> None:
        self.backend = backend
        self.tokenizer = tokenizer
        self.config = config
        self.span_priors = span_priors  # used when config.span_prior_strength > 0
        # Per technique, the share of this model's spans that matched annotators' on PTC dev (from the
        # model folder's evaluation.json), so that readers can weigh each span.
        self.technique_precision = technique_precision or {}

    # -- loading and saving -------------------------------------------------------------------
    @classmethod
    def from_disk(cls, path: str | Path | None = None, verify: bool = True, threads: int | None = None) -> "Detector":
        """Load a shipped model by name (`accurate`, `fast`) or a model folder (default: the default shipped model) to run
        with onnxruntime, on `threads` CPU threads (default: all cores)."""
        from propaganda_lens.detect.onnx_backend import OnnxBackend

        folder = model_folder(path)
        if not (folder / CONFIG_FILE).is_file():
            raise ModelError(f"{folder}: no {CONFIG_FILE}; not a propaganda-lens model folder")
        if verify:
            verify_checksums(folder)
        config = DetectorConfig.from_file(folder / CONFIG_FILE)
        priors = None
        if config.span_prior_strength > 0:
            try:
                priors = SpanPriors.from_disk(folder, len(config.techniques))
            except (OSError, ValueError) as error:
                raise ModelError(f"{folder}: unreadable span priors ({error})") from None
        return cls(OnnxBackend(folder, threads), load_tokenizer(folder / TOKENIZER_FILE), config,
                   technique_precision_of(folder), priors)

    def to_disk(self, path: Path) -> None:
        """Copy this model's folder (ONNX backend only) to `path`."""
        source = getattr(self.backend, "folder", None)
        if source is None:
            raise ModelError("only a detector loaded from disk can be saved")
        shutil.copytree(source, path, dirs_exist_ok=True)

    # -- inference ---------------------------------------------------------------------------
    def _encode(
        self, encoded: EncodedText, batch: list[tuple[int, int]], release_memory: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Tag logits and hidden states of a batch of token windows, each wrapped in [CLS] … [SEP]."""
        config = self.config
        width = max(end - start for start, end in batch) + 2
        input_ids = np.full((len(batch), width), config.pad_token_id, dtype=np.int64)
        attention_mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, (start, end) in enumerate(batch):
            tokens = np.r_[config.cls_token_id, encoded.ids[start:end], config.sep_token_id]
            input_ids[row, : len(tokens)] = tokens
            attention_mask[row, : len(tokens)] = 1
        return self.backend.encode_windows(input_ids, attention_mask, release_memory)

    def run(self, text: str) -> EncoderState:
        config = self.config
        encoded = encode(self.tokenizer, text)
        windows = window_ranges(len(encoded), config.window_size - 2, config.window_stride)
        hidden_states = HiddenStates(
            lambda first: list(self._encode(encoded, windows[first : first + config.batch_size])[1]),
            config.batch_size,
            config.kept_windows,
        )
        tag_logits_per_window: list[np.ndarray] = []
        # Memory is given back after the last batch of a text longer than half a batch: the batches of a
        # typical article (a few windows) reuse what the previous article's needed.
        long_text = len(windows) > config.batch_size // 2
        for batch_start in range(0, len(windows), config.batch_size):
            batch = windows[batch_start : batch_start + config.batch_size]
            final = batch_start + config.batch_size >= len(windows)
            tag_logits, hidden = self._encode(encoded, batch, release_memory=final and long_text)
            for row, (start, end) in enumerate(batch):
                tag_logits_per_window.append(tag_logits[row, 1 : end - start + 1])
                hidden_states.keep(batch_start + row, hidden[row])
        tag_probabilities = np.zeros((len(encoded), 3), dtype=np.float32)
        owner = central_window_of_tokens(windows, len(encoded))
        for index, (start, end) in enumerate(windows):
            mine = np.flatnonzero(owner[start:end] == index)
            tag_probabilities[start + mine] = softmax(tag_logits_per_window[index][mine])
        return EncoderState(text, encoded, windows, tag_probabilities, hidden_states)

    def _span_rows(self, state: EncoderState, start: int, end: int) -> tuple[int, int, int]:
        """(window, first, last): the window that holds most of a character span, and the span's rows
        [first, last) in that window's hidden states (row 0 is [CLS])."""
        first, last = state.encoded.token_range(start, end)
        if first == last:  # no token inside (only whitespace or unknown characters): nearest token
            first = min(first, len(state.encoded) - 1)
            last = first + 1
        window = best_window(state.windows, first, last)
        window_start, window_end = state.windows[window]
        first, last = max(first, window_start), min(last, window_end)
        return window, first - window_start + 1, last - window_start + 1

    def span_vectors(self, state: EncoderState, spans: list[tuple[int, int]]) -> np.ndarray:
        """The span head's pooled input (n, 3H) for character spans of the analysed text."""
        vectors = []
        for start, end in spans:
            window, first, last = self._span_rows(state, start, end)
            vectors.append(pool_span(state.hidden[window], first, last))
        return np.asarray(vectors, dtype=np.float32)

    def technique_probabilities(
        self,
        state: EncoderState,
        spans: list[tuple[int, int]],
        features: list[list[float]] | None = None,
        prior: np.ndarray | None = None,
    ) -> np.ndarray:
        """Technique probabilities (n, n_techniques) for character spans of the analysed text (`features` and
        `prior`: their span_features and prior logits, when the caller already has them)."""
        if not spans:
            return np.zeros((0, len(self.config.techniques)), dtype=np.float32)
        if features is None:
            features = span_features(state.text, spans)
        if prior is None:
            prior = self.log_prior(state.text, spans)
        logits = self.backend.classify(self.span_vectors(state, spans), np.asarray(features, dtype=np.float32))
        return softmax((logits + prior) / self.config.technique_temperature)

    def log_prior(self, text: str, spans: list[tuple[int, int]]) -> np.ndarray:
        """The span-text priors' additive logits (n, n_techniques) for the spans (0 when the model has none)."""
        config = self.config
        if self.span_priors is None or config.span_prior_strength <= 0:
            return np.zeros((len(spans), len(config.techniques)), dtype=np.float32)
        return self.span_priors.log_prior((text[start:end] for start, end in spans), config.span_prior_strength,
                                          config.span_prior_smoothing)

    def calibrated(self, probability: float) -> float:
        """A span's probability after the fitted calibration map (unchanged when none was fitted)."""
        if self.config.span_calibration is None:
            return probability
        return float(platt(np.asarray(probability), *self.config.span_calibration))

    def _weighed_words(
        self,
        state: EncoderState,
        spans: list[tuple[int, int]],
        features: list[list[float]],
        prior: np.ndarray,
        probabilities: np.ndarray,
        techniques: list[int],
    ) -> list[tuple[tuple[int, int], ...]]:
        """For each span, up to MAX_CUES words that weighed most for its technique, as character ranges:
        the words whose tokens, left out of the span's mean vector, lower the technique's probability (given
        in `probabilities`, with the spans' `prior` logits) most."""
        vectors, rows_features, owners, tokens = [], [], [], []
        cues: list[list[tuple[float, int]]] = [[] for _ in spans]
        for index, ((start, end), feature) in enumerate(zip(spans, features)):
            window, first, last = self._span_rows(state, start, end)
            token_offset = state.windows[window][0] - 1  # row r of the window is token r + token_offset
            if last - first == 1:
                cues[index].append((1.0, first + token_offset))
                continue
            hidden = state.hidden[window]
            rows = hidden[first:last]
            without = (rows.sum(axis=0) - rows) / (len(rows) - 1)
            ends = np.broadcast_to(np.concatenate([hidden[first], hidden[last - 1]]), (len(rows), 2 * rows.shape[1]))
            vectors.append(np.concatenate([without, ends], axis=1))
            rows_features.extend([feature] * len(rows))
            owners.extend([index] * len(rows))
            tokens.extend(range(first + token_offset, last + token_offset))
        if vectors:
            logits = self.backend.classify(
                np.concatenate(vectors).astype(np.float32), np.asarray(rows_features, dtype=np.float32)
            )
            reduced = softmax((logits + prior[owners]) / self.config.technique_temperature)
            for row, (owner, token) in enumerate(zip(owners, tokens)):
                technique = techniques[owner]
                cues[owner].append((float(probabilities[owner, technique] - reduced[row, technique]), token))
        return [self._words(state.encoded, scored) for scored in cues]

    @staticmethod
    def _words(encoded: EncodedText, scored: list[tuple[float, int]]) -> tuple[tuple[int, int], ...]:
        """The character ranges of the words of the best-scored tokens (positive scores only), best first."""
        words: list[tuple[int, int]] = []
        for score, token in sorted(scored, reverse=True):
            if score <= 0 or len(words) == MAX_CUES:
                break
            first = last = token
            while first > 0 and encoded.word_ids[first - 1] == encoded.word_ids[token]:
                first -= 1
            while last + 1 < len(encoded) and encoded.word_ids[last + 1] == encoded.word_ids[token]:
                last += 1
            word = (int(encoded.offsets[first, 0]), int(encoded.offsets[last, 1]))
            if word not in words:
                words.append(word)
        return tuple(words)

    def find_spans(self, text: str, threshold: float | None = None) -> list[Span]:
        """Spans that use a propaganda technique, each with its most likely technique.

        `probability` is P(span) x P(technique | span). `threshold` overrides the tuned span threshold.
        """
        decoding = self.config.decoding if threshold is None else replace(self.config.decoding, threshold=threshold)
        return self.spans_from(self.run(text), decoding)

    def spans_from(self, state: EncoderState, decoding: Decoding | None = None) -> list[Span]:
        """`find_spans` on a text already run through the encoder (to decode it several ways)."""
        if len(state.encoded) == 0:
            return []
        found = decode_spans(state.text, state.encoded, state.tag_probabilities, decoding or self.config.decoding)
        ranges = [(start, end) for start, end, _ in found]
        features = span_features(state.text, ranges)
        prior = self.log_prior(state.text, ranges)
        probabilities = self.technique_probabilities(state, ranges, features, prior)
        best = [int(row.argmax()) for row in probabilities]
        cues = self._weighed_words(state, ranges, features, prior, probabilities, best) if ranges else []
        return [
            Span(start, end, self.config.techniques[technique], self.calibrated(span_probability * float(row[technique])),
                 cues=words)
            for (start, end, span_probability), row, technique, words in zip(found, probabilities, best, cues)
        ]

    def classify_spans(self, text: str, spans: list[Span]) -> list[Span]:
        """Label given spans with techniques (the TC task), keeping their order.

        A span listed k times gets the k most likely distinct techniques.
        """
        for span in spans:
            if span.end > len(text):
                raise ValueError(f"span [{span.start}, {span.end}) runs past the end of the text ({len(text)})")
        return self.label_spans(self.run(text), spans) if spans else []

    def label_spans(self, state: EncoderState, spans: list[Span]) -> list[Span]:
        """`classify_spans` on a text already run through the encoder."""
        if not spans:
            return []
        if len(state.encoded) == 0:
            raise ValueError("the text has no tokens to classify")
        unique = sorted({(span.start, span.end) for span in spans})
        return labelled_by_rank(spans, dict(zip(unique, self.technique_probabilities(state, unique))),
                                self.config.techniques)


def labelled_by_rank(
    spans: list[Span], probabilities: dict[tuple[int, int], np.ndarray], techniques: tuple[str, ...]
) -> list[Span]:
    """The spans, in order, each with a technique from its range's `probabilities`: the k-th listing of a range
    gets its k-th most likely technique."""
    ranked = {key: np.argsort(-row) for key, row in probabilities.items()}
    used: dict[tuple[int, int], int] = defaultdict(int)
    labelled = []
    for span in spans:
        key = (span.start, span.end)
        choice = int(ranked[key][used[key] % len(techniques)])
        used[key] += 1
        labelled.append(Span(span.start, span.end, techniques[choice], float(probabilities[key][choice])))
    return labelled


@dataclass(frozen=True)
class ShippedModel:
    """A model that ships inside the package, by the name `--model` takes."""

    name: str
    folder: str  # under propaganda_lens/models/
    use: str
    claims_folder: str  # the check-worthiness model its analyses use, under propaganda_lens/models/


SHIPPED_MODELS = (
    ShippedModel("accurate", "ptc-mpnet", "The default: the best judgement, for reading and checking articles. all-mpnet-base-v2, int8.",
                 "checkworthiness-mpnet"),
    ShippedModel("fast", "ptc-minilm", "Bulk work (corpus runs, many articles): all-MiniLM-L6-v2 distilled from accurate, int8.",
                 "checkworthiness-minilm"),
)
DEFAULT_MODEL_NAME = "accurate"


def shipped_model_path(folder: str) -> Path:
    """The folder of a model shipped inside the package, by its folder name (ptc-mpnet, ptc-minilm)."""
    return Path(str(resources.files("propaganda_lens") / "models" / folder))


def model_folder(model: str | Path | None = None) -> Path:
    """The folder of a shipped model by name (`accurate`, `fast`), or the given model folder; None: the default model."""
    if model is None:
        model = DEFAULT_MODEL_NAME
    for shipped in SHIPPED_MODELS:
        if str(model) == shipped.name:
            return shipped_model_path(shipped.folder)
    folder = Path(model)
    if not folder.is_dir():
        names = ", ".join(shipped.name for shipped in SHIPPED_MODELS)
        raise ModelError(f"{model}: neither a shipped model ({names}) nor a model folder")
    return folder


def recorded_speed(folder: Path) -> str:
    """Articles per second as `benchmarks/speed.py --record` wrote it into evaluation.json."""
    speed = json.loads((folder / EVALUATION_FILE).read_text(encoding="utf-8")).get("speed")
    return f"{speed['articles_per_s']:.2f} articles/s" if speed else "not measured"


def technique_precision_of(folder: Path) -> dict[str, float]:
    """Per technique, the share of the model's dev spans that matched annotators' (from evaluation.json)."""
    evaluation = folder / EVALUATION_FILE
    return json.loads(evaluation.read_text(encoding="utf-8")).get(PRECISION_KEY, {}) if evaluation.is_file() else {}


def model_version(model: str | Path | None = None) -> str:
    """The model's name and the start of the digest of its checksum list: results stored under it belong to
    exactly these weights and settings (a retrained or recalibrated model gets a new version)."""
    folder = model_folder(model)
    try:
        name = DetectorConfig.from_file(folder / CONFIG_FILE).name
        listing = (folder / CHECKSUM_FILE).read_bytes()
    except (OSError, ValueError, TypeError) as error:
        raise ModelError(f"{folder}: not a complete propaganda-lens model folder ({error})") from None
    return f"{name}@{hashlib.sha256(listing).hexdigest()[:12]}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(folder: Path, names: list[str]) -> None:
    lines = [f"{file_sha256(folder / name)}  {name}\n" for name in sorted(names)]
    write_text_atomically(folder / CHECKSUM_FILE, "".join(lines))


def verify_checksums(folder: Path) -> None:
    """Raise ModelError unless every file listed in SHA256SUMS is present and intact."""
    listing = folder / CHECKSUM_FILE
    if not listing.is_file():
        raise ModelError(f"{folder}: no {CHECKSUM_FILE}")
    for line in listing.read_text(encoding="utf-8").splitlines():
        expected, name = line.split(maxsplit=1)
        path = folder / name
        if not path.is_file():
            raise ModelError(f"{path}: missing model file")
        if file_sha256(path) != expected:
            raise ModelError(f"{path}: checksum mismatch; the model file is corrupt, reinstall propaganda-lens")
