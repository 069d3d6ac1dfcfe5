"""`threatscribe eval ...`: retrieval, extraction and scenario evaluations (print numbers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from yaml import YAMLError

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
    except (OSError, KeyError, TypeError, ValueError, YAMLError) as exc:
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
    low, high = result["hybrid_gain_ci95_points"]
    typer.echo(f"hybrid gain over the better single mode: {result['hybrid_gain_points']:+.1f} points of recall@{k} "
               f"(95% paired bootstrap interval {low:+.1f} to {high:+.1f})")
    typer.echo(f"per-query better of dense/BM25 (a ceiling for fusion): {result['oracle_gain_points']:+.1f} points")


@eval_app.command("scenarios")
def scenarios(
    directory: Annotated[Path, typer.Argument(help="A folder of scenario YAML files.")] = PROJECT_ROOT / "evals"
    / "scenarios",
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full report here.")] = None,
    baselines: Annotated[bool, typer.Option("--baselines", help="Also run dense/BM25/most-frequent.")] = False,
) -> None:
    """Run the offline pipeline on every scenario and print recall, focus and timing."""
    from app.evals.scenarios import ScenarioError, evaluate, load_scenarios, summary_line
    from app.services import get_services

    if not directory.is_dir():
        fail(f"{directory}: not a folder of scenarios")
    try:
        items = load_scenarios(directory)
    except ScenarioError as exc:
        fail(str(exc))
    services = get_services()
    services.index.ensure_built()
    report = evaluate(services, items, baselines=baselines)
    typer.echo(f"{'scenario':48} {'recall':>7} {'core':>6} {'techs':>6} {'sec':>6}  missed")
    for row in report["scenarios"]:
        typer.echo(f"{row['id'][:48]:48} {row['recall']:>7.2f} {row['core_recall']:>6.2f} {row['n_techniques']:>6} "
                   f"{row['seconds']:>6.2f}  {' '.join(row['missed'])}")
    for name, numbers in report.get("baselines", {}).items():
        typer.echo(f"baseline {name:14} recall={numbers['recall']} core_recall={numbers['core_recall']}")
    if json_out:
        json_out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    typer.echo(summary_line(report["summary"]))


@eval_app.command("extraction")
def extraction(
    answers: Annotated[Path, typer.Option(help="Labelled answers (YAML).")] = PROJECT_ROOT / "evals" / "extraction"
    / "answers.yaml",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    errors: Annotated[bool, typer.Option(help="List the answers with a wrong or missing fact.")] = False,
) -> None:
    """Per-fact precision/recall and micro F1 of the offline extractor."""
    from app.evals.extraction import evaluate as evaluate_extraction
    from app.evals.extraction import load_answers
    from app.interview.extract import get_extractor

    try:
        items = load_answers(answers)
    except (OSError, KeyError, TypeError, ValueError, YAMLError) as exc:
        fail(f"{answers}: cannot read answers ({exc})")
    result = evaluate_extraction(get_extractor(), items)
    if as_json:
        typer.echo(json.dumps({k: v for k, v in result.items() if k != "errors"}, indent=2))
        return
    typer.echo(f"{'fact':42} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
    for path, row in result["per_fact"].items():
        typer.echo(f"{path:42} {row['precision']:>9.2f} {row['recall']:>7.2f} {row['tp']:>4} {row['fp']:>4} "
                   f"{row['fn']:>4}")
    if errors:
        for row in result["errors"]:
            wrong = sorted(row["wrong"].items())
            typer.echo(f"{row['id']}: " + ", ".join(f"{p} got={g} want={w}" for p, (g, w) in wrong))
    typer.echo(f"answers={result['answers']} precision={result['precision']} recall={result['recall']} "
               f"micro_f1={result['micro_f1']}")


@eval_app.command("paraphrases")
def paraphrases(
    path: Annotated[Path, typer.Option("--file", help="Paraphrase set (YAML).")] = PROJECT_ROOT / "evals"
    / "extraction" / "paraphrases.yaml",
    show: Annotated[bool, typer.Option("--show", help="List the sentences read wrongly.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """How often the extractor reads a sentence's own fact when it is phrased in new words."""
    from app.evals.paraphrases import evaluate as evaluate_paraphrases
    from app.evals.paraphrases import load_paraphrases
    from app.interview.extract import get_extractor

    try:
        data = load_paraphrases(path)
    except (OSError, AttributeError, TypeError, ValueError, YAMLError) as exc:
        fail(f"{path}: cannot read paraphrases ({exc})")
    result = evaluate_paraphrases(get_extractor(), data)
    if as_json:
        typer.echo(json.dumps({k: v for k, v in result.items() if k != "misses"}, indent=2))
        return
    if show:
        for miss in result["misses"]:
            typer.echo(f"{miss['side']:3} {miss['fact']:40} {miss['text']}")
    typer.echo(f"sentences={result['sentences']} yes_recall={result['yes_recall']} "
               f"false_yes_rate={result['false_yes_rate']}")


