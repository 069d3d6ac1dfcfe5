"""Small wording helpers for sentences built from our own labels."""

from __future__ import annotations


def mid_sentence(text: str) -> str:
    """A label made to read inside a sentence: first letter lower-cased unless the first word is an acronym
    ("API keys …" stays), trailing full stop dropped."""
    text = text.strip().rstrip(".")
    word = text.split(" ", 1)[0]
    return text if len(word) > 1 and word[:2].isupper() else text[:1].lower() + text[1:]
