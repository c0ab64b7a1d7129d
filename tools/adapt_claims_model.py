"""Measure what training a check-worthiness run further on newer debates would give: CT24 dev-test (2020-era US
debates, like CheckThat! 2024's test set) as extra training data, by cross-validation over dev-test.

    python tools/adapt_claims_model.py RUN --base-model mpnet [--ct24 DIR] [--folds 4] [-o figures.json]

RUN is a `train-claims --select-on-train` run folder (its best.pt). dev-test is cut into folds of consecutive ids
(neighbouring debate lines stay on one side); each fold is scored by the run's network trained further on the
other folds plus a replay sample of its own train sentences (3 per dev-test sentence, so that it keeps what it
learned there; 2 epochs, learning rate 1e-5, fixed beforehand), next to the network as it is. Scores: at the run's
own threshold, and at a threshold chosen on the other folds (nested). Needs the train extra.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import AutoModelForSequenceClassification

from propaganda_lens.detect.encoding import special_token_ids
from propaganda_lens.train import base_models
from propaganda_lens.train.checkworthiness import (
    SPLIT_FILES, LabelledSentence, _Batches, _predict, positive_f1, read_sentences, train_holdout,
)
from propaganda_lens.train.classifier import epoch_batches, train_step
from propaganda_lens.train.line_threshold import fold_of, nested_f1

CT24 = Path(__file__).resolve().parents[2] / "shared" / "data" / "checkthat2024-task1-en"


def nested_cut_f1(probabilities: np.ndarray, labels: np.ndarray, folds: np.ndarray) -> dict[str, float]:
    """Positive-class scores when each fold (blocks of `fold_of`) is cut at the threshold that is best on the other
    folds."""
    scores = nested_f1(None, (probabilities, labels), len(np.unique(folds)))
    return {name: scores[name] for name in ("precision", "recall", "f1")}


def adaptation_figures(run: Path, base: Path, data: Path, folds: int = 4, replay: float = 3.0, epochs: int = 2,
                       batch_size: int = 16, learning_rate: float = 1e-5, max_tokens: int = 96, seed: int = 13) -> dict:
    """Out-of-fold dev-test scores of the run's network as it is and trained further on the other folds."""
    trained = torch.load(run / "best.pt", weights_only=False)
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.no_padding()
    pad_id = special_token_ids(tokenizer)[2]
    newer = sorted(read_sentences(data / SPLIT_FILES["dev-test"]), key=lambda sentence: int(sentence.id))
    older = [s for s in read_sentences(data / SPLIT_FILES["train"]) if not train_holdout(s.id)]
    rng = np.random.default_rng(seed)

    def network() -> torch.nn.Module:
        loaded = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=2)
        loaded.load_state_dict(trained["network"])
        return loaded

    def adapted(sentences: list[LabelledSentence]) -> torch.nn.Module:
        chosen = rng.choice(len(older), min(len(older), int(replay * len(sentences))), replace=False)
        batches = _Batches(tokenizer, sentences + [older[index] for index in chosen], max_tokens, pad_id)
        return fine_tuned(network(), batches, epochs, batch_size, learning_rate, seed)

    block = fold_of(len(newer), folds)
    labels = np.array([sentence.check_worthy for sentence in newer])
    as_trained = _predict(network(), _Batches(tokenizer, newer, max_tokens, pad_id))
    out_of_fold = np.zeros(len(newer), dtype=np.float32)
    for fold in range(folds):
        rest = [sentence for sentence, where in zip(newer, block) if where != fold]
        held = _Batches(tokenizer, [sentence for sentence, where in zip(newer, block) if where == fold], max_tokens, pad_id)
        out_of_fold[block == fold] = _predict(adapted(rest), held)
    threshold = trained["threshold"]
    return {"folds": folds, "sentences": len(newer), "threshold": threshold, "replay": replay, "epochs": epochs,
            "learning_rate": learning_rate,
            **{name: {"at_threshold": positive_f1(scores, labels, threshold),
                      "nested_cut": nested_cut_f1(scores, labels, block)}
               for name, scores in (("as trained", as_trained), ("adapted", out_of_fold))}}


def fine_tuned(network: torch.nn.Module, batches: _Batches, epochs: int, batch_size: int, learning_rate: float,
               seed: int) -> torch.nn.Module:
    """`network` trained further on `batches` (AdamW, linear warm-up over a tenth of the steps, then decay)."""
    torch.manual_seed(seed)
    optimizer = torch.optim.AdamW(network.parameters(), lr=learning_rate, weight_decay=0.01)
    lengths = [len(ids) for ids in batches.encodings]
    plans = [epoch_batches(lengths, batch_size, np.random.default_rng(seed + epoch), True) for epoch in range(epochs)]
    total = sum(len(plan) for plan in plans)
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))
    )
    for plan in plans:
        network.train()
        for batch in plan:
            train_step(network, optimizer, schedule, *batches.tensors(batch))
    return network


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--base-model", default="minilm")
    parser.add_argument("--ct24", type=Path, default=CT24)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("-o", "--output", type=Path, help="also write the figures to this JSON file")
    options = parser.parse_args()
    figures = adaptation_figures(options.run, base_models.resolve(options.base_model), options.ct24, options.folds)
    text = json.dumps(figures, indent=2)
    if options.output:
        options.output.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
