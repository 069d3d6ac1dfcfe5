"""DREAD scores: the knowledge-base default of the threat's main technique, adjusted by facts, explained."""

from __future__ import annotations

from app.conditions import evaluate
from app.draft.rules import DreadAdjustmentRule
from app.kb.entries import Dread as KbDread
from app.kb.loader import KnowledgeBase
from app.model import Dread, DreadAdjustment, Stride, SystemProfile

DIMENSIONS = ("damage", "reproducibility", "exploitability", "affected_users", "discoverability")
NEUTRAL = {"damage": 5, "reproducibility": 5, "exploitability": 5, "affected_users": 5, "discoverability": 5}


def base_scores(kb: KnowledgeBase, techniques: list[str]) -> dict[str, int]:
    """Defaults from the first technique with a profile (the threat's main technique)."""
    for ident in techniques:
        tech = kb.techniques.get(ident)
        if tech is not None and tech.prose is not None:
            return {d: int(getattr(tech.prose.dread, d)) for d in DIMENSIONS}
    return dict(NEUTRAL)


def score(kb: KnowledgeBase, profile: SystemProfile, techniques: list[str], stride: list[Stride],
          assets: list[str], adjustments: list[DreadAdjustmentRule], default: KbDread | None = None) -> Dread:
    """Base: the template's own default when it has one (a threat with no technique, or one whose concrete
    attack differs from its technique's generic profile), else the main technique's profile."""
    values = base_scores(kb, techniques)
    if default is not None:
        values = {d: int(getattr(default, d)) for d in DIMENSIONS}
    applied: list[DreadAdjustment] = []
    for rule in adjustments:
        if rule.stride and not set(rule.stride) & set(stride):
            continue
        if rule.assets and not set(rule.assets) & set(assets):
            continue
        if set(rule.except_techniques) & set(techniques):
            continue
        if rule.techniques and not set(rule.techniques) & set(techniques):
            continue
        ok, matches = evaluate(rule.when, profile)
        if not ok:
            continue
        before = values[rule.dimension]
        values[rule.dimension] = max(0, min(10, before + rule.delta))
        delta = values[rule.dimension] - before
        if delta:
            fact = matches[0].path if matches else None
            applied.append(DreadAdjustment(dimension=rule.dimension, delta=delta, reason=rule.reason, fact=fact))
    return Dread(**values, adjustments=applied)