@eval_app.command("interview")
def interview_eval(
    directory: Annotated[Path, typer.Argument(help="Scenario folder (uses each scenario's facts).")] = PROJECT_ROOT
    / "evals" / "scenarios",
) -> None:
    """Questions until coverage is complete, with a simulated user answering from scenario facts."""
    from app.evals.interview import evaluate as evaluate_interview
    from app.evals.scenarios import ScenarioError, load_scenarios
    from app.services import get_services

    try:
        items = load_scenarios(directory)
    except ScenarioError as exc:
        fail(str(exc))
    result = evaluate_interview(get_services(), items)
    for row in result["rows"]:
        typer.echo(f"{row['id'][:48]:48} questions={row['questions']:<3} complete={row['complete']} "
                   f"facts right/wrong/total={row['facts_right']}/{row['facts_wrong']}/{row['facts_total']}")
    typer.echo(f"scenarios={result['scenarios']} median_questions={result['median_questions']} "
               f"max_questions={result['max_questions']} complete={result['complete']} "
               f"fact_accuracy={result['fact_accuracy']} facts_wrong={result['facts_wrong']}")


@eval_app.command("conversations")
def conversations_eval(
    directory: Annotated[Path, typer.Argument(help="A folder of conversation YAML files.")] = PROJECT_ROOT
    / "evals" / "conversations",
    errors: Annotated[bool, typer.Option("--errors", help="List every fact read wrongly or left open.")] = False,
) -> None:
    """Whole interviews with natural written answers: how many of the labelled facts end up right."""
    from app.evals.conversations import ConversationError, load_conversations
    from app.evals.conversations import evaluate as evaluate_conversations
    from app.services import get_services

    services = get_services()
    try:
        items = load_conversations(directory, {q.id for q in services.bank.questions})
    except ConversationError as exc:
        fail(str(exc))
    if not items:
        fail(f"{directory}: no conversation files (*.yaml)")
    result = evaluate_conversations(services, items)
    for row in result["rows"]:
        typer.echo(f"{row['id'][:40]:40} questions={row['questions']:<3} right={row['right']:<3} "
                   f"wrong={row['wrong']:<3} open={row['unsettled']:<3} of {row['expected']}")
        if errors:
            for err in row["errors"]:
                quote = f"  “{err['quote'][:90]}”" if err.get("quote") else ""
                typer.echo(f"    {err['fact']:42} want={err['want']:4} got={err['got']}{quote}")
    typer.echo(f"conversations={result['conversations']} facts={result['facts']} accuracy={result['accuracy']} "
               f"precision={result['precision']} wrong_rate={result['wrong_rate']} "
               f"median_questions={result['median_questions']}")



@eval_app.command("concerns")
def concerns_eval(
    path: Annotated[Path, typer.Argument(help="Labelled worst-case answers (YAML).")] = PROJECT_ROOT / "evals"
    / "concerns" / "dev.yaml",
    errors: Annotated[bool, typer.Option("--errors", help="List the answers read wrongly.")] = False,
    patterns_only: Annotated[bool, typer.Option("--patterns-only", help="Without the classifier.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """How well the worst-case answer is read into named concerns (precision, recall, exact)."""
    from app.concerns import default_classifier
    from app.evals.concerns import evaluate as evaluate_concerns
    from app.evals.concerns import load_answers

    try:
        answers = load_answers(path)
    except (OSError, AttributeError, TypeError, ValueError, YAMLError) as exc:
        fail(f"{path}: cannot read worst-case answers ({exc})")
    result = evaluate_concerns(answers, None if patterns_only else default_classifier())
    if as_json:
        typer.echo(json.dumps({k: v for k, v in result.items() if k != "errors"}, indent=2))
        return
    if errors:
        for row in result["errors"]:
            typer.echo(f"want={','.join(row['want']) or '-'} got={','.join(row['got']) or '-'} :: {row['answer']}")
    typer.echo(f"answers={result['answers']} precision={result['precision']} recall={result['recall']} "
               f"f1={result['f1']} exact={result['exact']}")
    weak = [f"{k} p={v['precision']} r={v['recall']}" for k, v in result["per_concern"].items()
            if v["precision"] < 1 or v["recall"] < 1]
    if weak:
        typer.echo("below 1.0: " + "; ".join(weak))
