"""The LLM seam: the only module that names providers or reads API keys.

`get_chat_model(settings)` returns None in offline mode (the default) or a langchain chat model.
Domain code takes that model as a parameter and never imports a provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

PROVIDERS: dict[str, str] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
    "openai-compatible": "openai",
}
PROVIDER_PACKAGES: dict[str, str] = {
    "openai": "langchain-openai",
    "anthropic": "langchain-anthropic",
    "ollama": "langchain-ollama",
    "openai-compatible": "langchain-openai",
}


class LLMConfigError(ValueError):
    """The LLM setting cannot be turned into a chat model (bad spec, missing package or key)."""


@dataclass(frozen=True)
class LLMSpec:
    provider: str
    model: str

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.model}"


def parse_llm_spec(text: str) -> LLMSpec | None:
    """'offline' → None; 'provider:model' → LLMSpec; anything else → LLMConfigError."""
    value = (text or "").strip()
    if value.lower() in ("", "offline", "none"):
        return None
    provider, sep, model = value.partition(":")
    provider = provider.strip().lower()
    if not sep or not model.strip():
        raise LLMConfigError(f"LLM setting {value!r} must look like provider:model (e.g. ollama:llama3.1)")
    if provider not in PROVIDERS:
        raise LLMConfigError(f"unknown LLM provider {provider!r}; choose one of {', '.join(PROVIDERS)}")
    return LLMSpec(provider, model.strip())


def get_chat_model(settings: Settings, api_key: str | None = None) -> BaseChatModel | None:
    """Build the configured chat model, or None when offline.

    `api_key` is for a key typed in the UI (kept in the session only); otherwise providers read
    their usual environment variables (OPENAI_API_KEY, ANTHROPIC_API_KEY).
    """
    spec = parse_llm_spec(settings.llm)
    if spec is None:
        return None
    kwargs: dict[str, Any] = {"timeout": settings.llm_timeout, "max_retries": 0}
    if spec.provider == "openai-compatible":
        if not settings.llm_base_url:
            raise LLMConfigError("openai-compatible needs a base URL (THREATSCRIBE_LLM_BASE_URL or --llm-base-url)")
        kwargs["base_url"] = settings.llm_base_url
        kwargs["api_key"] = api_key or _env_key("OPENAI_API_KEY") or "not-needed"
    elif spec.provider == "ollama":
        kwargs.pop("timeout")
        if settings.llm_base_url:
            kwargs["base_url"] = settings.llm_base_url
    elif api_key:
        kwargs["api_key"] = api_key
    try:
        from langchain.chat_models import init_chat_model

        return init_chat_model(spec.model, model_provider=PROVIDERS[spec.provider], **kwargs)
    except ImportError as exc:
        package = PROVIDER_PACKAGES[spec.provider]
        raise LLMConfigError(f"{spec.provider} needs the package {package}: pip install {package}") from exc
    except Exception as exc:  # providers raise assorted errors for missing keys or bad options
        raise LLMConfigError(f"could not set up {spec.label}: {exc.__class__.__name__}: {exc}") from exc


def _env_key(name: str) -> str | None:
    import os

    return os.environ.get(name) or None
