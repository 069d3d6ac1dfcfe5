"""`threatscribe kb ...`: build, search, stats, import-atlas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import fail
from app.kb.loader import KnowledgeError
from app.kb.passages import KINDS
from app.kb.upstream import UpstreamError
from app.settings import get_settings

kb_app = typer.Typer(help="The knowledge base: build the index, search it, count it, refresh ATLAS.",
                     no_args_is_help=True)


@kb_app.command("build")
def build(
    force: Annotated[bool, typer.Option(help="Drop the index and embed everything again.")] = False,
    quiet: Annotated[bool, typer.Option(help="Only print a one-line summary.")] = False,
) -> None:
    """Build or refresh the search index (only changed entries are embedded)."""
    from rich.progress import Progress

    from app.kb.index import KnowledgeIndex
    from app.kb.service import get_kb

    settings = get_settings()
    try:
        index = KnowledgeIndex(get_kb(settings), settings)
    except KnowledgeError as exc:
        fail(str(exc))
    if not force and index.is_current() and not quiet:
        typer.echo("index is current; checking stored entries")
    with Progress(transient=True, disable=quiet) as progress:
        task = progress.add_task("embedding", total=None)
        report = index.build(progress=lambda done, total: progress.update(task, completed=done, total=total),
                             force=force)
    if report.rebuilt_after_error:
        typer.echo(report.rebuilt_after_error, err=True)
    typer.echo(f"index: {len(index.passages)} passages, {report.embedded} embedded, {report.removed} removed, "
               f"{report.unchanged} unchanged in {report.seconds}s ({index.path})")


@kb_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    kind: Annotated[list[str] | None, typer.Option("--kind", help=f"Limit to kinds: {', '.join(KINDS)}.")] = None,
    source: Annotated[str | None, typer.Option(help="MITRE ATLAS, PLOT4ai, OWASP..., ThreatScribe.")] = None,
    tactic: Annotated[str | None, typer.Option(help="ATLAS tactic id, e.g. AML.TA0004.")] = None,
    category: Annotated[str | None, typer.Option(help="PLOT4ai category or mitigation category.")] = None,
    llm_only: Annotated[bool | None, typer.Option("--llm-only/--not-llm-only", help="LLM-only entries.")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many results.")] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, dense or bm25.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search the knowledge base."""
    from app.kb.index import SearchFilter
    from app.kb.service import get_index

    for item in kind or []:
        if item not in KINDS:
            fail(f"unknown kind {item!r}; choose from {', '.join(KINDS)}")
    if mode not in ("hybrid", "dense", "bm25"):
        fail(f"unknown mode {mode!r}; choose hybrid, dense or bm25")
    flt = SearchFilter(kinds=tuple(kind) if kind else None, source=source, tactic=tactic, category=category,
                       llm_only=llm_only)
    try:
        results = get_index().search(query, k=k, mode=mode, flt=flt)
    except KnowledgeError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps([{"id": p.id, "kind": p.kind, "title": p.title, "score": p.score,
                                "source": p.source, "license": p.license, "text": p.text} for p in results],
                              indent=2))
        return
    if not results:
        typer.echo("no results")
    for rank, p in enumerate(results, 1):
        typer.echo(f"{rank}. {p.id}  {p.title}  [{p.kind}; {p.source}, {p.license}]  score={p.score}")
        typer.echo(f"   {p.text[:200]}")


@kb_app.command("stats")
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Counts per source and kind, and versions."""
    from app.kb.service import get_kb
    from app.kb.stats import kb_stats

    try:
        data = kb_stats(get_kb())
    except KnowledgeError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    for section, value in data.items():
        typer.echo(f"{section}: {value}")


@kb_app.command("import-atlas")
def import_atlas_command(path: Annotated[Path, typer.Argument(help="An official ATLAS.yaml.")]) -> None:
    """Refresh ATLAS ids, names and relations from an ATLAS.yaml; our prose is kept."""
    from app.kb.importer import import_atlas
    from app.kb.service import reset_caches

    settings = get_settings()
    try:
        report = import_atlas(path, settings.knowledge_dir)
    except (UpstreamError, KnowledgeError) as exc:
        fail(f"{exc} (knowledge base unchanged)")
    reset_caches()
    typer.echo(f"ATLAS {report.old_version or '?'} -> {report.new_version}: {len(report.added)} added, "
               f"{len(report.removed)} removed, {len(report.renamed)} renamed")
    for ident in report.added:
        flag = " (needs a summary)" if ident in report.needs_summary else ""
        typer.echo(f"  + {ident}{flag}")
    for ident in report.removed:
        typer.echo(f"  - {ident}")
    for ident, old, new in report.renamed:
        typer.echo(f"  ~ {ident}: {old!r} -> {new!r}")
    for ident in report.orphan_prose:
        typer.echo(f"  ! prose kept for {ident}, which is no longer in ATLAS")
