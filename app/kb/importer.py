"""`kb import-atlas`: refresh ATLAS ids, names and relations from an official ATLAS.yaml.

Our prose is keyed by id in separate files and is never touched. The report lists added,
removed and renamed ids; added ids have no prose yet and are flagged as needing a summary.
A malformed file, or one that would leave the knowledge base inconsistent, changes nothing.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.kb.generate import ATLAS_GENERATED, HEADER, dump_yaml
from app.kb.loader import KnowledgeError, load_knowledge, read_yaml
from app.kb.upstream import UpstreamError, atlas_facts, load_atlas_yaml


@dataclass
class ImportReport:
    old_version: str
    new_version: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)
    needs_summary: list[str] = field(default_factory=list)
    orphan_prose: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.old_version != self.new_version)


def _names(facts: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for key in ("tactics", "techniques", "mitigations", "case_studies"):
        names.update({item["id"]: item["name"] for item in facts.get(key, [])})
    return names


def import_atlas(source: Path, knowledge_dir: Path) -> ImportReport:
    """Replace the generated ATLAS facts with those of `source`; raises UpstreamError/KnowledgeError."""
    try:
        new = {"source": "MITRE ATLAS", "license": "Apache-2.0", **atlas_facts(load_atlas_yaml(source))}
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise UpstreamError(f"{source}: unexpected ATLAS structure ({exc.__class__.__name__}: {exc})") from exc
    target = knowledge_dir / ATLAS_GENERATED
    old = read_yaml(target) or {}
    old_names, new_names = _names(old), _names(new)
    report = ImportReport(old_version=str(old.get("version", "")), new_version=str(new["version"]))
    report.added = sorted(set(new_names) - set(old_names))
    report.removed = sorted(set(old_names) - set(new_names))
    report.renamed = sorted(
        (i, old_names[i], new_names[i]) for i in set(old_names) & set(new_names) if old_names[i] != new_names[i]
    )
    previous = target.read_bytes() if target.exists() else None
    _atomic_write(target, HEADER + dump_yaml(new))
    try:
        kb = load_knowledge(knowledge_dir)
    except KnowledgeError:
        if previous is not None:
            _atomic_write(target, previous.decode("utf-8"))
        raise
    missing = set(kb.missing_prose())
    report.needs_summary = [i for i in report.added if i in missing]
    report.orphan_prose = list(kb.orphan_prose)
    return report


def _atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, target)
