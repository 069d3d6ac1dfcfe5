"""`threatscribe eval ...`: retrieval, extraction and scenario evaluations (print numbers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import fail
from app.settings import PROJECT_ROOT

eval_app = typer.Typer(help="Run the evaluations in evals/ and print their numbers.", no_args_is_help=True)


@eval_app.command("retrieval")
def retrieval(
    queries: Annotated[Path, typer.Option(help="Labelled queries (YAML).")] = PROJECT_ROOT / "evals" / "retrieval"
    / "queries.yaml",
    k: Annotated[int, typer.Option("-k", min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Recall@k and MRR for dense, BM25 and hybrid search."""
    from app.evals.retrieval import MODES, evaluate, load_queries
    from app.kb.service import get_index

    try:
        items = load_queries(queries)
    except (OSError, KeyError, TypeError, ValueError) as exc:
        fail(f"{queries}: cannot read queries ({exc})")
    result = evaluate(get_index(), items, k=k)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(f"{result['queries']} queries from {queries}, k={k}")
    typer.echo(f"{'mode':8} {'recall@' + str(k):>10} {'MRR':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for mode in MODES:
        r = result[mode]
        typer.echo(f"{mode:8} {r['recall_at_k']:>10.3f} {r['mrr']:>8.3f} {r['p50_ms']:>8} {r['p95_ms']:>8}")
    typer.echo(f"hybrid gain over the better single mode: {result['hybrid_gain_points']:+.1f} points of recall@{k}")
