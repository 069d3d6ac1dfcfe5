"""Worst-case eval: does the concern reader name what people say they fear, and only that?

Each item in `evals/concerns/*.yaml` is an answer to "What would be the worst thing that could go
wrong?" with the concern ids it names (an empty list when it names none). Scored per concern and
overall: precision (named and labelled / named), recall (named and labelled / labelled), and the share
of answers read exactly right.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.concerns import ConcernClassifier, load_concerns, read_concerns
from app.yamlfile import read_yaml


@dataclass
class LabelledAnswer:
    answer: str
    concerns: set[str]


def load_answers(path: Path) -> list[LabelledAnswer]:
    data = read_yaml(path)
    if not isinstance(data, list):
        raise ValueError("expected a list of {answer: ..., concerns: [...]}")
    known = {c.id for c in load_concerns()}
    out: list[LabelledAnswer] = []
    for number, item in enumerate(data, 1):
        if not isinstance(item, dict) or "answer" not in item:
            raise ValueError(f"item {number}: expected 'answer' and 'concerns'")
        labels = {str(c) for c in item.get("concerns") or []}
        unknown = labels - known
        if unknown:
            raise ValueError(f"item {number}: unknown concern id(s) {sorted(unknown)}")
        out.append(LabelledAnswer(str(item["answer"]), labels))
    return out


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 1.0


def evaluate(answers: list[LabelledAnswer], classifier: ConcernClassifier | None = None) -> dict[str, Any]:
    """Scores of the reader (patterns, plus the classifier when given) on labelled answers."""
    per: dict[str, dict[str, int]] = {c.id: {"tp": 0, "fp": 0, "fn": 0} for c in load_concerns()}
    exact = 0
    errors: list[dict[str, Any]] = []
    for item in answers:
        got = {n.concern.id for n in read_concerns(item.answer, classifier=classifier)}
        for ident in got & item.concerns:
            per[ident]["tp"] += 1
        for ident in got - item.concerns:
            per[ident]["fp"] += 1
        for ident in item.concerns - got:
            per[ident]["fn"] += 1
        if got == item.concerns:
            exact += 1
        else:
            errors.append({"answer": item.answer, "want": sorted(item.concerns), "got": sorted(got)})
    tp = sum(v["tp"] for v in per.values())
    fp = sum(v["fp"] for v in per.values())
    fn = sum(v["fn"] for v in per.values())
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    return {
        "answers": len(answers),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "exact": _ratio(exact, len(answers)),
        "per_concern": {k: {**v, "precision": _ratio(v["tp"], v["tp"] + v["fp"]),
                            "recall": _ratio(v["tp"], v["tp"] + v["fn"])} for k, v in per.items()},
        "errors": errors,
    }
