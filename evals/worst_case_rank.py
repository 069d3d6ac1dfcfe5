"""Does a named worst case reach the top of the threat list? Prints numbers; not a test.

Usage: python evals/worst_case_rank.py [CONVERSATION_DIR ...]   (default: all three conversation sets)

Plays each written interview (evals/conversations*/) as the chat does, drafts the model twice — once
with the worst cases read from the user's answer, once with them confirmed as none — and reports, over
the worst cases the reader named: the share with a covering threat among the five riskiest threats,
and the mean best rank of a covering threat. The reading itself is scored by `threatscribe eval
concerns`; this script measures what the reading changes in the model.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.concerns import card_categories, coverage, stated_concerns  # noqa: E402
from app.evals.conversations import load_conversations, run_conversation  # noqa: E402
from app.interview.engine import InterviewEngine  # noqa: E402
from app.pipeline import draft_state  # noqa: E402
from app.services import get_services  # noqa: E402

TOP = 5


def main(directories: list[Path]) -> None:
    services = get_services()
    engine = InterviewEngine(services.extractor, services.bank, services.kb)
    categories = card_categories(services.kb)
    for directory in directories:
        hits = {"before": [], "after": []}  # type: dict[str, list[int]]
        ranks = {"before": [], "after": []}  # type: dict[str, list[int]]
        named_total = systems = 0
        for conversation in load_conversations(directory):
            state, _ = run_conversation(engine, conversation)
            named = stated_concerns(state.profile)
            if not named:
                continue
            systems += 1
            named_total += len(named)
            after = draft_state(services, state, use_index=False)
            state.profile.scope.worst_cases = []
            before = draft_state(services, state, use_index=False)
            for label, model in (("before", before), ("after", after)):
                order = [t.id for t in model.threats_by_risk()]
                for _, threats in coverage(model.threats, named, categories):
                    best = min((order.index(t.id) + 1 for t in threats), default=len(order) + 1)
                    ranks[label].append(best)
                    hits[label].append(int(best <= TOP))
        if not named_total:
            print(f"{directory.name}: no worst case named")
            continue
        print(f"{directory.name}: systems with a named worst case={systems} worst cases={named_total} "
              f"in top {TOP}: {statistics.mean(hits['before']):.3f} -> {statistics.mean(hits['after']):.3f}  "
              f"mean best rank: {statistics.mean(ranks['before']):.1f} -> {statistics.mean(ranks['after']):.1f}")


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]] or [ROOT / "evals" / n for n in
                                               ("conversations", "conversations_holdout", "conversations_holdout2")]
    main(args)
