"""`threatscribe --help`, `schema` and `export`, including bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.model.schema import model_json_schema
from tests.factories import sample_model

runner = CliRunner()
SCHEMA_DOC = Path(__file__).resolve().parents[1] / "docs" / "threat-model.schema.json"


def test_help_lists_commands() -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("schema", "export"):
        assert command in result.output


def test_schema_command_prints_the_schema() -> None:
    result = runner.invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "ThreatModel"


def test_schema_document_is_current() -> None:
    """docs/threat-model.schema.json must be regenerated when the contract changes."""
    on_disk = json.loads(SCHEMA_DOC.read_text(encoding="utf-8"))
    assert on_disk == model_json_schema(), "run: threatscribe schema > docs/threat-model.schema.json"


def test_exported_json_validates_against_published_schema() -> None:
    import jsonschema

    data = json.loads(sample_model().model_dump_json())
    jsonschema.Draft202012Validator(model_json_schema()).validate(data)


@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
def test_export_formats(tmp_path: Path, fmt: str) -> None:
    source = tmp_path / "model.json"
    source.write_text(sample_model().model_dump_json(), encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    result = runner.invoke(cli, ["export", str(source), "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "T-001" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"threats": [{"id": "T-1"}]}), "threats.0"),
        (json.dumps({"surprise": 1}), "surprise"),
        ("[]", "JSON object"),
    ],
)
def test_bad_model_file_gives_one_line_error_exit_2(tmp_path: Path, content: str, expected: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = runner.invoke(cli, ["export", str(bad), "--format", "md"])
    assert result.exit_code == 2
    err = result.stderr
    assert str(bad) in err and expected in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_binary_and_missing_files(tmp_path: Path) -> None:
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    for path in (binary, tmp_path / "missing.json"):
        result = runner.invoke(cli, ["export", str(path)])
        assert result.exit_code == 2 and str(path) in result.stderr


@pytest.mark.parametrize("args", [["eval", "paraphrases", "--file"], ["eval", "extraction", "--answers"]])
def test_malformed_eval_files_get_one_clear_line(args: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("facts: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(cli, [*args, str(bad)])
    assert result.exit_code == 2
    assert "cannot read" in result.output and "Traceback" not in result.output


def test_conversation_eval_scores_a_played_interview_and_refuses_bad_files(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "shop.yaml").write_text(
        'name: ShopBot\n'
        'description: "ShopBot is the support chatbot on our public web shop, running on GPT-4o via the OpenAI '
        'API. Anyone can use it without logging in."\n'
        'answers:\n  Q-OPS: "we log every chat but nobody looks at them"\n'
        'expected:\n  exposure.public: yes\n  exposure.authentication: no\n  operations.logging: yes\n'
        '  model.kind_classifier: yes\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "conversations", str(good), "--errors"])
    assert result.exit_code == 0, result.output
    assert "conversations=1 facts=4" in result.output
    assert "model.kind_classifier" in result.output  # the deliberately false label shows up as an error
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.yaml").write_text("description: hi\nexpected:\n  not.a.fact: yes\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "conversations", str(bad)])
    assert result.exit_code == 2 and "not.a.fact" in result.output and "Traceback" not in result.output
    (bad / "x.yaml").write_text('description: hi\nanswers:\n  Q-ACESS: "typo"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "conversations", str(bad)])
    assert result.exit_code == 2 and "Q-ACESS" in result.output
