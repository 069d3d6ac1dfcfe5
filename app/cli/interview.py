"""`threatscribe interview`, `sessions`, `draft`, `explain`: thin shells over the domain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import fail, make_runner, read_text_file, write_output
from app.settings import get_settings

LLM_OPTION = typer.Option("--llm", help="offline (default) or provider:model, e.g. ollama:llama3.1.")
BASE_URL_OPTION = typer.Option("--llm-base-url", help="Base URL for openai-compatible or ollama servers.")
sessions_app = typer.Typer(help="List, show and delete saved interview sessions.", no_args_is_help=True)


def _store():  # type: ignore[no-untyped-def]
    from app.store import SessionStore

    return SessionStore(get_settings().sessions_db)


def paragraphs(text: str) -> list[str]:
    """One answer per paragraph (blank-line separated)."""
    return [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def interview(
    answers: Annotated[Path | None, typer.Option("--answers", help="One answer per paragraph; no prompts.")] = None,
    session: Annotated[str | None, typer.Option("--session", help="Resume this session id.")] = None,
    name: Annotated[str, typer.Option(help="Name of the system (new sessions).")] = "Untitled AI system",
    llm: Annotated[str | None, LLM_OPTION] = None,
    llm_base_url: Annotated[str | None, BASE_URL_OPTION] = None,
) -> None:
    """Interview in the terminal (or from an answers file), saving every turn."""
    from rich.console import Console
    from rich.markdown import Markdown

    from app.interview.session import InterviewSession, open_or_fail
    from app.services import get_services
    from app.store import StoreError

    console = Console(highlight=False)
    runner = make_runner(llm, llm_base_url)
    store = _store()
    services = get_services()
    try:
        if session:
            chat = open_or_fail(store, services, session)
            chat.runner = runner
            if runner is not None:
                runner.usage = chat.state.llm_usage
        else:
            chat = InterviewSession.create(store, services, name, runner)
    except StoreError as exc:
        fail(str(exc))
    console.print(f"[dim]session {chat.id} — resume with: threatscribe interview --session {chat.id}[/dim]")
    for role, text in chat.transcript()[-2:] if session else chat.transcript():
        if role == "assistant":
            console.print(Markdown(text))
    if answers is not None:
        for paragraph in paragraphs(read_text_file(answers)):
            console.print(f"[bold]> {paragraph[:300]}[/bold]")
            result = chat.send(paragraph)
            console.print(Markdown(result.reply.text))
        if not chat.state.drafted:
            model, version = chat.draft("answers file finished")
            console.print(f"Drafted version {version}: {len(model.threats)} threats, {len(model.findings)} findings.")
        if runner is not None:
            console.print(f"[dim]{chat.state.llm_usage.summary()}[/dim]")
        return
    while True:
        try:
            text = console.input("[bold green]you> [/bold green]")
        except (EOFError, KeyboardInterrupt):
            console.print(f"\n[dim]saved. resume with: threatscribe interview --session {chat.id}[/dim]")
            return
        result = chat.send(text)
        console.print(Markdown(result.reply.text))
        for notice in result.reply.notices:
            console.print(f"[yellow]{notice}[/yellow]")
        if result.model is not None:
            console.print(f"[dim]export it: threatscribe sessions show {chat.id} --format md[/dim]")


@sessions_app.command("list")
def sessions_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Saved sessions, newest first."""
    rows = _store().all()
    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in rows], indent=2))
        return
    if not rows:
        typer.echo("no sessions yet — start one with: threatscribe interview")
    for r in rows:
        typer.echo(f"{r.id}  {r.name[:40]:40}  turns={r.turns:<3} versions={r.versions:<3} updated={r.updated_at}")


