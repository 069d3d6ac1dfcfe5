"""`threatscribe diff` and `threatscribe import`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import fail, write_output
from app.settings import get_settings


def resolve_model(ref: str):  # type: ignore[no-untyped-def]
    """A model from a JSON file, or from a session version written SESSION or SESSION:VERSION."""
    from app.model.io import ModelFileError, load_model_file
    from app.model.threat_model import ThreatModel
    from app.store import SessionStore, StoreError

    path = Path(ref)
    if path.suffix.lower() == ".json" or path.exists():
        try:
            return load_model_file(path)
        except ModelFileError as exc:
            fail(str(exc))
    session_id, _, version = ref.partition(":")
    store = SessionStore(get_settings().sessions_db)
    try:
        versions = store.versions(session_id)
        if not versions:
            fail(f"{ref}: no such file, and no session with drafted versions")
        record = store.version(session_id, int(version)) if version else versions[-1]
    except (StoreError, ValueError) as exc:
        fail(f"{ref}: {exc}")
    return ThreatModel.model_validate_json(record.model_json)


def diff_command(
    a: Annotated[str, typer.Argument(help="Model JSON file, or SESSION[:VERSION].")],
    b: Annotated[str, typer.Argument(help="Model JSON file, or SESSION[:VERSION].")],
    format: Annotated[str, typer.Option("--format", "-f", help="text, md or json.")] = "text",
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
) -> None:
    """Field-level diff of two models. Exit 0 when equal, 1 when different, 2 on bad input."""
    from app.diff import diff_models, to_json, to_markdown, to_text

    if format not in ("text", "md", "json"):
        fail(f"unknown format {format!r}; choose text, md or json")
    old, new = resolve_model(a), resolve_model(b)
    difference = diff_models(old, new)
    titles = {t.id: t.title for t in old.threats} | {t.id: t.title for t in new.threats}
    render = to_markdown if format == "md" else to_text
    text = to_json(difference) if format == "json" else render(difference, titles)
    write_output(text, output)
    raise typer.Exit(0 if difference.empty else 1)


def import_command(
    model_file: Annotated[Path, typer.Argument(help="A previously exported threat-model JSON.")],
    name: Annotated[str | None, typer.Option(help="Session name (default: the model's system name).")] = None,
) -> None:
    """Import an exported model into a new session to continue work on it."""
    from app.interview.session import InterviewSession
    from app.model.io import ModelFileError, load_model_file
    from app.services import get_services
    from app.store import SessionStore

    try:
        model = load_model_file(model_file)
    except ModelFileError as exc:
        fail(str(exc))
    store = SessionStore(get_settings().sessions_db)
    session = InterviewSession.import_model(store, get_services(), model, name)
    typer.echo(f"imported into session {session.id} — continue with: threatscribe interview --session {session.id}")
