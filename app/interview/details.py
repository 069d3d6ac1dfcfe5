"""Security-relevant details in the user's own words, kept whatever the fact catalogue makes of them.

The catalogue is coarse: "the PIN can be turned off and a lot of homes do" or "the key is copied into the
sandbox" set few facts or none, yet they are what a reviewer would start from. The interview keeps every
sentence that names such a detail (`knowledge/interview/security_details.yaml`) in
`profile.security_notes`, and the rules pass lists those no threat quotes (CHK-COV-007).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from app.interview.extract import split_sentences
from app.model import Threat
from app.yamlfile import read_yaml

DETAILS_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "interview" / "security_details.yaml"
MAX_NOTES = 60
MAX_NOTE = 300


class Detail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z_]+$")
    label: str = Field(min_length=3, max_length=80)
    pattern: str


class DetailFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    details: list[Detail] = Field(min_length=1)


@dataclass(frozen=True)
class Compiled:
    detail: Detail
    regex: re.Pattern[str]


@lru_cache(maxsize=1)
def load_details(path: Path = DETAILS_FILE) -> tuple[Compiled, ...]:
    spec = DetailFile.model_validate(read_yaml(path))
    return tuple(Compiled(d, re.compile(d.pattern)) for d in spec.details)


def details_in(text: str) -> list[tuple[str, str]]:
    """(sentence, label of the first kind of detail it names) for each sentence of `text` that names one."""
    out: list[tuple[str, str]] = []
    for sentence in split_sentences(text or ""):
        lowered = sentence.lower()
        hit = next((c.detail.label for c in load_details() if c.regex.search(lowered)), None)
        if hit:
            out.append((sentence[:MAX_NOTE], hit))
    return out


def remember(notes: list[str], text: str) -> list[str]:
    """`notes` with the new sentences of `text` that name a detail (no duplicates, at most MAX_NOTES)."""
    kept = list(notes)
    for sentence, _ in details_in(text):
        if sentence not in kept and len(kept) < MAX_NOTES:
            kept.append(sentence)
    return kept


def label_of(sentence: str) -> str:
    found = details_in(sentence)
    return found[0][1] if found else "a security detail"


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def quoted(sentence: str, quotes: list[str]) -> bool:
    """Whether a threat's evidence already quotes (part of) this sentence."""
    target = _norm(sentence)
    return any(q and (q in target or target in q) for q in (_norm(x) for x in quotes) if len(q) >= 12)


def quoting_threats(note: str, threats: list[Threat]) -> list[Threat]:
    """The threats whose evidence quotes this note."""
    return [t for t in threats if quoted(note, [r.quote or "" for w in t.why_applies for r in w.facts])]
