"""Play a written interview and write the threat model a user would get, for reading by a person.

Usage: python evals/handrun.py evals/handruns/NAME.yaml [OUT.md]

The file has `name`, `description` and `answers` keyed by question id (`Q-...`, `Q-...#fu` for the
follow-up), like evals/conversations/ but without labels: these interviews are read by a reviewer,
not scored. The engine plays it as the chat does ("I'm not sure." to anything unanswered), drafts with
the search index, runs the rules pass and writes the Markdown report (default: next to the input).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.evals.conversations import Conversation, run_conversation  # noqa: E402
from app.export import EXPORTERS  # noqa: E402
from app.interview.engine import InterviewEngine  # noqa: E402
from app.pipeline import draft_state  # noqa: E402
from app.services import get_services  # noqa: E402
from app.yamlfile import read_yaml  # noqa: E402


def main(path: Path, out: Path) -> None:
    data = read_yaml(path)
    services = get_services()
    engine = InterviewEngine(services.extractor, services.bank, services.kb)
    conversation = Conversation(id=path.stem, name=str(data["name"]), description=str(data["description"]),
                                answers={str(k): str(v) for k, v in (data.get("answers") or {}).items()},
                                expected={})
    state, questions = run_conversation(engine, conversation)
    model = draft_state(services, state, use_index=True, name=conversation.name)
    out.write_text(EXPORTERS["md"](model), encoding="utf-8")
    top = ", ".join(f"{t.id} {t.dread.score}" for t in model.threats_by_risk()[:5])
    print(f"{path.name}: questions={questions} threats={len(model.threats)} findings={len(model.findings)} "
          f"top: {top} -> {out}")


if __name__ == "__main__":
    source = Path(sys.argv[1])
    main(source, Path(sys.argv[2]) if len(sys.argv) > 2 else source.with_suffix(".md"))
