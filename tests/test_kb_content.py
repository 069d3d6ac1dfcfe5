"""The knowledge base is complete, consistent and in our own words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.kb.lint import copied_text
from app.kb.loader import cross_reference_problems, default_knowledge_dir, load_knowledge
from app.kb.upstream import atlas_facts, load_atlas_yaml, load_plot4ai_deck, plot4ai_facts


@pytest.fixture(scope="module")
def kb():  # type: ignore[no-untyped-def]
    return load_knowledge()


def test_stats_report_exact_counts() -> None:
    result = CliRunner().invoke(cli, ["kb", "stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["atlas"] == {"tactics": 16, "techniques": 170, "top_level_techniques": 101, "sub_techniques": 69,
                              "mitigations": 35, "mitigation_links": 246, "case_studies": 57}
    assert stats["plot4ai"] == {"cards": 138, "categories": 8}
    assert stats["owasp_llm"]["entries"] == 10
    assert stats["stride"]["categories"] == 6
    assert stats["maestro"]["layers"] == 7
    assert stats["method_case_studies"]["entries"] >= 5
    assert stats["versions"] == {"atlas": "5.6.0", "plot4ai": "2.0", "owasp_llm": "2025"}


def test_every_entry_has_our_prose(kb) -> None:  # type: ignore[no-untyped-def]
    assert kb.missing_prose() == []
    assert kb.orphan_prose == []


def test_every_cross_reference_resolves(kb) -> None:  # type: ignore[no-untyped-def]
    assert cross_reference_problems(kb) == []
    for tech in kb.techniques.values():
        assert tech.prose is not None
        for sign in tech.prose.signs:
            assert "=" in sign
    for card in kb.plot_cards.values():
        assert card.prose is not None
        assert all(t in kb.techniques for t in card.prose.related_atlas)
    assert set(kb.owasp) == {f"LLM{i:02d}" for i in range(1, 11)}


def test_method_case_studies_cover_the_article(kb) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(f"{c.name} {c.story}" for c in kb.method_cases.values()).lower()
    for topic in ("nightshade", "sign", "quer", "side", "chatbot"):
        assert topic in text
    for case in kb.method_cases.values():
        assert case.related_atlas


def test_misplaced_upstream_links_are_repaired(kb) -> None:  # type: ignore[no-untyped-def]
    assert "AML.T0052.001" in kb.mitigations["AML.M0018"].techniques
    assert "AML.T0052.001" in kb.mitigations["AML.M0034"].techniques
    assert all(isinstance(x, str) for m in kb.mitigations.values() for x in m.lifecycle)


def test_generated_facts_match_upstream(shared_data: Path, kb) -> None:  # type: ignore[no-untyped-def]
    facts = atlas_facts(load_atlas_yaml(shared_data / "atlas" / "ATLAS.yaml"))
    assert [t["id"] for t in facts["tactics"]] == list(kb.tactics)
    assert {t["id"]: t["name"] for t in facts["techniques"]} == {t.id: t.name for t in kb.techniques.values()}
    assert sum(len(m["techniques"]) for m in facts["mitigations"]) == 246
    for cs in facts["case_studies"]:
        ours = kb.case_studies[cs["id"]].procedure
        assert [s["technique"] for s in cs["procedure"]] == [s["technique"] for s in ours]
    cards = plot4ai_facts(load_plot4ai_deck(shared_data / "plot4ai" / "deck.json"))
    assert [(c["id"], c["label"], c["threatif"]) for c in cards] == [
        (c.id, c.label, c.threatif) for c in kb.plot_cards.values()
    ]


def test_no_upstream_sentence_is_copied(shared_data: Path) -> None:
    copied = copied_text(default_knowledge_dir(), shared_data)
    assert copied == {}, f"8-word runs copied from upstream: {copied}"


def test_copy_check_detects_a_copied_sentence(shared_data: Path, tmp_path: Path) -> None:
    """The check itself works: plant one upstream sentence and it is found."""
    atlas = load_atlas_yaml(shared_data / "atlas" / "ATLAS.yaml")
    sentence = atlas["matrices"][0]["techniques"][0]["description"].split(".")[0]
    (tmp_path / "x.yaml").write_text(f"T: {{summary: '{sentence}'}}\n", encoding="utf-8")
    assert copied_text(tmp_path, shared_data)


def test_sources_file_attributes_and_licenses() -> None:
    text = (default_knowledge_dir() / "SOURCES.md").read_text(encoding="utf-8")
    for needle in ("Apache-2.0", "CC BY-SA 4.0", "5.6.0", "PLOT4ai", "OWASP"):
        assert needle in text


def test_every_technique_has_distinct_plain_language_phrasings(kb) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, str] = {}
    for tech in kb.techniques.values():
        phrasings = tech.prose.sounds_like
        assert len(phrasings) >= 4, tech.id
        for sentence in phrasings:
            assert 5 <= len(sentence.split()) <= 40, (tech.id, sentence)
            assert "AML." not in sentence, (tech.id, sentence)
            key = " ".join(sentence.lower().split())
            assert key not in seen, f"{tech.id} repeats a phrasing of {seen.get(key)}: {sentence}"
            seen[key] = tech.id
