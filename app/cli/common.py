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
