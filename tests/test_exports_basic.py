"""JSON, Markdown (golden file) and CSV exports."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from app.export import to_csv, to_json, to_markdown
from app.model import ThreatModel
from tests.factories import sample_model

GOLDEN = Path(__file__).parent / "golden" / "sample_report.md"


def test_markdown_matches_golden_file() -> None:
    text = to_markdown(sample_model())
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_markdown_follows_the_method_and_sorts_by_risk() -> None:
    text = to_markdown(sample_model())
    order = ["## 1. Scope", "## 2. Assets", "## 3. Data-flow diagram", "## 4. Threats by risk",
             "## 5. Mitigations", "## 6. Findings", "## 7. Assumptions", "## 8. Sources and licences"]
    positions = [text.index(h) for h in order]
    assert positions == sorted(positions)
    assert text.index("### T-001") < text.index("### T-002")  # 6.8 before 5.4
    assert "Apache-2.0" in text and "MITRE ATLAS" in text


def test_markdown_neutralises_html_in_user_text() -> None:
    model = sample_model()
    model.threats[0].title = "<script>alert(1)</script> | x"
    text = to_markdown(model)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text


def test_markdown_keeps_ampersands_readable_but_no_entity_gets_through() -> None:
    model = sample_model()
    model.threats[0].title = "Safety & Design for C&C servers, not &lt;b&gt; or &#60;"
    text = to_markdown(model)
    assert "Safety & Design for C&C servers" in text
    assert "&lt;b&gt;" not in text and "&amp;lt;b&amp;gt;" in text and "&amp;#60;" in text


def test_labels_read_mid_sentence_and_acronyms_stay() -> None:
    from app.wording import mid_sentence

    assert mid_sentence("API keys live in a secrets manager.") == "API keys live in a secrets manager"
    assert mid_sentence("Access is restricted.") == "access is restricted"


def test_json_export_round_trips() -> None:
    model = sample_model()
    assert ThreatModel.model_validate_json(to_json(model)) == model


def test_csv_has_one_row_per_threat_sorted_by_risk() -> None:
    model = sample_model()
    rows = list(csv.DictReader(io.StringIO(to_csv(model))))
    assert [r["id"] for r in rows] == ["T-001", "T-002"]
    assert rows[0]["atlas_techniques"] == "AML.T0051.001"
    assert rows[0]["risk"] == "high" and rows[0]["score"] == "7.2"
    assert rows[1]["assumption"] == "yes"


def test_csv_defuses_spreadsheet_formulas() -> None:
    model = sample_model()
    model.threats[0].title = "=HYPERLINK(\"http://x\")"
    rows = list(csv.DictReader(io.StringIO(to_csv(model))))
    assert rows[0]["title"].startswith("'=")
