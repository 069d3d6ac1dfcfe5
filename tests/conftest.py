"""Test-wide guards: offline env, no API keys, no non-loopback connections; shared fixtures."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
API_KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY", "GOOGLE_API_KEY",
                "MISTRAL_API_KEY", "GROQ_API_KEY", "COHERE_API_KEY", "HUGGINGFACEHUB_API_TOKEN", "HF_TOKEN")


class NetworkBlocked(RuntimeError):
    """Raised by the audit hook when a test tries to reach beyond loopback."""


_GUARD = {"on": True}


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host in ("localhost", "localhost.localdomain", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _audit(event: str, args: tuple) -> None:
    if not _GUARD["on"]:
        return
    if event == "socket.connect":
        sock, address = args[0], args[1]
        if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if not _is_loopback(host):
                raise NetworkBlocked(f"test tried to connect to {address!r}: only loopback is allowed")
    elif event == "socket.getaddrinfo":
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode(errors="replace")
        if host is not None and not _is_loopback(host):
            raise NetworkBlocked(f"test tried to resolve {host!r}: only loopback is allowed")


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    for var in API_KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("THREATSCRIBE_LLM", raising=False)
    monkeypatch.delenv("THREATSCRIBE_LLM_BASE_URL", raising=False)
    _GUARD["on"] = True
    yield


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "atlas" / "ATLAS.yaml").exists():
        pytest.skip("../shared/data is not present next to the checkout")
    return SHARED_DATA


@pytest.fixture
def fake_chat():
    """A factory for a scripted chat model: replies are strings, or exceptions to raise."""
    from tests.fakes import ScriptedChatModel

    def make(*replies: object) -> ScriptedChatModel:
        return ScriptedChatModel(replies=list(replies))

    return make


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A full search index built once per test session in a private workspace."""
    from app.kb.index import KnowledgeIndex
    from app.kb.loader import load_knowledge
    from app.settings import Settings

    settings = Settings(workspace=tmp_path_factory.mktemp("workspace"))
    index = KnowledgeIndex(load_knowledge(settings.knowledge_dir), settings)
    index.build()
    return index
