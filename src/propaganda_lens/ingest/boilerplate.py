"""Site boilerplate inside an article's body: promotions, share and follow prompts, cross-links to the site's
other stories ("Also on rt.com", "SEE MORE:", "DON'T MISS"), membership pitches and the outlet's disclaimer.

The rule is general, not a list of sites: a short paragraph that asks the reader to do something for the
site (share, follow, subscribe, join, donate, read or see more, don't miss), or a paragraph saying whose views
the article does not reflect.
"""

from __future__ import annotations

import re

SHORT_PARAGRAPH = 200
_LONGEST_DISCLAIMER = 600

_PROMPT = re.compile(
    r"become an? (?:member|patron|subscriber|insider)|^comment on\b"
    r"|leave a (?:comment|reply)|^share (?:this|on)\b|like this (?:story|article|post)\b"
    r"|^subscribe\b|\bsubscribe (?:now|today|here)\b|subscribe to (?:our|my|his|her|the)\b[^.]{0,40}"
    r"(?:newsletter|channel|podcast|feed)|sign up (?:for|to|now|today)\b|^donate\b|donate (?:now|today)"
    r"|^support us\b|support (?:our|independent) (?:work|journalism)"
    r"|\bfollow (?:us|@?\w+(?: \w+){0,4} on (?:facebook|twitter|x|instagram|telegram|youtube|tiktok|linkedin|"
    r"threads|bluesky|vk|gab|truth social))\b"
    r"|^(?:also|more) on [\w.-]+\.\w{2,}\b|^(?:read|see|watch|listen) (?:more|also|next)\b|^related\s*:"
    r"|related (?:articles|posts|stories|coverage)|click here|for media inquiries|fair use|all rights reserved"
    r"|\bjoin (?:[A-Z][A-Za-z]*(?:PLUS|\+)|our (?:newsletter|mailing list|community))|something to consider\b"
    r"|^(?:tags|filed under|share|print|email|advertisement|sponsored|promoted|don[’']?t miss|must read|trending"
    r"|exclusive|watch)\s*\*?\s*(?::|$)",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"(?:views|opinions)(?: and (?:views|opinions))? expressed (?:in (?:this|the) (?:article|piece|column|op-ed)"
    r"|here(?:in)?|by (?:the )?(?:author|contributors?))\b.{0,80}?(?:solely|do not necessarily|are (?:those|the))"
    r"|^disclaimer\b",
    re.IGNORECASE,
)


def is_boilerplate(paragraph: str) -> bool:
    """True for a paragraph that is the site's furniture rather than the article's text."""
    text = paragraph.strip()
    if not text:
        return False
    if len(text) <= SHORT_PARAGRAPH and _PROMPT.search(text):
        return True
    return len(text) <= _LONGEST_DISCLAIMER and bool(_DISCLAIMER.search(text))
