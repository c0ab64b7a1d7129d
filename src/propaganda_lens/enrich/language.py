"""The language of an article (py3langid, which ships its own model), so that a reader learns when the
text is not English: the detector models read English only, and their spans on other text mislead."""

from __future__ import annotations

import re
from functools import lru_cache

from propaganda_lens.detect.boundaries import FUNCTION_WORDS

MIN_PROBABILITY = 0.5  # below it the language is left undetermined (short or mixed texts)
SAMPLED_CHARS = 20_000  # the start of the text is enough, and keeps long texts fast
# Plainly English text skips the language model, whose first use costs about half a second of loading:
# at least 50 words, a fifth of them English function words (PTC articles: 25% or more; French and
# German samples: 4% and 0%; py3langid agreed on every PTC dev article and 100 train articles).
PLAIN_ENGLISH_WORDS = 50
PLAIN_ENGLISH_SHARE = 0.2
_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the text's language, or None when no language is likely enough."""
    sample = text[:SAMPLED_CHARS]
    if is_plain_english(sample):
        return "en"
    code, probability = _identifier().classify(sample)
    return code if probability >= MIN_PROBABILITY else None


def is_plain_english(sample: str) -> bool:
    words = _WORD.findall(sample.lower())
    english = sum(word in FUNCTION_WORDS for word in words)
    return len(words) >= PLAIN_ENGLISH_WORDS and english >= PLAIN_ENGLISH_SHARE * len(words)


def not_analyzed_message(language: str | None) -> str:
    """What the reports say instead of techniques for a text that is not English."""
    return (f"This text was not analyzed for propaganda techniques because it is not English (language code "
            f"'{language}'): the models read English only.")


def language_warnings(language: str | None) -> list[str]:
    """What a reader must know about the language: nothing for English or an undetermined language."""
    if language in (None, "en"):
        return []
    return [
        f"This text looks like it is not English (language code '{language}'). The models read English only: "
        "the highlighted spans, actors, relations and claims may be wrong, and real ones missed."
    ]
