"""The LLM seam: offline by default, providers by spec, clear errors, fake model fixture."""

from __future__ import annotations

import pytest

from app.llm import LLMConfigError, get_chat_model, parse_llm_spec
from app.settings import Settings


def test_offline_is_the_default_and_returns_none() -> None:
    assert Settings().llm == "offline"
    assert get_chat_model(Settings()) is None


@pytest.mark.parametrize("bad", ["gpt-4o", "nosuch:model", "openai:", ":x"])
def test_bad_specs_are_rejected(bad: str) -> None:
    with pytest.raises(LLMConfigError):
        parse_llm_spec(bad)


def test_openai_compatible_needs_a_base_url() -> None:
    with pytest.raises(LLMConfigError, match="base URL"):
        get_chat_model(Settings(llm="openai-compatible:local"))


def test_openai_compatible_builds_a_real_client_without_network() -> None:
    model = get_chat_model(Settings(llm="openai-compatible:tiny", llm_base_url="http://127.0.0.1:9/v1"))
    assert model is not None
    assert type(model).__name__ == "ChatOpenAI"
    assert str(getattr(model, "openai_api_base", "")).startswith("http://127.0.0.1:9")


def test_missing_provider_package_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.startswith("langchain_anthropic"):
            raise ImportError("no module")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(LLMConfigError):
        get_chat_model(Settings(llm="anthropic:claude-x"))


def test_fake_chat_model_scripts_replies_and_records_calls(fake_chat) -> None:  # type: ignore[no-untyped-def]
    model = fake_chat("first", TimeoutError("slow"), "third")
    assert model.invoke("hello").content == "first"
    with pytest.raises(TimeoutError):
        model.invoke("again")
    assert model.invoke("last").content == "third"
    assert len(model.sent) == 3
    assert model.sent[0][0].content == "hello"
