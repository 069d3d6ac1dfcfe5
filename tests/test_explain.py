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


def test_what_to_fix_first_ranks_the_models_open_threats_with_a_first_step(kb: KnowledgeBase) -> None:
    from app.model import ThreatStatus
    from app.pipeline import run_pipeline
    from app.services import get_services

    model = run_pipeline(get_services(), "HelpBot is our public support chatbot on GPT-4o via the OpenAI API. "
                                          "Anyone can use it without logging in and it can issue refunds.",
                         use_index=False).model
    answer = explain("What should we do first?", kb, model=model)
    ranked = sorted(model.threats, key=lambda t: (-t.dread.score, t.assumption, t.id))
    assert answer.found and ranked[0].id in answer.text and ranked[1].id in answer.text
    assert answer.text.count("Start with:") == 3
    assert all(kb.exists(s.id) for s in answer.sources)
    ranked[0].status = ThreatStatus.MITIGATED  # decided threats drop out of the list
    assert ranked[0].id not in explain("where do we start?", kb, model=model).text
    # without a draft there is nothing to rank, and the answer says how to get one
    empty = explain("What should we fix first?", kb)
    assert not empty.found and "draft" in empty.text.lower()


def test_a_mitigation_explanation_names_the_threats_it_answers_in_this_model(kb: KnowledgeBase,
                                                                             built_index: KnowledgeIndex) -> None:
    from app.pipeline import run_pipeline
    from app.services import get_services

    model = run_pipeline(get_services(), "Our pricing model is our whole business. Partners call it through our "
                                          "REST API and get a price with a confidence score.", use_index=False).model
    answer = explain("what does rate limiting do against copying?", kb, built_index, model=model)
    assert answer.sources[0].id == "AML.M0004"
    assert "In your threat model it answers" in answer.text


def test_naming_a_threat_of_the_model_explains_it_as_it_stands_there(kb: KnowledgeBase) -> None:
    from app.editing import add_threat
    from app.model import Stride
    from app.pipeline import run_pipeline
    from app.services import get_services

    services = get_services()
    model = run_pipeline(services, "HelpBot is our public support chatbot on GPT-4o via the OpenAI API. Anyone can "
                                   "use it without logging in and it can issue refunds.", use_index=False).model
    threat = model.threats_by_risk()[0]
    answer = explain(f"why is {threat.id.lower()} a risk for us?", kb, model=model)
    assert answer.text.startswith(f"**In your model: {threat.title}** ({threat.id};")
    assert f"1 of {len(model.threats)} by risk" in answer.text
    assert all(adj.reason in answer.text for adj in threat.dread.adjustments)
    quotes = [ref.quote for w in threat.why_applies for ref in w.facts if ref.quote and not ref.assumed]
    assert quotes and quotes[0].rstrip(". ") in answer.text
    technique = kb.techniques[threat.atlas_techniques[0]]
    assert technique.name in answer.text and answer.sources  # then the technique, with its sources
    # a threat the user wrote, with no reference, is explained from the model alone
    own = add_threat(model, "Interns copy the prompt into a blog post", "It happened once.",
                     [Stride.INFORMATION_DISCLOSURE], [], kb, services.rules)
    mine = explain(f"Why is {own.id} there?", kb, model=model)
    assert mine.text.startswith("**In your model: Interns copy the prompt") and not mine.sources
    # an id that is not in this model is not invented
    assert "In your model" not in explain("why is T-NOT-THERE a risk?", kb, model=model).text
