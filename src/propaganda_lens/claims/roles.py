"""Sentence roles: what part of an article a sentence is. Only a statement can be a check-worthy claim; the
check-worthiness model scores statements, and the rules below name every other role (issue 23, item 2).

- headline: the title line and its repeats, a banner in capitals ("BREAKING NEWS: …"), bullet lines right
  under the headline ("* PM Orban faces elections on April 8, leads all polls");
- credit: bylines and datelines on their own line, reporting, editing and contribution lines, source and
  permission lines, a correspondent's note, an editor's note in brackets;
- caption: a line right above a photo credit, and short lines without a sentence's end (subheadings, photo
  credits, signatures, labels such as "Email *");
- promo: the site's furniture (ingest.boilerplate's prompts in the first PROMPT_WORDS words of a line: "SEE
  MORE: …", "Also on rt.com", "Follow us on …"), polls and their options, embedded tweets, bare links;
- question: a sentence that ends with a question mark;
- statement: everything else.

The rules read the text only (no parse), so they cost next to nothing. `line_role` holds the rules that
need no article around the sentence (questions, banners, polls, embedded tweets, bare links); the others
apply only to a sentence that is a line of its own, so that prose that happens to mention a credit or a
sign-up ("I raise the child-care credit by $1,000", "get our seniors to sign up to these drug discount
cards") stays a statement.
"""

from __future__ import annotations

import re
from enum import Enum

import numpy as np

from propaganda_lens.ingest.boilerplate import is_boilerplate
from propaganda_lens.ingest.sources import headline


class Role(str, Enum):
    HEADLINE = "headline"
    CREDIT = "credit"
    CAPTION = "caption"
    PROMO = "promo"
    QUESTION = "question"
    STATEMENT = "statement"


NEVER_CLAIMS = frozenset(role for role in Role if role is not Role.STATEMENT)

