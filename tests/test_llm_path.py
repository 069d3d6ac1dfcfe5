"""The LLM path through the real langchain-openai client against a local stub, and with fake models:
valid replies, re-asks, invalid ids, 429, 500, timeouts, refused connections, accounting, caching, keys."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.draft.grounding import choose_mitigations
from app.interview.session import InterviewSession
from app.llm import get_chat_model
from app.llm_call import LLMFailure, LLMRunner
from app.llm_tasks import FactExtraction, llm_extract
from app.model import FactState, get_fact
from app.prompts import load_prompts, placeholders
from app.services import get_services
from app.settings import Settings
from app.store import SessionStore
from tests.llm_stub import StubLLMServer

ANSWER = "Our bot runs on Claude and it can send emails to customers on their behalf."
GOOD_FACTS = json.dumps({"facts": [{"path": "llm.email", "state": "yes", "quote": "send emails to customers"},
                                   {"path": "model.origin_third_party_api", "state": "yes",
                                    "quote": "runs on Claude"}]})


def runner_for(stub: StubLLMServer, timeout: float = 5.0) -> LLMRunner:
    model = get_chat_model(Settings(llm="openai-compatible:tiny", llm_base_url=stub.base_url, llm_timeout=timeout))
    return LLMRunner(model, timeout=timeout, max_retries=2, backoff=0.01)


def test_every_prompt_loads_and_declares_exactly_its_placeholders() -> None:
    prompts = load_prompts()
    assert {"extract_facts", "tailor_draft", "explain"} <= set(prompts)
    for spec in prompts.values():
        assert placeholders(spec.template) | placeholders(spec.system) == set(spec.variables)
        system, user = spec.render(**{v: f"<{v}>" for v in spec.variables})
        assert system and user
        with pytest.raises(ValueError, match="missing variables"):
            spec.render()


def test_valid_structured_reply_through_the_real_client() -> None:
    with StubLLMServer() as stub:
        stub.script = [("reply", GOOD_FACTS)]
        runner = runner_for(stub)
        facts = {u.path: u.state for u in llm_extract(runner, ANSWER, [])}
        assert facts == {"llm.email": FactState.YES, "model.origin_third_party_api": FactState.YES}
        assert stub.requests[0]["path"].endswith("/chat/completions")
        assert runner.usage.calls == 1 and runner.usage.tokens_in == 100 and runner.usage.tokens_out == 20


def test_malformed_json_then_valid_reply_is_re_asked() -> None:
    with StubLLMServer() as stub:
        stub.script = [("reply", "Sure! here are the facts: {not json"), ("reply", GOOD_FACTS)]
        runner = runner_for(stub)
        assert len(llm_extract(runner, ANSWER, [])) == 2
        assert len(stub.requests) == 2
        assert "not valid" in json.dumps(stub.requests[1]["body"]["messages"])


def test_invented_facts_are_rejected() -> None:
    invented = json.dumps({"facts": [{"path": "llm.browsing", "state": "yes", "quote": "it browses the web"}]})
    with StubLLMServer() as stub:
        stub.script = [("reply", invented)] * 3
        with pytest.raises(LLMFailure) as failure:
            llm_extract(runner_for(stub), ANSWER, [])
        assert failure.value.kind == "invalid" and len(stub.requests) == 3


def test_429_then_success_is_retried() -> None:
    with StubLLMServer() as stub:
        stub.script = [("status", 429), ("reply", GOOD_FACTS)]
        assert llm_extract(runner_for(stub), ANSWER, [])


@pytest.mark.parametrize(("script", "kind"), [([("status", 500)] * 5, "http"),
                                              ([("slow", 3.0, GOOD_FACTS)], "timeout")])
def test_server_errors_and_timeouts_become_typed_failures(script: list, kind: str) -> None:
    with StubLLMServer() as stub:
        stub.script = list(script)
        with pytest.raises(LLMFailure) as failure:
            llm_extract(runner_for(stub, timeout=1.0), ANSWER, [])
        assert failure.value.kind == kind


def test_connection_refused_is_a_typed_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    model = get_chat_model(Settings(llm="openai-compatible:tiny", llm_base_url=f"http://127.0.0.1:{port}/v1"))
    with pytest.raises(LLMFailure) as failure:
        llm_extract(LLMRunner(model, timeout=5, backoff=0.01), ANSWER, [])
    assert failure.value.kind == "connection"


def test_identical_calls_are_cached(fake_chat) -> None:  # type: ignore[no-untyped-def]
    runner = LLMRunner(fake_chat(GOOD_FACTS))
    first = runner.structured("t", "system", "user", FactExtraction, context={"answer": ANSWER})
    second = runner.structured("t", "system", "user", FactExtraction, context={"answer": ANSWER})
    assert first == second and runner.usage.calls == 1 and runner.usage.cached_calls == 1


def test_session_uses_llm_facts_and_survives_failures(tmp_path: Path, fake_chat) -> None:  # type: ignore[no-untyped-def]
    services = get_services()
    store = SessionStore(tmp_path / "s.sqlite3")
    chat = InterviewSession.create(store, services, "LLM test", LLMRunner(fake_chat(GOOD_FACTS, RuntimeError("boom"))))
    chat.send(ANSWER)
    assert get_fact(chat.state.profile, "llm.email").state is FactState.YES
    result = chat.send("It is public and anyone can use it.")
    assert any("offline engine" in n for n in result.reply.notices)
    assert get_fact(chat.state.profile, "exposure.public").state is FactState.YES
    assert chat.state.llm_usage.calls == 2 and chat.state.llm_usage.failures == 1


def test_draft_tailoring_rejects_ids_outside_the_fired_set(tmp_path: Path, fake_chat) -> None:  # type: ignore[no-untyped-def]
    services = get_services()
    bad = json.dumps({"rewrites": [], "extra_threats": [{"title": "Made up threat", "description": "Not real at all.",
                                                         "stride": ["tampering"], "atlas_techniques": ["AML.T9999"]}]})
    no_facts = json.dumps({"facts": []})
    chat = InterviewSession.create(SessionStore(tmp_path / "s.sqlite3"), services, "t",
                                   LLMRunner(fake_chat(no_facts, bad, bad, bad)))
    chat.send("A public chatbot on GPT-4o that answers customer questions.")
    model, _ = chat.draft("test")
    assert all("AML.T9999" not in t.atlas_techniques for t in model.threats)
    assert any(f.rule_id == "CHK-LLM-001" for f in model.findings)
    assert model.threats  # the offline draft stands


def test_draft_tailoring_rewrites_and_adds_grounded_threats(tmp_path: Path, fake_chat) -> None:  # type: ignore[no-untyped-def]
    services = get_services()
    offline = InterviewSession.create(SessionStore(tmp_path / "a.sqlite3"), services, "t")
    offline.send("A public chatbot on GPT-4o that answers customer questions.")
    base, _ = offline.draft("offline")
    target = base.threats[0]
    # a technique of the draft that the knowledge base links to at least one mitigation
    technique = next(t for th in base.threats for t in th.atlas_techniques
                     if choose_mitigations(services.kb, [t], [], []))
    good = json.dumps({"rewrites": [{"id": target.id, "description": "Tailored: what could happen to this bot."}],
                       "extra_threats": [{"title": "A grounded extra threat", "description": "Something specific.",
                                          "stride": ["tampering"], "atlas_techniques": [technique],
                                          "reason": "seen in similar bots"}]})
    no_facts = json.dumps({"facts": []})
    chat = InterviewSession.create(SessionStore(tmp_path / "b.sqlite3"), services, "t",
                                   LLMRunner(fake_chat(no_facts, good)))
    chat.send("A public chatbot on GPT-4o that answers customer questions.")
    model, _ = chat.draft("llm")
    assert model.threat(target.id).description.startswith("Tailored")
    extra = [t for t in model.threats if t.origin.value == "llm"]
    assert len(extra) == 1 and extra[0].atlas_techniques == [technique] and extra[0].mitigations
    assert {t.id for t in base.threats} <= {t.id for t in model.threats}  # nothing rule-required was removed


def test_cli_draft_against_an_openai_compatible_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    description = tmp_path / "d.md"
    description.write_text("A public chatbot on GPT-4o that answers customer questions.", encoding="utf-8")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-do-not-store")
    with StubLLMServer() as stub:
        stub.script = [("reply", json.dumps({"rewrites": [], "extra_threats": []}))]
        out = tmp_path / "m.json"
        result = CliRunner().invoke(cli, ["draft", str(description), "--llm", "openai-compatible:tiny",
                                          "--llm-base-url", stub.base_url, "--format", "json", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert "1 LLM calls" in result.stderr
        assert stub.requests[0]["auth"] == "Bearer sk-secret-do-not-store"
        assert "sk-secret-do-not-store" not in out.read_text(encoding="utf-8")
    with StubLLMServer() as stub:  # 500 forever: the offline result, with a notice, no traceback
        result = CliRunner().invoke(cli, ["draft", str(description), "--llm", "openai-compatible:tiny",
                                          "--llm-base-url", stub.base_url, "-o", str(out)])
        assert result.exit_code == 0 and "offline engine" in result.stderr and "Traceback" not in result.output


def test_api_keys_never_reach_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_chat) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-on-disk")
    store = SessionStore(tmp_path / "s.sqlite3")
    chat = InterviewSession.create(store, get_services(), "t", LLMRunner(fake_chat(GOOD_FACTS, GOOD_FACTS)))
    chat.send(ANSWER)
    chat.draft("x")
    store.close()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"sk-never-on-disk" not in path.read_bytes()


def test_a_threat_the_llm_adds_counts_a_named_worst_case(tmp_path: Path, fake_chat) -> None:  # type: ignore[no-untyped-def]
    from app.concerns import OBJECTIVES_PATH

    services = get_services()
    extra = json.dumps({"rewrites": [], "extra_threats": [
        {"title": "Copy of the bot's model", "description": "Someone trains a copy on its answers.",
         "stride": ["information_disclosure"], "atlas_techniques": ["AML.T0024.002"], "reason": "valuable model"}]})
    chat = InterviewSession.create(SessionStore(tmp_path / "c.sqlite3"), services, "t",
                                   LLMRunner(fake_chat(json.dumps({"facts": []}), extra)))
    chat.send("A public chatbot on our own fine-tuned model. The nightmare is a rival cloning the model.")
    model, _ = chat.draft("llm")
    added = [t for t in model.threats if t.origin.value == "llm"]
    assert len(added) == 1  # AML.T0024.002 is among the draft's allowed ids (the extraction threat fired)
    assert any(a.fact == OBJECTIVES_PATH for a in added[0].dread.adjustments)
