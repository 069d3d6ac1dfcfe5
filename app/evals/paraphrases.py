"""Paraphrase eval: does the extractor read each sentence's own fact when the wording is new?

Each sentence in `evals/extraction/paraphrases.yaml` is about one fact. A "yes" sentence should set
that fact to yes; a "no" sentence (the contrasting case) must not set it to yes. Other facts a
sentence happens to mention are not labelled and not scored.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from app.interview.extract import Extractor
from app.model.facts import FACT_PATHS, FactState
from app.yamlfile import read_yaml


def load_paraphrases(path: Path) -> dict[str, dict[str, list[str]]]:
    data = read_yaml(path) or {}
    facts = data.get("facts") if isinstance(data, dict) else None
    if not isinstance(facts, dict):
        raise ValueError("expected a mapping 'facts: {path: {yes: [...], no: [...]}}'")
    out: dict[str, dict[str, list[str]]] = {}
    for fact, sides in facts.items():
        if fact not in FACT_PATHS:
            raise ValueError(f"unknown fact path {fact!r}")
        out[fact] = {"yes": [str(s) for s in sides.get("yes") or []], "no": [str(s) for s in sides.get("no") or []]}
    return out


def evaluate(extractor: Extractor, paraphrases: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    """yes-recall (own fact read as yes) and false-yes rate on the contrasting sentences, per fact."""
    missed: Counter[str] = Counter()
    false_yes: Counter[str] = Counter()
    misses: list[dict[str, str]] = []
    yes_total = no_total = 0
    for fact, sides in paraphrases.items():
        for sentence in sides["yes"]:
            yes_total += 1
            read = {u.path: u.state for u in extractor.extract(sentence)}
            if read.get(fact) is not FactState.YES:
                missed[fact] += 1
                misses.append({"fact": fact, "side": "yes", "text": sentence})
        for sentence in sides["no"]:
            no_total += 1
            read = {u.path: u.state for u in extractor.extract(sentence)}
            if read.get(fact) is FactState.YES:
                false_yes[fact] += 1
                misses.append({"fact": fact, "side": "no", "text": sentence})
    per_fact = {fact: {"yes": len(sides["yes"]), "missed": missed[fact], "no": len(sides["no"]),
                       "false_yes": false_yes[fact]} for fact, sides in paraphrases.items()}
    return {
        "sentences": yes_total + no_total,
        "yes_recall": round(1 - sum(missed.values()) / yes_total, 4) if yes_total else 1.0,
        "false_yes_rate": round(sum(false_yes.values()) / no_total, 4) if no_total else 0.0,
        "per_fact": per_fact,
        "misses": misses,
    }
