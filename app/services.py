"""Process-wide domain services, loaded lazily and once (knowledge base, rules, questions, extractor)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from app.draft.rules import RuleSet, load_rules
from app.interview.extract import Extractor, get_extractor
from app.interview.questions import QuestionBank, get_question_bank
from app.kb.loader import KnowledgeBase
from app.kb.service import get_index, get_kb
from app.settings import Settings, get_settings

if TYPE_CHECKING:
    from app.kb.index import KnowledgeIndex


@dataclass
class Services:
    """Everything the domain needs, created on first use. `index` is the only heavy part."""

    settings: Settings

    @cached_property
    def kb(self) -> KnowledgeBase:
        return get_kb(self.settings)

    @cached_property
    def rules(self) -> RuleSet:
        return load_rules()

    @cached_property
    def bank(self) -> QuestionBank:
        return get_question_bank()

    @cached_property
    def extractor(self) -> Extractor:
        return get_extractor()

    @cached_property
    def index(self) -> KnowledgeIndex:
        return get_index(self.settings)


_DEFAULT: dict[str, Services] = {}


def get_services(settings: Settings | None = None) -> Services:
    settings = settings or get_settings()
    key = f"{settings.knowledge_dir}|{settings.workspace}"
    if key not in _DEFAULT:
        _DEFAULT[key] = Services(settings)
    return _DEFAULT[key]
