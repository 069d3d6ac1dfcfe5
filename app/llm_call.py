"""Every LLM call goes through `LLMRunner.structured`: timeout, bounded retries on 429/5xx, parsing into
a pydantic contract with at most two re-asks, caching of identical calls, and accounting per session.
On final failure it raises `LLMFailure`, and callers fall back to the offline engine with a notice."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

M = TypeVar("M", bound=BaseModel)
MAX_REASKS = 2
RETRYABLE = (429, 500, 502, 503, 504)
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="llm")


class LLMFailure(Exception):
    """The call failed for good; `kind` is timeout | http | connection | invalid | error."""

    def __init__(self, kind: str, message: str, attempts: int = 0, last_reply: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.attempts = attempts
        self.last_reply = last_reply

    def notice(self) -> str:
        return (f"The language model could not be used this time ({self.kind}: {self}); "
                "the offline engine's result stands.")


class CallRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: str
    ok: bool
    attempts: int
    tokens_in: int
    tokens_out: int
    latency_ms: int
    cached: bool = False
    error: str | None = None


class LLMUsage(BaseModel):
    """Per-session accounting shown in the UI and CLI."""

    model_config = ConfigDict(extra="forbid")

    calls: int = 0
    cached_calls: int = 0
    failures: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    records: list[CallRecord] = Field(default_factory=list)

    def add(self, record: CallRecord) -> None:
        if record.cached:
            self.cached_calls += 1
        else:
            self.calls += 1
            self.tokens_in += record.tokens_in
            self.tokens_out += record.tokens_out
        if not record.ok:
            self.failures += 1
        self.records = [*self.records, record][-200:]

    def summary(self) -> str:
        return (f"{self.calls} LLM calls ({self.cached_calls} cached, {self.failures} failed), "
                f"{self.tokens_in} tokens in / {self.tokens_out} out")


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of a provider error, whatever the provider library."""
    for candidate in (getattr(exc, "status_code", None), getattr(getattr(exc, "response", None), "status_code", None)):
        if isinstance(candidate, int):
            return candidate
    return None


def _is_connection_error(exc: BaseException) -> bool:
    name = type(exc).__name__.lower()
    return "connect" in name or isinstance(exc, ConnectionError) or "connection" in str(exc).lower()[:200]


def parse_json_object(text: str) -> Any:
    """The JSON object in a reply, tolerating code fences and chatter around it."""
    cleaned = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip())
    try:
        return json.loads(cleaned)
    except json.JSONDecodeError:
        start, end = cleaned.find("{"), cleaned.rfind("}")
        if start != -1 and end > start:
            return json.loads(cleaned[start : end + 1])
        raise


class LLMRunner:
    """Wraps one langchain chat model for one session."""

    def __init__(self, chat_model: Any, usage: LLMUsage | None = None, timeout: float = 60.0,
                 max_retries: int = 2, backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep) -> None:
        self.chat_model = chat_model
        self.usage = usage or LLMUsage()
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self._cache: dict[str, BaseModel] = {}

    def structured(self, task: str, system: str, user: str, contract: type[M],
                   context: dict[str, Any] | None = None) -> M:
        """Ask, parse into `contract` (validators get `context`), re-ask at most twice; or LLMFailure."""
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        key = hashlib.sha256(json.dumps([task, system, user, contract.__name__,
                                         sorted((context or {}).get("allowed", []))]).encode()).hexdigest()
        if key in self._cache:
            self.usage.add(CallRecord(task=task, ok=True, attempts=0, tokens_in=0, tokens_out=0, latency_ms=0,
                                      cached=True))
            return self._cache[key]  # type: ignore[return-value]
        messages: list[Any] = [SystemMessage(content=system), HumanMessage(content=user)]
        started = time.perf_counter()
        attempts = 0
        tokens_in = tokens_out = 0
        last_reply: str | None = None
        for _ in range(MAX_REASKS + 1):
            try:
                reply, attempts_used = self._invoke_with_retries(messages)
            except LLMFailure as failure:
                failure.attempts += attempts
                self._record(task, False, attempts + failure.attempts, tokens_in, tokens_out, started, str(failure))
                raise
            attempts += attempts_used
            usage = getattr(reply, "usage_metadata", None) or {}
            text = str(reply.content if isinstance(reply.content, str) else json.dumps(reply.content))
            tokens_in += int(usage.get("input_tokens") or sum(len(str(m.content)) for m in messages) // 4)
            tokens_out += int(usage.get("output_tokens") or len(text) // 4)
            last_reply = text
            try:
                result = contract.model_validate(parse_json_object(text), context=context)
            except (json.JSONDecodeError, ValidationError, ValueError) as exc:
                problem = _describe(exc)
                messages += [AIMessage(content=text), HumanMessage(
                    content=f"That reply was not valid: {problem}. Reply again with only the JSON object, "
                            "fixing these problems; use only allowed values.")]
                continue
            self._record(task, True, attempts, tokens_in, tokens_out, started, None)
            self._cache[key] = result
            return result
        self._record(task, False, attempts, tokens_in, tokens_out, started, "invalid reply after re-asks")
        raise LLMFailure("invalid", f"no valid reply after {MAX_REASKS} re-asks", attempts, last_reply)

    def _invoke_with_retries(self, messages: list[Any]) -> tuple[Any, int]:
        attempt = 0
        while True:
            attempt += 1
            future = _POOL.submit(self.chat_model.invoke, messages)
            try:
                return future.result(timeout=self.timeout), attempt
            except FutureTimeout as exc:
                future.cancel()
                raise LLMFailure("timeout", f"no reply within {self.timeout:g}s", attempt) from exc
            except Exception as exc:  # provider libraries raise their own error types
                status = http_status(exc)
                if status in RETRYABLE and attempt <= self.max_retries:
                    self.sleep(self.backoff * (2 ** (attempt - 1)))
                    continue
                if status is not None:
                    raise LLMFailure("http", f"HTTP {status}", attempt) from exc
                if _is_connection_error(exc):
                    raise LLMFailure("connection", "could not connect to the model server", attempt) from exc
                raise LLMFailure("error", f"{type(exc).__name__}: {str(exc)[:200]}", attempt) from exc

    def _record(self, task: str, ok: bool, attempts: int, tokens_in: int, tokens_out: int, started: float,
                error: str | None) -> None:
        self.usage.add(CallRecord(task=task, ok=ok, attempts=attempts, tokens_in=tokens_in, tokens_out=tokens_out,
                                  latency_ms=int((time.perf_counter() - started) * 1000), error=error))


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]]
        return "; ".join(parts)
    return f"not a JSON object ({str(exc)[:120]})"