@sessions_app.command("show")
def sessions_show(
    session_id: Annotated[str, typer.Argument(help="Session id.")],
    format: Annotated[str | None, typer.Option("--format", "-f", help="Export the latest model instead.")] = None,
    version: Annotated[int | None, typer.Option(help="Which version (default: latest).")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
) -> None:
    """Show a session's transcript, or export one of its model versions."""
    from app.export import EXPORTERS
    from app.model import ThreatModel
    from app.store import StoreError

    store = _store()
    try:
        if format is None:
            for turn in store.turns(session_id) or []:
                typer.echo(f"[{turn.idx}] {turn.role}: {turn.text}")
            if not store.exists(session_id):
                fail(f"no session {session_id!r}")
            return
        exporter = EXPORTERS.get(format)
        if exporter is None:
            fail(f"unknown format {format!r}; choose one of {', '.join(EXPORTERS)}")
        versions = store.versions(session_id)
        if not versions:
            fail(f"session {session_id!r} has no drafted model yet")
        record = store.version(session_id, version) if version else versions[-1]
    except StoreError as exc:
        fail(str(exc))
    write_output(exporter(ThreatModel.model_validate_json(record.model_json)), output)


@sessions_app.command("rm")
def sessions_rm(session_id: Annotated[str, typer.Argument(help="Session id.")]) -> None:
    """Delete a session and its versions."""
    from app.store import StoreError

    try:
        _store().delete(session_id)
    except StoreError as exc:
        fail(str(exc))
    typer.echo(f"deleted {session_id}")


def draft(
    description: Annotated[Path, typer.Argument(help="A text/Markdown description of the system.")],
    answers: Annotated[Path | None, typer.Option("--answers", help="Answers, one per paragraph.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="md, json, csv, sarif or navigator.")] = "md",
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Add missing required threats found by the rules pass.")] = False,
    name: Annotated[str | None, typer.Option(help="Name of the system.")] = None,
    llm: Annotated[str | None, LLM_OPTION] = None,
    llm_base_url: Annotated[str | None, BASE_URL_OPTION] = None,
) -> None:
    """Draft a threat model from a description (offline by default), and export it."""
    from app.checks import fix_missing, run_checks
    from app.export import EXPORTERS
    from app.pipeline import run_pipeline
    from app.services import get_services

    exporter = EXPORTERS.get(format)
    if exporter is None:
        fail(f"unknown format {format!r}; choose one of {', '.join(EXPORTERS)}")
    text = read_text_file(description)
    extra = paragraphs(read_text_file(answers)) if answers else []
    runner = make_runner(llm, llm_base_url)
    services = get_services()
    result = run_pipeline(services, text, extra, name=name or description.stem.replace("_", " ").replace("-", " "))
    if runner is not None:
        from app.interview.session import tailor_or_notice

        tailor_or_notice(runner, result.model, services, text, result.state.plot4ai_answers)
        for finding in result.model.findings:
            if finding.rule_id == "CHK-LLM-001":
                typer.echo(f"notice: {finding.message}", err=True)
        typer.echo(runner.usage.summary(), err=True)
    if fix:
        added = fix_missing(result.model, services.kb, services.rules)
        result.model.findings = run_checks(result.model, services.kb, services.rules, result.state.plot4ai_answers)
        if added:
            typer.echo(f"rules pass added: {', '.join(added)}", err=True)
    write_output(exporter(result.model), output)


def explain_command(
    question: Annotated[str, typer.Argument(help="E.g. “why is prompt injection a risk for us?”")],
    model_file: Annotated[Path | None, typer.Option("--model", help="A threat-model JSON for context.")] = None,
    llm: Annotated[str | None, LLM_OPTION] = None,
    llm_base_url: Annotated[str | None, BASE_URL_OPTION] = None,
) -> None:
    """Explain a threat or mitigation, grounded in the knowledge base, with sources."""
    from app.explain import explain
    from app.model.io import ModelFileError, load_model_file
    from app.services import get_services

    model = None
    if model_file is not None:
        try:
            model = load_model_file(model_file)
        except ModelFileError as exc:
            fail(str(exc))
    services = get_services()
    runner = make_runner(llm, llm_base_url)
    if runner is not None:
        from app.interview.session import explain_with_optional_llm

        typer.echo(explain_with_optional_llm(question, services, runner, model=model))
        return
    result = explain(question, services.kb, services.index, model=model)
    typer.echo(result.with_sources())
    if not result.found:
        raise typer.Exit(1)