_CLOSERS = "\"'”’»)]* "
_CREDIT = re.compile(
    r"\(?(?:additional )?(?:reporting|writing|editing|compiled|translated) by\b.{0,200}"
    r"|.{0,60}\bcontributed (?:reporting )?to this (?:story|report|article)\.?"
    r"|[\w.' -]{1,40} is an? (?:special |staff |senior |contributing |foreign |chief )*"
    r"(?:correspondent|reporter|writer|editor|columnist|contributor)\b[^.]{0,60}\.?"
    r"|.{0,40}\b(?:originally|with permission)\b.{0,20}\b(?:from|by|at|on)\b.{0,80}"  # "Article posted with permission from …"
    r"|[“\"][^”\"\n]{5,200}[”\"],?\s+by\s+\w.{0,100}"  # a cited story: '"Federal prosecutors …," by Matt Dixon, Politico'
    r"|(?-i:By [A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3})"  # a byline
    r"|(?-i:[A-Z][A-Z .,'-]{2,40}\((?:Reuters|AP|AFP|UPI|Xinhua|TASS|Sputnik|RT)\)\s*[-–—]?)"  # a dateline alone
    r"|\([^()\n]{1,80}\)",  # an editor's note or a reference in brackets: "(Fixes dateline)", "(Matthew 15:14)"
    re.IGNORECASE,
)
_PHOTO_CREDIT = re.compile(
    r"[\[(]?\s*(?:photo|image|picture|photograph)\b[^\n]{0,60}|.{0,60}/\s*(?:getty images|reuters|afp|ap|epa)\b.{0,20}",
    re.IGNORECASE,
)
_PROMO = re.compile(
    r"pic\.twitter\.com/|\bt\.co/\w|—\s*[^\n]{1,60}\(@\w+\)\s*\w+ \d{1,2}, \d{4}"  # an embedded tweet
    r"|\btake our poll\b|\bstory continues below\b|^our (?:standards|editorial (?:policy|guidelines|standards))\b"
    r"|^\W*(?:https?://|www\.)\S+\W*$",  # a bare link
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*[*•▪·◦-]\s")
SENTENCE_ENDS = ".!?…"
PROMPT_WORDS = 10  # a promo line opens with its prompt ("SEE MORE:", "Also on rt.com", "Follow us on …")
MAX_LABEL_WORDS = 10  # a line this short without a sentence's end is a label, not prose
MAX_CAPTION_WORDS = 60
BANNER_CAPITALS = 0.8  # share of a sentence's letters in capitals from which it is a banner
MIN_BANNER_LETTERS = 20


def is_question(sentence: str) -> bool:
    """Whether a sentence ends with a question mark, quote marks and brackets after it aside ("… ridiculed?”")."""
    return sentence.strip().rstrip(_CLOSERS).endswith("?")


def line_role(sentence: str) -> Role:
    """The role of a sentence read on its own: question, promo, a banner (headline) or statement."""
    text = sentence.strip()
    if is_question(text):
        return Role.QUESTION
    if _PROMO.search(text):
        return Role.PROMO
    letters = [character for character in text if character.isalpha()]
    if len(letters) >= MIN_BANNER_LETTERS and sum(c.isupper() for c in letters) >= BANNER_CAPITALS * len(letters):
        return Role.HEADLINE
    return Role.STATEMENT


def sentence_roles(text: str, ranges: list[tuple[int, int]], title: str | None = None) -> list[Role]:
    """The role of each sentence of an article's `text`; `ranges` are all its sentences [start, end), in order
    (enrich.sentences.sentence_ranges). `title` is the article's headline when ingestion found one, else the
    text's first line when it reads as one (ingest.sources.headline); a sentence that is the title, or repeats
    it, is a headline. Linear in the text: each gap between sentences is read once."""
    title = title or headline(text)
    wanted = _normal(title) if title else None
    # A sentence is a whole line when a line break (or the text's edge) comes before and after it.
    breaks = [index == 0 or "\n" in text[ranges[index - 1][1] : start] for index, (start, _) in enumerate(ranges)]
    whole_lines = [breaks[index] and (index + 1 == len(ranges) or breaks[index + 1]) for index in range(len(ranges))]
    roles: list[Role] = []
    headline_block = True  # only headlines and credits so far
    for index, (start, end) in enumerate(ranges):
        sentence = text[start:end]
        role = line_role(sentence)
        if role is Role.STATEMENT and wanted is not None and _normal(sentence) == wanted:
            role = Role.HEADLINE
        elif role is Role.STATEMENT and whole_lines[index]:
            following = index + 1 < len(ranges) and whole_lines[index + 1]
            next_line = text[ranges[index + 1][0] : ranges[index + 1][1]] if following else ""
            role = _line_role(sentence, next_line, roles[-1] if roles else None, headline_block and bool(roles))
        headline_block = headline_block and role in (Role.HEADLINE, Role.CREDIT)
        roles.append(role)
    return roles


def _line_role(sentence: str, next_line: str, previous: Role | None, under_headline: bool) -> Role:
    """The role of a sentence that is a whole line, from its words and the lines around it."""
    words = sentence.split()
    if is_boilerplate(" ".join(words[:PROMPT_WORDS])):
        return Role.PROMO
    if _CREDIT.fullmatch(sentence.strip()):
        return Role.CREDIT
    if _BULLET.match(sentence):
        if under_headline:
            return Role.HEADLINE  # summary bullets under the headline
        if previous in (Role.PROMO, Role.QUESTION):
            return Role.PROMO  # a poll's options
    if next_line and _PHOTO_CREDIT.fullmatch(next_line.strip()) and len(words) <= MAX_CAPTION_WORDS:
        return Role.CAPTION
    if len(words) <= MAX_LABEL_WORDS and sentence.rstrip().rstrip(_CLOSERS)[-1:] not in SENTENCE_ENDS:
        return Role.CAPTION
    return Role.STATEMENT


def _normal(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").casefold().split())


def statements_only(probabilities, roles: list[Role]) -> np.ndarray:
    """The check-worthiness of each sentence: the model's probability for a statement, 0 for a role that is
    never a claim."""
    return np.where([role in NEVER_CLAIMS for role in roles], 0.0, np.asarray(probabilities, dtype=np.float32))
