"""Helpers shared by CLI commands: one-line errors with exit code 2, output to file or stdout."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a one-line error to stderr and exit (2 = bad input, like diff)."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code)


def write_output(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: cannot write ({exc.strerror})")
    typer.echo(f"wrote {output}", err=True)


MAX_INPUT_BYTES = 5 * 1024 * 1024


def read_text_file(path: Path) -> str:
    """A user-supplied text file, or a one-line error naming it."""
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            fail(f"{path}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
        raw = path.read_bytes()
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror})")
    if b"\x00" in raw[:8192]:
        fail(f"{path}: looks like a binary file; give a text or Markdown file")
    return raw.decode("utf-8", errors="replace")


def make_runner(llm: str | None, base_url: str | None):  # type: ignore[no-untyped-def]
    """An LLMRunner for --llm/--llm-base-url (or THREATSCRIBE_LLM), None for offline; one-line errors."""
    from app.llm import LLMConfigError, get_chat_model
    from app.llm_call import LLMRunner
    from app.settings import get_settings

    settings = get_settings()
    if llm is not None or base_url is not None:
        settings = settings.model_copy(update={k: v for k, v in (("llm", llm), ("llm_base_url", base_url))
                                               if v is not None})
    try:
        chat_model = get_chat_model(settings)
    except LLMConfigError as exc:
        fail(str(exc))
    if chat_model is None:
        return None
    return LLMRunner(chat_model, timeout=settings.llm_timeout, max_retries=settings.llm_max_retries)
