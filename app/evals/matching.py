"""The contract's matching rule: ids are equal, or one is a sub-technique of the other."""

from __future__ import annotations


def family(technique_id: str) -> str:
    parts = technique_id.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else technique_id


def technique_matches(predicted: str, expected: str) -> bool:
    """True when equal, or when one is the parent of the other (AML.T0051 ~ AML.T0051.001)."""
    if predicted == expected:
        return True
    return (family(predicted) == expected and predicted != family(predicted)) or (
        family(expected) == predicted and expected != family(expected)
    )


def matched(expected: list[str], predicted: list[str]) -> list[str]:
    """The expected ids that some predicted id matches."""
    return [e for e in expected if any(technique_matches(p, e) for p in predicted)]
