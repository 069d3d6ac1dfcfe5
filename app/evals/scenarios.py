"""Scenario eval: description -> facts -> draft on every scenario, with recall, focus and baselines."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.evals.matching import matched
from app.kb.index import SearchFilter
from app.model import FactState
from app.pipeline import run_pipeline
from app.services import Services
from app.yamlfile import read_yaml

LLM_SCENARIO_FACTS = ("model.kind_llm_chat", "model.kind_agent")


class ScenarioError(ValueError):
    """A scenario file does not follow the contract."""


@dataclass
class Scenario:
    id: str
    source: str
    kind: str
    description: str
    techniques: list[str]
    core: list[str]
    plot4ai_categories: list[str] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    skip: bool = False


def _state_word(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value).lower()


def load_scenarios(directory: Path) -> list[Scenario]:
    out: list[Scenario] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = read_yaml(path)
            expected = data["expected"]
            out.append(Scenario(
                id=str(data["id"]), source=str(data["source"]), kind=str(data["kind"]),
                description=str(data["description"]), techniques=[str(t) for t in expected["techniques"]],
                core=[str(t) for t in expected.get("core", [])],
                plot4ai_categories=[str(c) for c in expected.get("plot4ai_categories", []) or []],
                facts={str(k): _state_word(v) for k, v in (data.get("facts") or {}).items()},
                skip=bool(data.get("skip", False)),
            ))
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise ScenarioError(f"{path}: not a valid scenario ({exc.__class__.__name__}: {exc})") from exc
    return out


def _is_llm_scenario(scenario: Scenario, predicted_facts: dict[str, FactState]) -> bool:
    if scenario.facts:
        return any(scenario.facts.get(p) == "yes" for p in LLM_SCENARIO_FACTS)
    return any(predicted_facts.get(p) is FactState.YES for p in LLM_SCENARIO_FACTS)


def evaluate(services: Services, scenarios: list[Scenario], baselines: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    kb = services.kb
    rows: list[dict[str, Any]] = []
    invalid = 0
    false_alarms = 0
    for scenario in [s for s in scenarios if not s.skip]:
        t0 = time.perf_counter()
        result = run_pipeline(services, scenario.description)
        predicted = sorted({t for threat in result.model.threats for t in threat.atlas_techniques})
        ids = [i for threat in result.model.threats for i in threat.atlas_techniques + threat.plot4ai_cards
               + threat.owasp_llm + threat.mitigations]
        bad = [i for i in ids if not kb.exists(i)]
        invalid += len(bad)
        profile_facts = {p: s for p, s in _profile_states(result)}
        if not _is_llm_scenario(scenario, profile_facts):
            false_alarms += sum(1 for t in predicted if kb.techniques[t].llm_only)
        found = matched(scenario.techniques, predicted)
        core_found = matched(scenario.core, predicted)
        rows.append({
            "id": scenario.id,
            "kind": scenario.kind,
            "predicted_techniques": predicted,
            "missed": [t for t in scenario.techniques if t not in found],
            "recall": round(len(found) / len(scenario.techniques), 4) if scenario.techniques else 1.0,
            "core_recall": round(len(core_found) / len(scenario.core), 4) if scenario.core else 1.0,
            "n_techniques": len(predicted),
            "n_threats": len(result.model.threats),
            "seconds": round(time.perf_counter() - t0, 3),
        })
    expected_total = sum(len(s.techniques) for s in scenarios if not s.skip)
    found_total = sum(round(r["recall"] * len(s.techniques)) for r, s in zip(rows, [x for x in scenarios
                                                                                    if not x.skip], strict=True))
    core_total = sum(len(s.core) for s in scenarios if not s.skip)
    core_found_total = sum(round(r["core_recall"] * len(s.core)) for r, s in zip(rows, [x for x in scenarios
                                                                                          if not x.skip], strict=True))
    summary = {
        "recall": round(found_total / expected_total, 4) if expected_total else 1.0,
        "core_recall": round(core_found_total / core_total, 4) if core_total else 1.0,
        "median_techniques": statistics.median([r["n_techniques"] for r in rows]) if rows else 0,
        "invalid_ids": invalid,
        "llm_false_alarms": false_alarms,
        "scenarios": len(rows),
        "seconds": round(time.perf_counter() - started, 2),
    }
    report: dict[str, Any] = {"summary": summary, "scenarios": rows}
    if baselines:
        report["baselines"] = _baselines(services, [s for s in scenarios if not s.skip], rows)
    return report


def _profile_states(result: Any) -> list[tuple[str, FactState]]:
    from app.model import FACT_PATHS, get_fact

    return [(p, get_fact(result.model.profile, p).state) for p in FACT_PATHS]


def _baselines(services: Services, scenarios: list[Scenario], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Dense-only and BM25-only top-N techniques, and a constant most-frequent list, N = our count."""
    counts = Counter(t for s in scenarios for t in s.techniques)
    out: dict[str, Any] = {}
    flt = SearchFilter(kinds=("technique",))
    for name in ("dense", "bm25", "most_frequent"):
        found = core_found = total = core_total = 0
        for scenario, row in zip(scenarios, rows, strict=True):
            n = max(1, row["n_techniques"])
            if name == "most_frequent":
                predicted = [t for t, _ in counts.most_common(n)]
            else:
                predicted = [p.id for p in services.index.search(scenario.description, k=n, mode=name, flt=flt)]
            found += len(matched(scenario.techniques, predicted))
            core_found += len(matched(scenario.core, predicted))
            total += len(scenario.techniques)
            core_total += len(scenario.core)
        out[name] = {"recall": round(found / total, 4) if total else 1.0,
                     "core_recall": round(core_found / core_total, 4) if core_total else 1.0}
    return out


def summary_line(summary: dict[str, Any]) -> str:
    return ("recall={recall} core_recall={core_recall} median_techniques={median_techniques} "
            "invalid_ids={invalid_ids} llm_false_alarms={llm_false_alarms} scenarios={scenarios} "
            "seconds={seconds}").format(**summary)
