"""Lexical search over passages (Okapi BM25 via rank-bm25) with a small, predictable tokenizer."""

from __future__ import annotations

import re

from rank_bm25 import BM25Okapi

TOKEN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset((
    "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with", "from",
    "into", "onto", "about", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this",
    "that", "these", "those", "there", "their", "they", "them", "we", "our", "us", "you", "your", "he", "she",
    "his", "her", "i", "me", "my", "can", "could", "would", "should", "will", "may", "might", "must", "do",
    "does", "did", "done", "have", "has", "had", "not", "no", "so", "than", "then", "too", "very", "just",
    "also", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "all", "any", "some",
    "such", "each", "other", "more", "most", "own", "same", "only", "out", "up", "down", "over", "under",
    "again", "further", "once", "here", "while", "because", "until", "against", "between", "through", "during",
    "before", "after", "above", "below", "off", "both", "few", "nor",
))
SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s")


def stem(word: str) -> str:
    """A light suffix stripper: enough to join 'poisoned'/'poisoning'/'poison'."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            if suffix == "ies":
                return word[:-3] + "y"
            return word[: -len(suffix)]
    return word


def tokenize(text: str) -> list[str]:
    return [stem(t) for t in TOKEN.findall(text.lower()) if t not in STOPWORDS]


class LexicalIndex:
    """BM25 over a fixed list of documents; `top` returns (position, score) pairs."""

    def __init__(self, documents: list[str]) -> None:
        self._bm25 = BM25Okapi([tokenize(d) or ["_"] for d in documents])
        self.size = len(documents)

    def scores(self, query: str) -> list[float]:
        tokens = tokenize(query)
        if not tokens:
            return [0.0] * self.size
        return [float(s) for s in self._bm25.get_scores(tokens)]
