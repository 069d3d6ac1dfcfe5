"""Helpers for writing scenarios from ATLAS case studies.

python -m evals.scenario_tools expected AML.CS0000
    prints the case study's technique ids in the tactics Initial Access through Impact,
    leaving out Reconnaissance, Resource Development, Discovery, AI Model Access and
    Command and Control (the rule of the scenario set).
"""

from __future__ import annotations

import sys

from app.kb.service import get_kb

EXCLUDED_TACTICS = frozenset({
    "AML.TA0002",  # Reconnaissance
    "AML.TA0003",  # Resource Development
    "AML.TA0008",  # Discovery
    "AML.TA0000",  # AI Model Access
    "AML.TA0014",  # Command and Control
})


def expected_techniques(case_study_id: str) -> list[str]:
    """Technique ids of a case study's steps whose tactic is not excluded, in order, deduplicated."""
    case = get_kb().case_studies[case_study_id]
    ids = [s["technique"] for s in case.procedure if s["tactic"] not in EXCLUDED_TACTICS]
    return list(dict.fromkeys(ids))


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "expected":
        print(__doc__)
        return 2
    kb = get_kb()
    for ident in expected_techniques(argv[1]):
        print(ident, kb.techniques[ident].name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
