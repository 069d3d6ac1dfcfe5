"""Try extra extraction patterns before adding them: prints what they gain and what they break.

Usage: python evals/pattern_lab.py PROPOSALS.yaml [--show] [--set PARAPHRASES.yaml] [--apply]

PROPOSALS.yaml: {facts: {fact.path: {yes_if: [regex, ...], no_if: [regex, ...]}}} — patterns to ADD
to knowledge/interview/extraction.yaml (same syntax: text is lower-cased, contractions expanded,
a leading "!" marks a pattern that carries its own negation). Scores, before -> after:
- a paraphrase tuning set (default evals/extraction/paraphrases.yaml; --set another one): yes-recall and
  false-yes on the proposal's facts, and the same over all facts of both tuning sets;
- the dev answers (evals/extraction/answers.yaml): micro F1 over all facts, and new false positives.
Never run it against a holdout file (paraphrases2.yaml, holdout.yaml).
--apply then writes the proposals into knowledge/interview/extraction.yaml, keeping its layout (each pattern
is appended to the fact's flow list) and refusing if the result does not load to the same merged spec.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.evals.extraction import evaluate as evaluate_answers  # noqa: E402
from app.evals.extraction import load_answers  # noqa: E402
from app.evals.paraphrases import evaluate as evaluate_paraphrases  # noqa: E402
from app.evals.paraphrases import load_paraphrases  # noqa: E402
from app.interview.extract import ExtractionSpec, OfflineExtractor, load_spec  # noqa: E402


def merged(spec: ExtractionSpec, proposals: dict) -> ExtractionSpec:
    data = spec.model_dump()
    for path, extra in (proposals.get("facts") or {}).items():
        if path not in data["facts"]:
            raise SystemExit(f"unknown fact {path}")
        for key in ("yes_if", "no_if"):
            for pattern in extra.get(key) or []:
                re.compile(pattern.lstrip("!"))
                data["facts"][path][key].append(pattern)
    return ExtractionSpec.model_validate(data)


def main() -> None:
    proposals = yaml.safe_load(Path(sys.argv[1]).read_text(encoding="utf-8")) or {}
    show = "--show" in sys.argv
    facts = set(proposals.get("facts") or {})
    base = OfflineExtractor(load_spec())
    new = OfflineExtractor(merged(load_spec(), proposals))
    tuning = Path(sys.argv[sys.argv.index("--set") + 1]) if "--set" in sys.argv else \
        ROOT / "evals" / "extraction" / "paraphrases.yaml"
    if "paraphrases2" in tuning.name or "holdout" in tuning.name:
        raise SystemExit("that is a held-out set: measure on it, never tune against it")
    paraphrases = load_paraphrases(tuning)
    mine = {k: v for k, v in paraphrases.items() if k in facts}
    before, after = evaluate_paraphrases(base, mine), evaluate_paraphrases(new, mine)
    everything = evaluate_paraphrases(new, paraphrases)
    print(f"paraphrases (your {len(mine)} facts): yes_recall {before['yes_recall']} -> {after['yes_recall']}, "
          f"false_yes {before['false_yes_rate']} -> {after['false_yes_rate']}")
    print(f"paraphrases (all facts, after): yes_recall {everything['yes_recall']} "
          f"false_yes {everything['false_yes_rate']}")
    for other in sorted((ROOT / "evals" / "extraction").glob("paraphrases*.yaml")):
        if other.resolve() != tuning.resolve() and "paraphrases2" not in other.name:
            o_before = evaluate_paraphrases(base, load_paraphrases(other))
            o_after = evaluate_paraphrases(new, load_paraphrases(other))
            print(f"other tuning set {other.name}: yes_recall {o_before['yes_recall']} -> {o_after['yes_recall']}, "
                  f"false_yes {o_before['false_yes_rate']} -> {o_after['false_yes_rate']}")
    for fact in sorted(mine):
        b, a = before["per_fact"][fact], after["per_fact"][fact]
        print(f"  {fact:42} missed {b['missed']}->{a['missed']} of {a['yes']}   false_yes {b['false_yes']}->"
              f"{a['false_yes']} of {a['no']}")
    answers = load_answers(ROOT / "evals" / "extraction" / "answers.yaml")
    ab, aa = evaluate_answers(base, answers), evaluate_answers(new, answers)
    print(f"dev answers micro F1 {ab['micro_f1']} -> {aa['micro_f1']} (P {ab['precision']} -> {aa['precision']}, "
          f"R {ab['recall']} -> {aa['recall']})")
    old_errors = {e["id"]: e["wrong"] for e in ab["errors"]}
    for err in aa["errors"]:
        for path, (got, want) in err["wrong"].items():
            if old_errors.get(err["id"], {}).get(path) != (got, want):
                print(f"  NEW ERROR {err['id']} {path}: got={got} want={want}")
    if show:
        for miss in after["misses"]:
            print(f"  still {miss['side']:3} {miss['fact']:40} {miss['text']}")
    if "--apply" in sys.argv:
        apply(proposals)


def _list_end(text: str, start: int) -> int:
    """Index of the "]" that closes the flow list opening at text[start] == "[" (quotes respected)."""
    depth, quote, i = 0, "", start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                if quote == "'" and text[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise SystemExit("unbalanced flow list in extraction.yaml")


def apply(proposals: dict) -> None:
    path = ROOT / "knowledge" / "interview" / "extraction.yaml"
    text = path.read_text(encoding="utf-8")
    for fact, extra in (proposals.get("facts") or {}).items():
        block = text.index(f"\n  {fact}:\n") + 1
        for key in ("yes_if", "no_if"):
            patterns = extra.get(key) or []
            if not patterns:
                continue
            header = re.search(r"\n  [a-z_]+\.[a-z_]+:\n", text[block:])
            limit = block + header.start() if header else len(text)
            at = text.find(f"    {key}: [", block, limit)
            if at < 0:
                raise SystemExit(f"{fact} has no one-line-opened {key} list to append to; add it by hand")
            end = _list_end(text, text.index("[", at))
            quoted = "".join(",\n      " + "'" + p.replace("'", "''") + "'" for p in patterns)
            text = text[:end] + quoted + text[end:]
    expected = merged(load_spec(), proposals).model_dump()
    path.write_text(text, encoding="utf-8")
    if load_spec().model_dump() != expected:
        raise SystemExit("applied file does not load to the merged spec; inspect extraction.yaml (git diff)")
    print(f"applied to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
