"""Span boundaries a reader accepts: a span holds whole words (`star-studded`, not `studded`), starts and
ends on a content word (not `blow to the`), and stays inside one sentence.

Words here are runs of letters and digits, with hyphens and apostrophes between two of them (`so-called`,
`don't`). Every scan reads each character a bounded number of times, so cleaning is linear in the text.
"""

from __future__ import annotations

import re

# Articles, pronouns, prepositions, conjunctions and auxiliaries: words that carry no technique by themselves.
FUNCTION_WORDS = frozenset(
    """a an the this that these those such some any each every no
    i me my mine we us our ours you your yours he him his she her hers it its they them their theirs
    who whom whose which what where when why how whether there here
    of to in on at by for from with without within into onto upon about above below over under after before
    during since until till through throughout across along among amongst around against between beyond
    toward towards via per than as like unlike
    and or but nor so yet if then else because although though while whereas unless once also too very
    is are was were be been being am do does did done has have had having will would shall should can could
    may might must not
    """.split()
)
WORD_JOINERS = "-'’"
# A possible sentence end inside a span or a gap: . ! ? or … (repeated), closing quotes or brackets, then
# space; or a line break. `_ends_sentence` tells abbreviations apart.
SENTENCE_BREAK = re.compile(r"[.!?…]+[\"'”’»)\]]*\s+|\n")
SENTENCE_PUNCTUATION = ".!?…\"'”’»)]"
# Characters a span never starts or ends with (the PTC v2 trimming rule).
TRIM_CHARACTERS = " \t\n\r.,:;"


ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st sen rep gov gen col lt sgt capt jr sr inc ltd co corp vs etc no fig e.g i.e u.s u.k u.n "
    "jan feb mar apr jun jul aug sep sept oct nov dec dept est rev ave ft mt".split()
)
_LONGEST_SHORT_WORD = max(7, *(len(word) for word in ABBREVIATIONS))  # 7: four initials, "j.r.r.r"
# The word before a full stop, if it is short enough to be an abbreviation; searched in a bounded window, so
# the check costs the same however long the sentence is.
_LAST_WORD = re.compile(rf"(?<![\w.])([\w.]{{1,{_LONGEST_SHORT_WORD}}})\.$")
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # "h.w", "j.r.r": letters, each alone


def ends_abbreviation(text: str, start: int, end: int) -> bool:
    """Whether the full stop at text[end - 1] (in a stretch that began at `start`) ends an abbreviation
    ("Mr.", "U.S.") or initials ("J. Smith", "George H.W. Bush") rather than a sentence."""
    match = _LAST_WORD.search(text, max(start, end - _LONGEST_SHORT_WORD - 1), end)
    if match is None:
        return False
    word = match.group(1).lower()
    return word in ABBREVIATIONS or len(word) == 1 or _INITIALS.fullmatch(word) is not None


def _ends_sentence(text: str, start: int, match: re.Match) -> bool:
    """Whether a sentence-end match (in a stretch that began at `start`) is one: a line break, or punctuation
    that does not close an abbreviation."""
    if match.group() == "\n":
        return True
    first = match.start()
    return text[first] != "." or not ends_abbreviation(text, start, first + 1)


def is_word_character(text: str, index: int) -> bool:
    character = text[index]
    if character.isalnum():
        return True
    return (
        character in WORD_JOINERS
        and 0 < index < len(text) - 1
        and text[index - 1].isalnum()
        and text[index + 1].isalnum()
    )


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened so that it cuts no word."""
    while start > 0 and is_word_character(text, start - 1) and is_word_character(text, start):
        start -= 1
    while end < len(text) and is_word_character(text, end) and is_word_character(text, end - 1):
        end += 1
    return start, end


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past leading and trailing whitespace and clause punctuation."""
    while start < end and text[start] in TRIM_CHARACTERS:
        start += 1
    while end > start and text[end - 1] in TRIM_CHARACTERS:
        end -= 1
    return start, end


def first_word(text: str, start: int, end: int) -> tuple[int, int]:
    """The first word of [start, end) as (its start, its end), or (end, end) if there is none."""
    while start < end and not is_word_character(text, start):
        start += 1
    word_end = start
    while word_end < end and is_word_character(text, word_end):
        word_end += 1
    return start, word_end


def last_word(text: str, start: int, end: int) -> tuple[int, int]:
    """The last word of [start, end) as (its start, its end), or (start, start) if there is none."""
    while end > start and not is_word_character(text, end - 1):
        end -= 1
    word_start = end
    while word_start > start and is_word_character(text, word_start - 1):
        word_start -= 1
    return word_start, end


def without_edge_function_words(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) shrunk past the function words at either edge (empty if it holds nothing else)."""
    while True:
        word_start, word_end = first_word(text, start, end)
        if word_start == word_end or text[word_start:word_end].lower() not in FUNCTION_WORDS:
            break
        start = word_end
    while True:
        word_start, word_end = last_word(text, start, end)
        if word_start == word_end or text[word_start:word_end].lower() not in FUNCTION_WORDS:
            break
        end = word_start
    return trim(text, start, end)


def sentence_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut at the sentence ends and line breaks inside it."""
    pieces = []
    for match in SENTENCE_BREAK.finditer(text, start, end):
        if not _ends_sentence(text, start, match):
            continue
        pieces.append((start, match.start() + len(match.group().rstrip())))
        start = match.end()
    pieces.append((start, end))
    return pieces


def clean_spans(text: str, spans: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Spans cut at sentence ends, widened to whole words and shrunk past edge function words; pieces with
    no content word left are dropped."""
    cleaned = []
    for start, end, probability in spans:
        start, end = whole_words(text, start, end)
        for piece_start, piece_end in sentence_pieces(text, start, end):
            piece_start, piece_end = without_edge_function_words(text, *trim(text, piece_start, piece_end))
            word_start, word_end = first_word(text, piece_start, piece_end)
            if word_start < word_end:
                cleaned.append((piece_start, piece_end, probability))
    return cleaned


def crosses_sentence_end(text: str, start: int, end: int) -> bool:
    """Whether the gap [start, end) between two spans ends a sentence, counting the punctuation and space
    that the spans on either side kept (`patriots!`, `" Then`)."""
    while start > 0 and text[start - 1] in SENTENCE_PUNCTUATION:
        start -= 1
    while end < len(text) and (text[end] in SENTENCE_PUNCTUATION or text[end].isspace()):
        end += 1
    # The stretch starts a little earlier, so that the word before a full stop is seen ("Mr." in a span).
    return any(_ends_sentence(text, max(0, start - 8), match) for match in SENTENCE_BREAK.finditer(text, start, end))
