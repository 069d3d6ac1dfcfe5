"""Extraction eval: per-fact precision/recall and micro F1 of the offline extractor on labelled answers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.interview.extract import Extractor
from app.yamlfile import read_yaml


@dataclass
class LabelledAnswer:
    id: str
    text: str
    asked: list[str]
    expected: dict[str, str]


def load_answers(path: Path) -> list[LabelledAnswer]:
    data = read_yaml(path) or []
    return [
        LabelledAnswer(str(item["id"]), str(item["text"]), list(item.get("asked") or []),
                       {k: str(v).lower() for k, v in (item.get("expected") or {}).items()})
        for item in data
    ]


def evaluate(extractor: Extractor, answers: list[LabelledAnswer]) -> dict[str, Any]:
    """Micro precision/recall/F1 over (fact, state) pairs, per-fact counts, and the misses."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    for answer in answers:
        predicted = {u.path: u.state.value for u in extractor.extract(answer.text, answer.asked)}
        for path, state in predicted.items():
            if answer.expected.get(path) == state:
                tp[path] += 1
            else:
                fp[path] += 1
        for path, state in answer.expected.items():
            if predicted.get(path) != state:
                fn[path] += 1
        wrong = {p: (predicted.get(p), answer.expected.get(p)) for p in set(predicted) | set(answer.expected)
                 if predicted.get(p) != answer.expected.get(p)}
        if wrong:
            errors.append({"id": answer.id, "wrong": wrong})
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    precision = total_tp / (total_tp + total_fp) if total_tp + total_fp else 0.0
    recall = total_tp / (total_tp + total_fn) if total_tp + total_fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    per_fact = {}
    for path in sorted(set(tp) | set(fp) | set(fn)):
        p = tp[path] / (tp[path] + fp[path]) if tp[path] + fp[path] else 0.0
        r = tp[path] / (tp[path] + fn[path]) if tp[path] + fn[path] else 0.0
        per_fact[path] = {"precision": round(p, 3), "recall": round(r, 3), "tp": tp[path], "fp": fp[path],
                          "fn": fn[path]}
    return {"answers": len(answers), "precision": round(precision, 4), "recall": round(recall, 4),
            "micro_f1": round(f1, 4), "per_fact": per_fact, "errors": errors}
