"""Publication dates in the forms news sites print them, normalised to ISO 8601."""

from __future__ import annotations

import re
from datetime import datetime

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
DATE_PATTERN = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2})"
)
_FORMATS = ("%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")


def iso_date(text: str) -> str | None:
    """'May 16, 2018', '16 May 2018', 'Sept. 3rd, 2020' or '2018-05-16' as 'YYYY-MM-DD'; None otherwise."""
    cleaned = re.sub(r"(?<=\d)(st|nd|rd|th)\b|[.,]", " ", text.strip())
    cleaned = re.sub(r"\bSept\b", "Sep", " ".join(cleaned.split()))
    for date_format in _FORMATS:
        try:
            return datetime.strptime(cleaned, date_format).date().isoformat()
        except ValueError:
            continue
    return None
