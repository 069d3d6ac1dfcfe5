"""Counts of the knowledge base, per source and kind."""

from __future__ import annotations

from typing import Any

from app.kb.loader import KnowledgeBase


def kb_stats(kb: KnowledgeBase) -> dict[str, Any]:
    top = sum(1 for t in kb.techniques.values() if not t.parent)
    return {
        "versions": kb.versions,
        "content_hash": kb.content_hash,
        "atlas": {
            "tactics": len(kb.tactics),
            "techniques": len(kb.techniques),
            "top_level_techniques": top,
            "sub_techniques": len(kb.techniques) - top,
            "mitigations": len(kb.mitigations),
            "mitigation_links": kb.mitigation_link_count(),
            "case_studies": len(kb.case_studies),
        },
        "plot4ai": {"cards": len(kb.plot_cards),
                    "categories": len({c.category for c in kb.plot_cards.values()})},
        "owasp_llm": {"entries": len(kb.owasp)},
        "stride": {"categories": len(kb.stride)},
        "maestro": {"layers": len(kb.maestro)},
        "method_case_studies": {"entries": len(kb.method_cases)},
        "missing_prose": len(kb.missing_prose()),
        "orphan_prose": len(kb.orphan_prose),
    }
