"""`threatscribe kb import-atlas` keeps our prose, reports changes, refuses bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from app.kb.importer import import_atlas
from app.kb.loader import default_knowledge_dir, load_knowledge
from app.kb.upstream import UpstreamError


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), target)
    return target


def test_reimporting_the_same_release_changes_nothing(shared_data: Path, knowledge_copy: Path) -> None:
    before = (knowledge_copy / "atlas" / "atlas.generated.yaml").read_text(encoding="utf-8")
    report = import_atlas(shared_data / "atlas" / "ATLAS.yaml", knowledge_copy)
    assert not report.changed
    assert (knowledge_copy / "atlas" / "atlas.generated.yaml").read_text(encoding="utf-8") == before


def test_added_removed_renamed_are_reported_and_prose_kept(shared_data: Path, knowledge_copy: Path,
                                                           tmp_path: Path) -> None:
    data = yaml.safe_load((shared_data / "atlas" / "ATLAS.yaml").read_text(encoding="utf-8"))
    techniques = data["matrices"][0]["techniques"]
    techniques.append({"id": "AML.T0999", "name": "Brand New Technique", "tactics": ["AML.TA0011"],
                       "description": "x", "object-type": "technique", "maturity": "feasible"})
    next(t for t in techniques if t["id"] == "AML.T0029")["name"] = "Denial of AI Service (renamed)"
    data["version"] = "5.7.0"
    new_file = tmp_path / "ATLAS.yaml"
    new_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report = import_atlas(new_file, knowledge_copy)
    assert report.added == ["AML.T0999"] and report.needs_summary == ["AML.T0999"]
    assert report.renamed == [("AML.T0029", "Denial of AI Service", "Denial of AI Service (renamed)")]
    kb = load_knowledge(knowledge_copy)
    assert kb.atlas_version == "5.7.0"
    assert kb.techniques["AML.T0029"].prose is not None  # our prose survived
    assert kb.techniques["AML.T0999"].prose is None


@pytest.mark.parametrize("content", ["{not: [valid", "just a string", "matrices: 3"])
def test_malformed_file_leaves_the_kb_unchanged(knowledge_copy: Path, tmp_path: Path, content: str) -> None:
    before = (knowledge_copy / "atlas" / "atlas.generated.yaml").read_bytes()
    bad = tmp_path / "bad.yaml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(UpstreamError):
        import_atlas(bad, knowledge_copy)
    assert (knowledge_copy / "atlas" / "atlas.generated.yaml").read_bytes() == before


def test_cli_reports_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, knowledge_copy: Path) -> None:
    monkeypatch.setenv("THREATSCRIBE_KNOWLEDGE_DIR", str(knowledge_copy))
    from app.settings import get_settings

    get_settings.cache_clear()
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\x00\xff\xfe binary")
    result = CliRunner().invoke(cli, ["kb", "import-atlas", str(bad)])
    get_settings.cache_clear()
    assert result.exit_code == 2
    assert "knowledge base unchanged" in result.stderr and "Traceback" not in result.stderr
