"""Versions, deterministic diff with causes, decisions kept across re-drafts, import round trip."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli
from app.diff import diff_models, to_json, to_text
from app.interview.session import InterviewSession
from app.model import FactState, ThreatStatus, get_fact
from app.pipeline import draft_state, interview_from_texts
from app.services import get_services
from app.store import SessionStore

BASE = ("Our internal assistant answers employees' questions from our HR handbook, which only HR can edit. "
        "It runs on GPT-4o via the Azure OpenAI API.")


def test_diff_after_changing_one_fact_names_exactly_what_changed() -> None:
    services = get_services()
    state, _ = interview_from_texts(services, BASE)
    before = draft_state(services, state, use_index=False)
    from app.interview.state import edit_fact

    edit_fact(state, "llm.retrieval_editable_by_users", FactState.YES, 5)
    after = draft_state(services, state, use_index=False)
    d = diff_models(before, after)
    assert [f.path for f in d.facts] == ["llm.retrieval_editable_by_users"]
    assert d.added and not d.removed
    new_ids = {t.id for t in d.added}
    for threat_id in new_ids:
        threat = after.threat(threat_id)
        assert threat is not None
        assert any(ref.path == "llm.retrieval_editable_by_users" for w in threat.why_applies for ref in w.facts) or \
            threat.origin.value == "retrieval"
    assert d.causes and d.causes[0].fact == "llm.retrieval_editable_by_users" and d.causes[0].added
    unchanged_ids = {t.id for t in before.threats}
    assert not (new_ids & unchanged_ids)
    assert to_text(d) == to_text(diff_models(before, after))  # deterministic
    assert json.loads(to_json(d))["facts"][0]["new"] == "yes"
    assert diff_models(after, after).empty


def test_decisions_survive_a_redraft_triggered_in_chat(tmp_path: Path) -> None:
    services = get_services()
    chat = InterviewSession.create(SessionStore(tmp_path / "s.sqlite3"), services, "HR bot")
    chat.send(BASE)
    model, _ = chat.draft("first")
    decided = model.threats[0]
    decided.status, decided.status_reason = ThreatStatus.REJECTED, "covered by our proxy"
    edited = model.threats[1]
    edited.title, edited.user_edited = "Our own wording", True
    chat.save_model(model, "decisions")
    result = chat.send("We now also let customers upload documents into the knowledge base.")
    assert result.version is not None and "re-drafted" in result.reply.text
    latest = chat.latest_model()
    assert latest is not None
    assert latest.threat(decided.id).status is ThreatStatus.REJECTED
    assert latest.threat(decided.id).status_reason == "covered by our proxy"
    assert latest.threat(edited.id).title == "Our own wording"
    assert get_fact(chat.state.profile, "exposure.uploads").state is FactState.YES
    assert len(chat.store.versions(chat.id)) == 3


def test_export_import_round_trip_and_cli_diff_exit_codes(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("THREATSCRIBE_WORKSPACE", str(tmp_path / "ws"))
    from app.settings import get_settings

    get_settings.cache_clear()
    try:
        services = get_services()
        state, _ = interview_from_texts(services, BASE)
        model = draft_state(services, state, use_index=False)
        exported = tmp_path / "m.json"
        exported.write_text(model.model_dump_json(), encoding="utf-8")
        runner = CliRunner()
        result = runner.invoke(cli, ["import", str(exported)])
        assert result.exit_code == 0, result.output
        session_id = result.output.split("session ")[1].split()[0]
        store = SessionStore(tmp_path / "ws" / "sessions.sqlite3")
        again = store.versions(session_id)[0].model_json
        from app.model import ThreatModel

        assert ThreatModel.model_validate_json(again) == model
        assert runner.invoke(cli, ["diff", str(exported), session_id]).exit_code == 0
        changed = model.model_copy(deep=True)
        changed.threats[0].status = ThreatStatus.ACCEPTED
        other = tmp_path / "b.json"
        other.write_text(changed.model_dump_json(), encoding="utf-8")
        result = runner.invoke(cli, ["diff", str(exported), str(other)])
        assert result.exit_code == 1 and "status: proposed -> accepted" in result.output
        bad = tmp_path / "bad.json"
        bad.write_text("{", encoding="utf-8")
        assert runner.invoke(cli, ["diff", str(bad), str(other)]).exit_code == 2
        old = json.loads(exported.read_text(encoding="utf-8"))
        old["schema_version"] = "0.1"
        ancient = tmp_path / "old.json"
        ancient.write_text(json.dumps(old), encoding="utf-8")
        result = runner.invoke(cli, ["import", str(ancient)])
        assert result.exit_code == 2 and "not supported" in result.stderr
    finally:
        get_settings.cache_clear()
