"""The language of an article (py3langid, which ships its own model), so that a reader learns when the
text is not English: the detector models read English only, and their spans on other text mislead."""

from __future__ import annotations

from functools import lru_cache

MIN_PROBABILITY = 0.5  # below it the language is left undetermined (short or mixed texts)
SAMPLED_CHARS = 20_000  # the start of the text is enough, and keeps long texts fast


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the text's language, or None when no language is likely enough."""
    code, probability = _identifier().classify(text[:SAMPLED_CHARS])
    return code if probability >= MIN_PROBABILITY else None


def language_warnings(language: str | None) -> list[str]:
    """What a reader must know about the language: nothing for English or an undetermined language."""
    if language in (None, "en"):
        return []
    return [
        f"This text looks like it is not English (language code '{language}'). The models read English only: "
        "the highlighted spans may be wrong and real techniques missed."
    ]
