"""Load the knowledge base: generated facts merged with our prose, validated, cross-checked."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from app.kb.entries import (
    CaseStudyProse,
    Dread,
    MaestroEntry,
    MethodCaseStudy,
    MitigationProse,
    OwaspEntry,
    PlotCardProse,
    Stride,
    StrideEntry,
    TacticProse,
    TechniqueProse,
)
from app.kb.generate import ATLAS_GENERATED, PLOT4AI_GENERATED
from app.yamlfile import read_yaml as read_yaml_file

ATLAS_LICENSE = "Apache-2.0"
PLOT4AI_LICENSE = "CC BY-SA 4.0"
OWN_LICENSE = "Apache-2.0"
KB_VERSIONS = {"atlas": "5.6.0", "plot4ai": "2.0", "owasp_llm": "2025"}

M = TypeVar("M", bound=BaseModel)


class KnowledgeError(ValueError):
    """A knowledge file is malformed or refers to something that does not exist."""


def default_knowledge_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "knowledge"


@dataclass
class Tactic:
    id: str
    name: str
    order: int
    prose: TacticProse | None = None


@dataclass
class Technique:
    id: str
    name: str
    tactics: list[str]
    maturity: str | None
    parent: str | None = None
    prose: TechniqueProse | None = None
    mitigations: list[str] = field(default_factory=list)
    case_studies: list[str] = field(default_factory=list)

    @property
    def llm_only(self) -> bool:
        return bool(self.prose and self.prose.llm_only)

    @property
    def stride(self) -> list[Stride]:
        return list(self.prose.stride) if self.prose else []

    @property
    def dread(self) -> Dread:
        if self.prose:
            return self.prose.dread
        return Dread(damage=5, reproducibility=5, exploitability=5, affected_users=5, discoverability=5)


@dataclass
class Mitigation:
    id: str
    name: str
    category: str | None
    lifecycle: list[str]
    techniques: list[str]
    prose: MitigationProse | None = None


@dataclass
class CaseStudy:
    id: str
    name: str
    type: str | None
    date: str | None
    procedure: list[dict[str, str]]
    prose: CaseStudyProse | None = None

    @property
    def techniques(self) -> list[str]:
        return list(dict.fromkeys(step["technique"] for step in self.procedure))


@dataclass
class PlotCard:
    id: str
    label: str
    category: str
    categories: list[str]
    threatif: str
    phases: list[str]
    aitypes: list[str]
    roles: list[str]
    cia: list[str]
    prose: PlotCardProse | None = None


@dataclass
class KnowledgeBase:
    """Everything in `knowledge/`, validated and cross-referenced."""

    root: Path
    atlas_version: str
    tactics: dict[str, Tactic]
    techniques: dict[str, Technique]
    mitigations: dict[str, Mitigation]
    case_studies: dict[str, CaseStudy]
    plot_cards: dict[str, PlotCard]
    owasp: dict[str, OwaspEntry]
    stride: dict[str, StrideEntry]
    maestro: dict[str, MaestroEntry]
    method_cases: dict[str, MethodCaseStudy]
    content_hash: str = ""
    orphan_prose: list[str] = field(default_factory=list)

    @property
    def versions(self) -> dict[str, str]:
        return {**KB_VERSIONS, "atlas": self.atlas_version}

    def known_ids(self) -> set[str]:
        return (
            set(self.tactics) | set(self.techniques) | set(self.mitigations) | set(self.case_studies)
            | set(self.plot_cards) | set(self.owasp) | set(self.maestro) | set(self.method_cases)
        )

    def exists(self, ident: str) -> bool:
        return ident in self.known_ids()

    def technique_family(self, technique_id: str) -> str:
        """The top-level technique of a (sub-)technique id."""
        tech = self.techniques.get(technique_id)
        return tech.parent if tech and tech.parent else technique_id

    def mitigation_link_count(self) -> int:
        return sum(len(m.techniques) for m in self.mitigations.values())

    def missing_prose(self) -> list[str]:
        missing = [t.id for t in self.techniques.values() if t.prose is None]
        missing += [t.id for t in self.tactics.values() if t.prose is None]
        missing += [m.id for m in self.mitigations.values() if m.prose is None]
        missing += [c.id for c in self.case_studies.values() if c.prose is None]
        missing += [c.id for c in self.plot_cards.values() if c.prose is None]
        return missing


def read_yaml(path: Path) -> Any:
    try:
        return read_yaml_file(path)
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot parse YAML: {exc}") from exc


def _keyed(paths: list[Path], model: type[M]) -> dict[str, M]:
    """Read files of `{id: {...prose...}}` into validated models; duplicates are errors."""
    result: dict[str, M] = {}
    for path in paths:
        data = read_yaml(path) or {}
        if not isinstance(data, dict):
            raise KnowledgeError(f"{path}: expected a mapping of id -> entry")
        for ident, body in data.items():
            if ident in result:
                raise KnowledgeError(f"{path}: {ident} is defined twice")
            try:
                result[str(ident)] = model.model_validate(body)
            except ValidationError as exc:
                raise KnowledgeError(f"{path}: {ident}: {_first_error(exc)}") from exc
    return result


def _listed(path: Path, model: type[M]) -> dict[str, M]:
    data = read_yaml(path) or []
    if not isinstance(data, list):
        raise KnowledgeError(f"{path}: expected a list of entries")
    result: dict[str, M] = {}
    for index, body in enumerate(data):
        try:
            entry = model.model_validate(body)
        except ValidationError as exc:
            raise KnowledgeError(f"{path}: entry {index}: {_first_error(exc)}") from exc
        ident = str(entry.id)  # type: ignore[attr-defined]
        if ident in result:
            raise KnowledgeError(f"{path}: {ident} is defined twice")
        result[ident] = entry
    return result


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(entry)"
    return f"{where}: {err['msg']}"


def _hash_dir(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")) + sorted(root.rglob("*.md")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load_knowledge(root: Path | None = None, *, check: bool = True) -> KnowledgeBase:
    """Load and validate `knowledge/`. Raises KnowledgeError naming the file and entry."""
    root = root or default_knowledge_dir()
    atlas = read_yaml(root / ATLAS_GENERATED)
    plot = read_yaml(root / PLOT4AI_GENERATED)
    if not isinstance(atlas, dict) or not isinstance(plot, dict):
        raise KnowledgeError(f"{root}: generated ATLAS/PLOT4ai files are missing; run `threatscribe kb import-atlas`")
    tactic_prose = _keyed([root / "atlas" / "tactics.yaml"], TacticProse)
    tech_prose = _keyed(sorted((root / "atlas" / "techniques").glob("*.yaml")), TechniqueProse)
    mit_prose = _keyed([root / "atlas" / "mitigations.yaml"], MitigationProse)
    cs_prose = _keyed([root / "atlas" / "case_studies.yaml"], CaseStudyProse)
    card_prose = _keyed(sorted((root / "plot4ai" / "cards").glob("*.yaml")), PlotCardProse)

    tactics = {
        t["id"]: Tactic(t["id"], t["name"], i, tactic_prose.get(t["id"]))
        for i, t in enumerate(atlas["tactics"])
    }
    techniques = {
        t["id"]: Technique(t["id"], t["name"], list(t["tactics"]), t.get("maturity"), t.get("parent"),
                           tech_prose.get(t["id"]))
        for t in atlas["techniques"]
    }
    mitigations = {
        m["id"]: Mitigation(m["id"], m["name"], m.get("category"), list(m.get("lifecycle", [])),
                            list(m["techniques"]), mit_prose.get(m["id"]))
        for m in atlas["mitigations"]
    }
    case_studies = {
        c["id"]: CaseStudy(c["id"], c["name"], c.get("type"), c.get("date"), list(c["procedure"]),
                           cs_prose.get(c["id"]))
        for c in atlas["case_studies"]
    }
    cards = {
        c["id"]: PlotCard(c["id"], c["label"], c["category"], c["categories"], c["threatif"], c["phases"],
                          c["aitypes"], c["roles"], c.get("cia", []), card_prose.get(c["id"]))
        for c in plot["cards"]
    }
    for mit in mitigations.values():
        for tech_id in mit.techniques:
            if tech_id in techniques:
                techniques[tech_id].mitigations.append(mit.id)
    for cs in case_studies.values():
        for tech_id in cs.techniques:
            if tech_id in techniques:
                techniques[tech_id].case_studies.append(cs.id)

    kb = KnowledgeBase(
        root=root,
        atlas_version=str(atlas.get("version", "")),
        tactics=tactics,
        techniques=techniques,
        mitigations=mitigations,
        case_studies=case_studies,
        plot_cards=cards,
        owasp=_listed(root / "owasp" / "llm_top10_2025.yaml", OwaspEntry),
        stride=_listed(root / "frameworks" / "stride.yaml", StrideEntry),
        maestro=_listed(root / "frameworks" / "maestro.yaml", MaestroEntry),
        method_cases=_listed(root / "case_studies" / "method.yaml", MethodCaseStudy),
        content_hash=_hash_dir(root),
    )
    valid = kb.known_ids()
    for prose in (tech_prose, tactic_prose, mit_prose, cs_prose, card_prose):
        # Prose whose id left upstream is kept (a rename can re-key it) but reported.
        kb.orphan_prose += [ident for ident in prose if ident not in valid]
    if check:
        problems = cross_reference_problems(kb)
        if problems:
            raise KnowledgeError("; ".join(problems[:10]))
    return kb


def cross_reference_problems(kb: KnowledgeBase) -> list[str]:
    """Every id mentioned anywhere resolves."""
    problems: list[str] = []
    for tech in kb.techniques.values():
        for tactic in tech.tactics:
            if tactic not in kb.tactics:
                problems.append(f"{tech.id}: unknown tactic {tactic}")
        if tech.parent and tech.parent not in kb.techniques:
            problems.append(f"{tech.id}: unknown parent {tech.parent}")
        for owasp_id in tech.prose.owasp_llm if tech.prose else []:
            if kb.owasp and owasp_id not in kb.owasp:
                problems.append(f"{tech.id}: unknown OWASP id {owasp_id}")
    for mit in kb.mitigations.values():
        problems += [f"{mit.id}: unknown technique {t}" for t in mit.techniques if t not in kb.techniques]
    for cs in kb.case_studies.values():
        for step in cs.procedure:
            if step["technique"] not in kb.techniques:
                problems.append(f"{cs.id}: unknown technique {step['technique']}")
            if step["tactic"] not in kb.tactics:
                problems.append(f"{cs.id}: unknown tactic {step['tactic']}")
    related: list[tuple[str, list[str]]] = []
    related += [(c.id, c.prose.related_atlas) for c in kb.plot_cards.values() if c.prose]
    related += [(o.id, o.related_atlas) for o in kb.owasp.values()]
    related += [(m.id, m.related_atlas) for m in kb.maestro.values()]
    related += [(m.id, m.related_atlas) for m in kb.method_cases.values()]
    for owner, ids in related:
        problems += [f"{owner}: unknown ATLAS technique {t}" for t in ids if t not in kb.techniques]
    for case in kb.method_cases.values():
        problems += [f"{case.id}: unknown case study {c}" for c in case.related_atlas_case_studies
                     if c not in kb.case_studies]
    return problems
