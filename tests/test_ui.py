"""The Streamlit app driven with AppTest: a full path, resume, XSS-safe rendering, isolation."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.export import EXPORTERS
from app.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
MAIN = str(ROOT / "app" / "ui" / "main.py")
PAGES = ROOT / "app" / "ui" / "pages"
DESCRIPTION = ("ShopHelp is a customer-support chatbot on our public web shop. It runs on GPT-4o through the OpenAI "
               "API, answers from our help-centre articles and can look up order status. Anyone can use it "
               "without logging in.")

pytestmark = pytest.mark.slow


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built_index) -> Path:  # type: ignore[no-untyped-def]
    import shutil

    shutil.copytree(built_index.path, tmp_path / "index")
    monkeypatch.setenv("THREATSCRIBE_WORKSPACE", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> list[str]:
    return [m.markdown[0].value if m.markdown else "" for m in at.chat_message]


def test_full_path_interview_draft_decide_explain_export_resume(workspace: Path) -> None:
    at = run(AppTest.from_file(MAIN, default_timeout=180))
    assert "ThreatScribe" in texts(at)[0]
    at.chat_input[0].set_value(DESCRIPTION)
    run(at)
    assert len(at.chat_message) == 3 and "Noted" in texts(at)[-1]
    at.chat_input[0].set_value("No, it can't change orders, only read them.")
    run(at)
    at.button(key="draft_now").click()
    run(at)
    assert any("Draft version 1" in s.value for s in at.success)

    at.switch_page(str(PAGES / "threats.py"))
    run(at)
    assert at.expander and "Rules pass" in at.expander[0].label
    threat_ids = [e.label.rsplit("(", 1)[-1].rstrip(")") for e in at.expander[1:] if "(" in e.label]
    first = next(t for t in threat_ids if t.startswith("T-"))
    findings_before = at.expander[0].label
    at.button(key=f"explain_{first}").click()
    run(at)
    assert any("Sources" in i.value for i in at.info)
    at.selectbox(key=f"status_{first}").set_value("rejected")
    at.text_input(key=f"reason_{first}").set_value("Not applicable: we test this elsewhere.")
    at.button(key=f"save_status_{first}").click()
    run(at)
    assert any("version 2" in s.value for s in at.success)
    assert at.selectbox(key=f"status_{first}").value == "rejected"
    assert at.expander[0].label != "" and findings_before  # findings panel re-rendered after the rules pass

    at.switch_page(str(PAGES / "export.py"))
    run(at)
    downloads = at.get("download_button")
    assert len(downloads) == len(EXPORTERS) >= 10

    at.switch_page(str(PAGES / "pictures.py"))
    run(at)

    session_id = at.session_state["ts_session_id"]
    fresh = AppTest.from_file(MAIN, default_timeout=180)
    fresh.session_state["ts_session_id"] = session_id
    run(fresh)
    assert any(DESCRIPTION[:40] in t for t in texts(fresh))


def test_user_html_is_shown_as_text(workspace: Path) -> None:
    at = run(AppTest.from_file(MAIN, default_timeout=180))
    at.chat_input[0].set_value('<script>alert("x")</script><img src=x onerror=alert(1)>')
    run(at)
    user_message = next(m for m in at.chat_message if m.name == "user")
    rendered = user_message.markdown[0].value
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert not user_message.markdown[0].allow_html


def test_two_sessions_see_only_their_own_interview(workspace: Path) -> None:
    one = run(AppTest.from_file(MAIN, default_timeout=180))
    two = run(AppTest.from_file(MAIN, default_timeout=180))
    one.chat_input[0].set_value("First system: a fraud classifier for card payments.")
    run(one)
    two.chat_input[0].set_value("Second system: a recommender for videos.")
    run(two)
    assert one.session_state["ts_session_id"] != two.session_state["ts_session_id"]
    assert not any("recommender for videos" in t for t in texts(run(one)))
    assert not any("fraud classifier" in t for t in texts(run(two)))


def test_settings_page_keeps_the_key_in_the_session_only(workspace: Path) -> None:
    at = run(AppTest.from_file(MAIN, default_timeout=180))
    at.switch_page(str(PAGES / "settings.py"))
    run(at)
    at.radio(key="llm_provider").set_value("openai-compatible")
    run(at)
    at.text_input(key="llm_model").set_value("tiny")
    at.text_input(key="llm_base").set_value("http://127.0.0.1:9/v1")
    at.text_input(key="llm_key").set_value("sk-test-secret-123")
    at.button(key="save_llm").click()
    run(at)
    assert at.session_state["ts_llm"] == "openai-compatible:tiny"
    for path in workspace.rglob("*"):
        if path.is_file():
            assert b"sk-test-secret-123" not in path.read_bytes()


def test_only_the_ui_package_imports_streamlit_and_one_module_touches_session_state() -> None:
    offenders, state_users = [], []
    for path in (ROOT / "app").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names) and not rel.startswith("app/ui/"):
                offenders.append(rel)
            if isinstance(node, ast.Attribute) and node.attr == "session_state":
                state_users.append(rel)
    assert offenders == []
    assert set(state_users) == {"app/ui/state.py"}


def test_ui_keeps_working_and_says_so_when_the_llm_fails(workspace: Path) -> None:
    from tests.llm_stub import StubLLMServer

    with StubLLMServer() as stub:  # answers HTTP 500 to everything
        at = run(AppTest.from_file(MAIN, default_timeout=180))
        at.session_state["ts_llm"] = "openai-compatible:tiny"
        at.session_state["ts_llm_base_url"] = stub.base_url
        at.session_state["ts_llm_api_key"] = "sk-ui-only"
        run(at)
        at.chat_input[0].set_value("A public chatbot on GPT-4o that answers customer questions.")
        run(at)
        assert stub.requests, "the LLM was called"
        assert any("offline engine" in w.value for w in at.warning)
        assert "Noted" in texts(at)[-1]  # the offline reading stands; nothing lost
        assert any("A public chatbot on GPT-4o" in t for t in texts(at))


def test_worst_case_reading_is_shown_and_can_be_corrected(workspace: Path) -> None:
    at = run(AppTest.from_file(MAIN, default_timeout=180))
    at.chat_input[0].set_value(DESCRIPTION)
    run(at)
    for _ in range(30):
        if "worst thing" in texts(at)[-1]:
            break
        at.chat_input[0].set_value("I'm not sure.")
        run(at)
    else:
        pytest.fail("the interview never asked for the worst case")
    at.chat_input[0].set_value("Customer data getting out to strangers.")
    run(at)
    assert "I read your worst case as: private or confidential data getting out" in texts(at)[-1]
    panel = [m.value for m in at.markdown if m.value.startswith("**Worst cases**")]
    assert panel == ["**Worst cases** (read from your answer): private or confidential data getting out"]
    at.multiselect(key="edit_worst_cases").set_value(["model_theft"])
    at.button(key="edit_worst_cases_save").click()
    run(at)
    panel = [m.value for m in at.markdown if m.value.startswith("**Worst cases**")]
    assert panel == ["**Worst cases** (you confirmed): someone copying or stealing the model"]
    at.button(key="reset_worst").click()
    run(at)
    panel = [m.value for m in at.markdown if m.value.startswith("**Worst cases**")]
    assert panel == ["**Worst cases** (read from your answer): private or confidential data getting out"]
    # after a draft, the threat list can be narrowed to the threats that lead to a named worst case
    at.button(key="draft_now").click()
    run(at)
    at.switch_page(str(PAGES / "threats.py"))
    run(at)
    everything = len(at.dataframe[0].value)
    at.multiselect(key="f_worst").set_value(["data_leak"])
    run(at)
    narrowed = list(at.dataframe[0].value["Id"])
    assert 0 < len(narrowed) < everything
