"""Data-flow diagrams from components, flows and trust boundaries: Mermaid and Graphviz DOT."""

from __future__ import annotations

import re

from app.model import ComponentKind, ThreatModel

MERMAID_SHAPES = {
    ComponentKind.ACTOR: ('["👤 ', '"]'),
    ComponentKind.PROCESS: ('("', '")'),
    ComponentKind.MODEL: ('{{"', '"}}'),
    ComponentKind.DATA_STORE: ('[("', '")]'),
    ComponentKind.EXTERNAL_SERVICE: ('[/"', '"/]'),
}
DOT_SHAPES = {
    ComponentKind.ACTOR: "box", ComponentKind.PROCESS: "ellipse", ComponentKind.MODEL: "hexagon",
    ComponentKind.DATA_STORE: "cylinder", ComponentKind.EXTERNAL_SERVICE: "parallelogram",
}


def _safe(text: str) -> str:
    """Labels become inert text: no quotes, brackets or markup that could break out of the diagram."""
    return re.sub(r"[\"<>{}\[\]|`#;\\]", " ", text).strip()[:80] or "?"


def _node(ident: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", ident)


def to_mermaid(model: ThreatModel) -> str:
    lines = ["flowchart LR"]
    for boundary in model.trust_boundaries:
        lines.append(f'  subgraph {_node(boundary.id)}["{_safe(boundary.name)}"]')
        for comp in model.components:
            if comp.trust_boundary == boundary.id:
                left, right = MERMAID_SHAPES[comp.kind]
                lines.append(f"    {_node(comp.id)}{left}{_safe(comp.name)}{right}")
        lines.append("  end")
    for comp in model.components:
        if comp.trust_boundary not in {b.id for b in model.trust_boundaries}:
            left, right = MERMAID_SHAPES[comp.kind]
            lines.append(f"  {_node(comp.id)}{left}{_safe(comp.name)}{right}")
    for flow in model.data_flows:
        arrow = "==>" if flow.crosses_boundary else "-->"
        lines.append(f'  {_node(flow.source)} {arrow}|"{_safe(flow.label)}"| {_node(flow.target)}')
    return "\n".join(lines) + "\n"


def to_dot(model: ThreatModel) -> str:
    lines = ["digraph threatmodel {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for boundary in model.trust_boundaries:
        lines.append(f"  subgraph cluster_{_node(boundary.id)} {{")
        lines.append(f'    label="{_safe(boundary.name)}"; style=dashed; color=red;')
        for comp in model.components:
            if comp.trust_boundary == boundary.id:
                lines.append(f'    {_node(comp.id)} [label="{_safe(comp.name)}", shape={DOT_SHAPES[comp.kind]}];')
        lines.append("  }")
    for flow in model.data_flows:
        style = ", color=red, penwidth=2" if flow.crosses_boundary else ""
        lines.append(f'  {_node(flow.source)} -> {_node(flow.target)} [label="{_safe(flow.label)}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
