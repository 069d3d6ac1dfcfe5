"""Which threats end up on top? Prints numbers; not a test.

Usage: python evals/top_risks.py [SCENARIO_DIR]   (default: evals/scenarios)

Drafts every scenario from its description (offline, no index) and counts, by rule, which threat ranks
first and which appear among the five riskiest, and how often a harm that needs no attacker (privacy,
fairness, oversight, misinformation, safety, vendor dependency, audit trail) is among them. Used to
calibrate default DREAD profiles (docs/evaluation.md, "Risk order").
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.evals.scenarios import load_scenarios  # noqa: E402
from app.pipeline import run_pipeline  # noqa: E402
from app.services import get_services  # noqa: E402


def main(directory: Path) -> None:
    services = get_services()
    no_attacker = {r.id for r in services.rules.rules if not r.threat.atlas}
    top1: collections.Counter[str] = collections.Counter()
    top5: collections.Counter[str] = collections.Counter()
    count = 0
    for scenario in [s for s in load_scenarios(directory) if not s.skip]:
        order = run_pipeline(services, scenario.description, use_index=False).model.threats_by_risk()
        count += 1
        top1[order[0].key.split("|")[0]] += 1
        for threat in order[:5]:
            top5[threat.key.split("|")[0]] += 1
    print(f"scenarios={count}")
    print("top 1:", ", ".join(f"{k} {v}" for k, v in top1.most_common(8)))
    print("top 5:", ", ".join(f"{k} {v}" for k, v in top5.most_common(10)))
    harms = [(k, v) for k, v in top5.most_common() if k in no_attacker]
    print("no-attacker harms in top 5:", ", ".join(f"{k} {v}" for k, v in harms) or "none",
          f"| as top 1: {sum(v for k, v in top1.items() if k in no_attacker)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "evals" / "scenarios")
