"""The search index: local embeddings only, incremental, self-healing, filtered hybrid search."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.kb.index import KnowledgeIndex, SearchFilter, fuse
from app.kb.loader import default_knowledge_dir, load_knowledge
from app.kb.passages import Passage
from app.settings import Settings

pytestmark = pytest.mark.slow


def test_unchanged_rebuild_embeds_nothing(built_index: KnowledgeIndex) -> None:
    report = built_index.build()
    assert report.embedded == 0 and report.removed == 0
    assert report.unchanged == len(built_index.passages)


def _index_after_editing(built_index: KnowledgeIndex, tmp_path: Path, part_name: str,
                         edit: Callable[[dict[str, Any]], None]) -> KnowledgeIndex:
    """A copy of the knowledge base and of the built index, with `edit` applied to the first entry of a part."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), knowledge)
    shutil.copytree(built_index.path, tmp_path / "workspace" / "index")
    part = knowledge / "atlas" / "techniques" / part_name
    data = yaml.safe_load(part.read_text(encoding="utf-8"))
    edit(data[next(iter(data))])
    part.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    settings = Settings(workspace=tmp_path / "workspace", knowledge_dir=knowledge)
    return KnowledgeIndex(load_knowledge(knowledge), settings)


def test_changed_entry_is_the_only_one_reembedded(built_index: KnowledgeIndex, tmp_path: Path) -> None:
    def edit(entry: dict[str, Any]) -> None:
        entry["summary"] += " We changed this sentence for the test."

    report = _index_after_editing(built_index, tmp_path, "part1.yaml", edit).build()
    assert (report.added, report.updated, report.removed) == (0, 1, 0)


def test_corrupted_index_is_rebuilt_with_a_message(built_index: KnowledgeIndex, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(built_index.path, workspace / "index")
    for sqlite in (workspace / "index").rglob("*.sqlite3"):
        sqlite.write_bytes(b"this is not a database" * 100)
    settings = Settings(workspace=workspace)
    index = KnowledgeIndex(built_index.kb, settings)
    report = index.build()
    assert report.rebuilt_after_error and "rebuilt" in report.rebuilt_after_error
    assert report.embedded == len(index.passages)
    assert index.search("model theft", k=3)


def test_no_default_onnx_model_is_downloaded(built_index: KnowledgeIndex) -> None:
    built_index.search("poisoned training data", k=3)
    assert not (Path.home() / ".cache" / "chroma" / "onnx_models").exists()


def test_search_returns_attributed_passages(built_index: KnowledgeIndex) -> None:
    results = built_index.search("someone copies our model by querying the API many times", k=5)
    assert len(results) == 5
    assert all(isinstance(p, Passage) and p.source and p.license for p in results)
    ids = [p.id for p in results]
    assert any(i.startswith("AML.T0024") or i.startswith("AML.T0005") for i in ids), ids


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_filters_apply_in_every_mode(built_index: KnowledgeIndex, mode: str) -> None:
    only_cards = built_index.search("personal data", k=8, mode=mode, flt=SearchFilter(kinds=("plot4ai_card",)))
    assert only_cards and {p.kind for p in only_cards} == {"plot4ai_card"}
    exfil = built_index.search("steal data", k=8, mode=mode, flt=SearchFilter(tactic="AML.TA0010"))
    assert exfil and all("AML.TA0010" in p.tactics for p in exfil)
    not_llm = built_index.search("prompt", k=8, mode=mode, flt=SearchFilter(kinds=("technique",), llm_only=False))
    assert all(not p.llm_only for p in not_llm)
    cyber = built_index.search("attack", k=5, mode=mode, flt=SearchFilter(category="Cybersecurity"))
    assert all("Cybersecurity" in p.categories for p in cyber)


def test_empty_and_huge_queries_are_safe(built_index: KnowledgeIndex) -> None:
    assert built_index.search("   ", k=5) == []
    assert len(built_index.search("poison " * 20000, k=3)) == 3
    assert built_index.search("\x00\x01 ☃ <script>", k=2) is not None


def test_fusion_rewards_agreement() -> None:
    def p(ident: str, score: float) -> Passage:
        return Passage(ident, "technique", ident, "", "s", "l", score=score)

    dense = [p("a", 0.9), p("b", 0.8), p("c", 0.1), p("d", 0.1)]
    lexical = [p("b", 12.0), p("d", 6.0), p("a", 0.0), p("c", 0.0)]
    fused = fuse(dense, lexical, dense_weight=0.5)
    assert [x.id for x in fused][:2] == ["b", "a"]
    assert fuse(dense, lexical, dense_weight=1.0)[0].id == "a"
    assert fuse(dense, lexical, dense_weight=0.0)[0].id == "b"


def test_phrasings_are_indexed_as_their_own_vectors(built_index: KnowledgeIndex) -> None:
    prose = built_index.kb.techniques["AML.T0051.001"].prose
    assert prose is not None
    sentence = prose.sounds_like[0]
    assert built_index.record_count == sum(1 + len(p.phrasings) for p in built_index.passages)
    assert built_index._open().count() == built_index.record_count
    hits = built_index.dense(sentence, limit=3, flt=SearchFilter(kinds=("technique",)))
    assert hits[0].id == "AML.T0051.001"
    # a phrasing record never surfaces as a result of its own: results are whole passages
    assert all("#" not in p.id for p in built_index.search(sentence, k=20, mode="dense"))


def test_changing_one_phrasing_reembeds_only_its_entry(built_index: KnowledgeIndex, tmp_path: Path) -> None:
    def edit(entry: dict[str, Any]) -> None:
        entry["sounds_like"] = entry["sounds_like"][:-1]  # one phrasing removed

    index = _index_after_editing(built_index, tmp_path, "part2.yaml", edit)
    report = index.build()
    assert (report.added, report.updated, report.removed) == (0, 1, 0)
    assert index._open().count() == index.record_count  # the dropped phrasing's vector is gone
    assert index.ensure_built() is None


def test_retrieval_eval_reports_modes_gain_and_fusion_ceiling(built_index: KnowledgeIndex) -> None:
    from app.evals.retrieval import Query, evaluate

    queries = [Query("someone copies our model by calling the API thousands of times", ["AML.T0024.002"]),
               Query("poisoned pictures in the data we scraped", ["AML.T0020"]),
               Query("zzzz qqqq", ["AML.T0000"])]
    result = evaluate(built_index, queries, k=5)
    best = max(result["dense"]["recall_at_k"], result["bm25"]["recall_at_k"])
    assert result["hybrid_gain_points"] == round(100 * (result["hybrid"]["recall_at_k"] - best), 1)
    assert 0 <= result["oracle_gain_points"] <= 100 * (1 - best) + 1e-9
    assert result["dense"]["recall_at_k"] < 1.0  # the nonsense query cannot be a hit for every mode
    low, high = result["hybrid_gain_ci95_points"]
    assert low <= result["hybrid_gain_points"] <= high


def test_paired_bootstrap_interval_brackets_the_gain_and_narrows_with_agreement() -> None:
    from app.evals.retrieval import paired_bootstrap

    always_better = paired_bootstrap([1.0] * 30, [0.0] * 30)
    assert always_better == (1.0, 1.0)
    mixed = paired_bootstrap([1.0, 0.0] * 20, [0.0, 1.0] * 20)
    assert mixed[0] < 0 < mixed[1]  # as often worse as better: the interval spans zero
    assert paired_bootstrap([], []) == (0.0, 0.0)
