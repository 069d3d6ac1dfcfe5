"""Check the knowledge base: structure, cross references, missing prose, copied upstream text.

Usage: python -m app.kb.lint [--shared PATH]   (exit 1 on any problem)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.kb.loader import KnowledgeError, default_knowledge_dir, load_knowledge
from app.kb.overlap import OverlapIndex
from app.kb.upstream import load_atlas_yaml, load_plot4ai_deck, upstream_sentences

GENERATED_SUFFIX = ".generated.yaml"


def prose_files(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*.yaml")) if not p.name.endswith(GENERATED_SUFFIX)] + sorted(
        root.rglob("*.md")
    )


def copied_text(root: Path, shared: Path) -> dict[str, list[str]]:
    """Files under `root` with runs of 8 words found in upstream ATLAS/PLOT4ai prose."""
    atlas = load_atlas_yaml(shared / "atlas" / "ATLAS.yaml")
    deck = load_plot4ai_deck(shared / "plot4ai" / "deck.json")
    index = OverlapIndex(upstream_sentences(atlas, deck))
    found: dict[str, list[str]] = {}
    for path in prose_files(root):
        runs = index.copied_runs(path.read_text(encoding="utf-8"))
        if runs:
            found[str(path)] = runs
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    args = parser.parse_args(argv)
    root = default_knowledge_dir()
    status = 0
    try:
        kb = load_knowledge(root)
    except KnowledgeError as exc:
        print(f"ERROR {exc}")
        return 1
    missing = kb.missing_prose()
    print(f"loaded: {len(kb.techniques)} techniques, {len(kb.plot_cards)} cards; {len(missing)} entries lack prose")
    for ident in kb.orphan_prose:
        status = 1
        print(f"ORPHAN prose for an id that is not in the generated data: {ident}")
    if args.shared.exists():
        for path, runs in copied_text(root, args.shared).items():
            status = 1
            for run in runs[:5]:
                print(f"COPIED {path}: '{run}'")
    return status


if __name__ == "__main__":
    sys.exit(main())
