"""The `threatscribe` command: a thin shell over domain functions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from app import settings as _settings  # noqa: F401  (sets offline env vars before anything heavy loads)
from app.cli.common import fail, write_output
from app.cli.evals import eval_app
from app.cli.interview import draft, explain_command, interview, sessions_app
from app.cli.kb import kb_app
from app.cli.versions import diff_command, import_command
from app.export import EXPORTERS
from app.model.io import ModelFileError, load_model_file
from app.model.schema import model_json_schema

cli = typer.Typer(
    name="threatscribe",
    help="Threat-model your AI system in plain language, grounded in MITRE ATLAS, PLOT4ai and OWASP.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
cli.add_typer(kb_app, name="kb")
cli.add_typer(eval_app, name="eval")
cli.add_typer(sessions_app, name="sessions")
cli.command("interview")(interview)
cli.command("draft")(draft)
cli.command("explain")(explain_command)
cli.command("diff")(diff_command)
cli.command("import")(import_command)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the threat-model file format."""
    typer.echo(json.dumps(model_json_schema(), indent=2))


@cli.command()
def export(
    model_file: Annotated[Path, typer.Argument(help="A threat-model JSON file.")],
    format: Annotated[str, typer.Option("--format", "-f", help="md, json or csv.")] = "md",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")] = None,
) -> None:
    """Export a saved threat model as Markdown, JSON or CSV."""
    exporter = EXPORTERS.get(format)
    if exporter is None:
        fail(f"unknown format {format!r}; choose one of {', '.join(EXPORTERS)}")
    try:
        model = load_model_file(model_file)
    except ModelFileError as exc:
        fail(str(exc))
    write_output(exporter(model), output)


def main() -> None:
    """Console-script entry point."""
    try:
        cli()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
