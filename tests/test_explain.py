"""Offline explanations: grounded in the knowledge base, attributed, in plain words, never invented."""

from __future__ import annotations

import pytest

from app.explain import explain
from app.kb.index import KnowledgeIndex
from app.kb.loader import KnowledgeBase, load_knowledge
from app.model import FactState, SystemProfile, get_fact, set_fact


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


def test_a_named_technique_is_explained_with_everyday_wording_and_sources(kb: KnowledgeBase) -> None:
    answer = explain("What is AML.T0051.001?", kb)
    assert answer.found
    prose = kb.techniques["AML.T0051.001"].prose
    assert prose is not None
    assert prose.summary in answer.text and prose.for_you in answer.text
    assert "in their own words" in answer.text and prose.sounds_like[0] in answer.text
    assert answer.sources[0].id == "AML.T0051.001" and answer.sources[0].license == "Apache-2.0"
    assert all(kb.exists(s.id) for s in answer.sources)


def test_the_explanation_names_the_facts_that_make_it_apply(kb: KnowledgeBase) -> None:
    profile = SystemProfile()
    fact = get_fact(profile, "llm.browsing").model_copy(update={"state": FactState.YES, "confidence": 1.0})
    set_fact(profile, "llm.browsing", fact)
    answer = explain("why does AML.T0051.001 apply to us?", kb, profile=profile)
    assert "In your system:" in answer.text


def test_plain_language_questions_find_the_technique(kb: KnowledgeBase, built_index: KnowledgeIndex) -> None:
    answer = explain("could someone copy our model just by calling our API thousands of times?", kb,
                     built_index)
    assert answer.found and any(s.id.startswith(("AML.T0024", "AML.T0005")) for s in answer.sources)


@pytest.mark.parametrize("question", ["", "   ", "what is AML.T9999?", "<script>alert(1)</script>"])
def test_nothing_is_invented_for_empty_unknown_or_hostile_questions(kb: KnowledgeBase, question: str) -> None:
    answer = explain(question, kb)
    assert not answer.found and not answer.sources
