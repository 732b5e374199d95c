"""A question as a phrasing of the bank could hold it: what learning from clicks stores and `content accept` adds."""

from __future__ import annotations

from bot.tutor.reading.words import APOSTROPHES, SLACK_TOKEN

# A phrasing in topics.yaml is at most this long (content/models.py); a longer question is never learned.
MAX_PHRASING = 200
_EDGES = " ?!.,;:'\"()[]*_~"


def phrasing_form(text: str) -> str:
    """A question as a phrasing could hold it: Slack markup gone, lower case, spaces collapsed, no edge punctuation.

    Unlike `normalize` it keeps what makes a phrasing read well ("what's the cost of a gpu"), so two people who
    typed the same words in different case or spacing count as one question."""
    text = SLACK_TOKEN.sub(" ", text.translate(APOSTROPHES))
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.casefold().split()).strip(_EDGES)


def learnable(text: str) -> str | None:
    """The question's phrasing form, or None when it is empty or too long to become a phrasing."""
    form = phrasing_form(text)
    return form if 0 < len(form) <= MAX_PHRASING else None
