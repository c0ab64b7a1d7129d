"""Span boundaries a reader accepts: a span holds whole words (`star-studded`, not `studded`), whole names
(`Al Qaeda`, not `Qaeda`) and whole fixed expressions (`quid pro quo`), starts and ends on a content word
(not `blow to the`), and stays inside one sentence and one clause (`traitors` and `the corrupt elites will
destroy our nation` are two spans, not one across `, and`).

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
# A clause break: a semicolon, or a comma and a coordinating conjunction before a pronoun or determiner
# (`, and they`, `, but the`), where a new clause starts; before other words (`, and Iran`, `, or worse`)
# the comma more often closes a list. Chosen on PTC train gold and dev (benchmarks/edge_rules.py).
CLAUSE_SUBJECTS = "i we you he she it they there this that these those the a an his her their our my its".split()
CLAUSE_BREAK = re.compile(
    rf",\s+(?:and|but|or|nor|yet|so)\s+(?=(?:{'|'.join(CLAUSE_SUBJECTS)})\b)|;\s+", re.IGNORECASE
)
_LONGEST_CLAUSE_SUBJECT = max(len(word) for word in CLAUSE_SUBJECTS)
# Multi-word expressions a span never cuts: foreign phrases and a few fixed compounds of political prose.
# Each starts and ends with a content word, so a span widened to hold one still has content-word edges.
FIXED_EXPRESSIONS = (
    "quid pro quo", "status quo", "de facto", "de jure", "ad hominem", "ad hoc", "bona fide", "mea culpa",
    "vice versa", "modus operandi", "persona non grata", "carte blanche", "fait accompli", "habeas corpus",
    "fake news", "witch hunt", "deep state", "national security",
)
FIXED_EXPRESSION = re.compile(
    rf"(?<![\w'’-])(?:{'|'.join(re.escape(expression) for expression in FIXED_EXPRESSIONS)})(?![\w'’-])",
    re.IGNORECASE,
)
_LONGEST_EXPRESSION = max(len(expression) for expression in FIXED_EXPRESSIONS)
# A name is a run of capitalized words joined by single spaces (`New York Times`); a longer run is a
# title-case headline, not a name. Longer words are not read as name words, which bounds each scan.
MOST_NAME_WORDS = 4
_LONGEST_NAME_WORD = 30
# What may stand between a sentence end and the first word of the next sentence.
_OPENING_CHARACTERS = " \t\"'“‘«(["


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


def clause_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut at the clause breaks inside it, the breaks left out."""
    pieces = []
    for match in CLAUSE_BREAK.finditer(text, start, end):
        pieces.append((start, match.start()))
        start = match.end()
    pieces.append((start, end))
    return pieces


def crosses_clause_break(text: str, start: int, end: int) -> bool:
    """Whether a clause break starts in the gap [start, end) between two spans (the word it needs after it
    may lie in the next span, so a few characters past the gap are read)."""
    match = CLAUSE_BREAK.search(text, start, min(len(text), end + _LONGEST_CLAUSE_SUBJECT + 1))
    return match is not None and match.start() < end


def _starts_sentence(text: str, word_start: int) -> bool:
    """Whether the word at `word_start` may open a sentence: no word, comma or dash stands close before it
    (only spaces, opening quotes or brackets)."""
    index = word_start
    while index > 0 and text[index - 1] in _OPENING_CHARACTERS and word_start - index < 3:
        index -= 1
    return index == 0 or not (is_word_character(text, index - 1) or text[index - 1] in ",;-–—")


def _capitalized_words_before(text: str, space: int) -> list[tuple[int, int, bool]]:
    """The capitalized words that run back from the single space at `space`, nearest first, up to
    MOST_NAME_WORDS + 1 of them, as (start, end, whether it may open a sentence); such a word ends the run."""
    words: list[tuple[int, int, bool]] = []
    while len(words) <= MOST_NAME_WORDS and space > 0 and is_word_character(text, space - 1):
        start = space - 1
        while start > 0 and is_word_character(text, start - 1) and space - start <= _LONGEST_NAME_WORD:
            start -= 1
        if not text[start].isupper() or (start > 0 and is_word_character(text, start - 1)):
            break
        words.append((start, space, _starts_sentence(text, start)))
        space = start - 1
        if words[-1][2] or space < 0 or text[space] != " ":
            break
    return words


def _capitalized_words_after(text: str, space: int) -> list[tuple[int, int, bool]]:
    """The capitalized words that run on from the single space at `space`, up to MOST_NAME_WORDS + 1 of
    them, as (start, end, False): none of them opens a sentence."""
    words: list[tuple[int, int, bool]] = []
    while len(words) <= MOST_NAME_WORDS and space + 1 < len(text) and is_word_character(text, space + 1):
        end = space + 1
        while end < len(text) and is_word_character(text, end) and end - space <= _LONGEST_NAME_WORD:
            end += 1
        if not text[space + 1].isupper() or (end < len(text) and is_word_character(text, end)):
            break
        words.append((space + 1, end, False))
        space = end
        if space >= len(text) or text[space] != " ":
            break
    return words


def _name_part(text: str, words: list[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
    """A run of capitalized words less its outer words that are function words or may open a sentence (a
    sentence's first word is capitalized whether or not it is a name's)."""
    while words and (words[-1][2] or text[words[-1][0]:words[-1][1]].lower() in FUNCTION_WORDS):
        words = words[:-1]
    return words


def _name_around(text: str, space: int) -> tuple[int, int] | None:
    """The name that the single space at `space` lies inside, if it does: a run of at most MOST_NAME_WORDS
    capitalized words (a longer run is a title-case headline)."""
    if not 0 <= space < len(text) or text[space] != " ":
        return None
    before, after = _capitalized_words_before(text, space), _capitalized_words_after(text, space)
    if len(before) + len(after) > MOST_NAME_WORDS:
        return None
    before, after = _name_part(text, before), _name_part(text, after)
    if not before or not after:
        return None
    return before[-1][0], after[-1][1]


def _expression_around(text: str, cut: int) -> tuple[int, int] | None:
    """The fixed expression that position `cut` lies strictly inside, if it does."""
    window_start = max(0, cut - _LONGEST_EXPRESSION)
    for match in FIXED_EXPRESSION.finditer(text, window_start, min(len(text), cut + _LONGEST_EXPRESSION + 1)):
        if match.start() < cut < match.end():
            return match.span()
    return None


def whole_names(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened so that it cuts no name and no fixed expression. Names and expressions hold
    single spaces only, so the widened span crosses no sentence end or clause break."""
    before = _name_around(text, start - 1) or _expression_around(text, start)
    after = _name_around(text, end) or _expression_around(text, end)
    return before[0] if before else start, after[1] if after else end


def clean_spans(text: str, spans: list[tuple[int, int, float]], cut_clauses: bool = True,
                keep_names: bool = True) -> list[tuple[int, int, float]]:
    """Spans cut at sentence ends and (`cut_clauses`) clause breaks, widened to whole words and shrunk past
    edge function words, then (`keep_names`) widened to whole names and fixed expressions; pieces with no
    content word left are dropped."""
    cleaned = []
    for start, end, probability in spans:
        start, end = whole_words(text, start, end)
        for sentence in sentence_pieces(text, start, end):
            for piece_start, piece_end in clause_pieces(text, *sentence) if cut_clauses else [sentence]:
                piece_start, piece_end = without_edge_function_words(text, *trim(text, piece_start, piece_end))
                word_start, word_end = first_word(text, piece_start, piece_end)
                if word_start == word_end:
                    continue
                if keep_names:
                    piece_start, piece_end = whole_names(text, piece_start, piece_end)
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
