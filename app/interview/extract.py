"""The offline extractor: free text -> many facts at once, with negation, hedges, "don't know",
corrections and typos handled, and every fact tied to the words that said it.

Patterns are data (`knowledge/interview/extraction.yaml`): per fact, regexes that say "yes" and
regexes that say "no"; a "yes" pattern inside a negated phrase ("we do not scrape") means "no".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from app.interview.normalize import TypoFixer, clauses, clean, expand
from app.interview.patterns import DEFAULT_SPEC, ExtractionSpec, load_spec
from app.model.facts import FACT_PATHS, FactState, fact_description

CONFIDENCE_STATED = 0.9
CONFIDENCE_BARE = 0.8
CONFIDENCE_HEDGED = 0.55
CONFIDENCE_IMPLIED = 0.75
CONFIDENCE_UNNAMED = 0.5  # an option the user left out of a pick-any answer: a soft no
NEGATION_WINDOW = 5
# "no" followed by one of these still answers the question, comma or not ("no we do not", "no the model is
# ours", "no just staff"); followed by any other word it is a determiner ("no fine-tuning", "no login") and
# the clause is read for what it says instead.
PEOPLE = frozenset("users user people humans customers clients visitors members operators".split())
REPLY_STARTERS = frozenset(
    "we it they i you he she there that this these those the its our their my his her a an not never none "
    "nothing nobody no one all at of really currently yet anymore sorry thanks thank unfortunately sadly sir "
    "so as such just only but because since actually well way".split()
)
TRAILING_ANSWER = re.compile(
    r"\b(?:so|then|therefore|hence|basically|i guess|i think|i would say)\s+(yes|yeah|yep|no|nope)\s*[.!]*$")
NOT_THE_CASE = re.compile(r"\b(?:it|that|this) (?:is|was|s) not (?:the case|true|so) that\b")
# a negation before one of these words is about something else ("are not told an AI reads email")
SCOPE_BLOCKERS = frozenset(
    "against about because since unless whether which that who told informed notified aware".split())
FUNCTION_WORDS = frozenset(
    "a an the any or and nor use uses used using make makes making involve involves involved have has had "
    "is are was were be there do does did other such kind of sort type types real actual single ai genai ml".split()
)


class Extractor(Protocol):
    """Anything that reads fact updates from one user message."""

    def extract(self, text: str | bytes | None, asked: list[str] | None = None,
                polar: list[str] | None = None) -> list[FactUpdate]: ...

    def short_answer(self, text: str) -> FactState: ...


@dataclass
class FactUpdate:
    """One fact read from one message."""

    path: str
    state: FactState
    confidence: float
    quote: str
    how: str = "stated"  # stated | bare | implied | unknown


# Facts that are alternatives: a correction that sets one member retracts the others said earlier.
CHOICE_GROUPS = ("model.hosting_", "model.origin_")


@dataclass
class _Compiled:
    yes: list[tuple[re.Pattern[str], bool]] = field(default_factory=list)
    no: list[tuple[re.Pattern[str], bool]] = field(default_factory=list)


def _compile(patterns: list[str]) -> list[tuple[re.Pattern[str], bool]]:
    # A leading "!" marks a pattern that carries its own negation ("no human in the loop"):
    # it is taken as written, never flipped by a nearby "not".
    return [(re.compile(p[1:] if p.startswith("!") else p), p.startswith("!")) for p in patterns]


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


class OfflineExtractor:
    """Pattern-based extraction; deterministic and fast (no model needed)."""

    def __init__(self, spec: ExtractionSpec) -> None:
        self.spec = spec
        self.patterns = {path: _Compiled(_compile(p.yes_if), _compile(p.no_if)) for path, p in spec.facts.items()}
        self.negatable = {path: p.negatable for path, p in spec.facts.items()}
        # the state a fact keeps when one message says both (partial automation is automation; a control in
        # place for part of the system is not in place)
        self.preferred = {path: FactState.YES if p.prefer_yes else FactState.NO if p.prefer_no else None
                          for path, p in spec.facts.items()}
        self.correction = _any(spec.cues.correction) if spec.cues.correction else None
        cues = spec.cues
        self.negation = re.compile(r"\b(?:" + "|".join(cues.negation) + r")\b")
        self.hedge = _any(cues.hedge)
        self.unknown = _any(cues.unknown)
        self.affirm = re.compile(r"^(?:" + "|".join(cues.affirm) + r")\b")
        self.deny = re.compile(r"^(?:" + "|".join(cues.deny) + r")\b")
        self.resolve_yes = _any(cues.resolve_yes)
        self.resolve_no = _any(cues.resolve_no)
        self.post_negation = re.compile(
            r"^\s*(?:\w+\s+)?(?:(?:is|are|was|were|gets?|will be|has been|have been)\s+(?:not|never)\s+(?:\w+\s+)?"
            r"(?:used|stored|kept|collected|processed|shared|involved|included|needed|required|allowed|enabled|available|"
            r"possible|supported|sent|logged|retained|saved|given|exposed|returned|shown|done|trained|retrained|present)"
            r"|(?:does|do|did)\s+not\s+(?:exist|apply|happen|leave))\b"
            r"|^\s*[:\-\u2013]\s*(?:not|none|no|never)\b"
            # "security test, no, nobody did that" / "red team no, never": a bare no right after the thing
            r"|^\s*,?\s*(?:no|nope|never)\s*(?:[,.!;]|$|nobody\b|never\b|not\b)"
        )
        self.future = re.compile(
            r"\b(?:plan(?:ning|s)? to|going to|will (?:be )?(?:move|add|set|switch|start)|want to|would like to|"
            r"intend to|todo|to do:|eventually|next (?:quarter|year|month|sprint)|on the roadmap)\b"
        )
        sources = " ".join(p for f in spec.facts.values() for p in f.yes_if + f.no_if)
        sources = re.sub(r"\\[a-zA-Z]", " ", sources)
        sources = re.sub(r"\[- \]\?|-\?|\?", "", sources)  # "e-?mails?" -> "emails"
        descriptions = " ".join(fact_description(p) for p in FACT_PATHS).lower()
        words = re.findall(r"[a-z]{4,}", sources + " " + descriptions)
        self.typos = TypoFixer(words)

    # -- public ----------------------------------------------------------------------------------
    def extract(self, text: str | bytes | None, asked: list[str] | None = None,
                polar: list[str] | None = None) -> list[FactUpdate]:
        """Facts stated in `text`; `asked` are the facts the last question was about (context) and `polar`
        the ones among them a bare yes/no answers (default: all of them)."""
        original = clean(text)
        if not original:
            return []
        normal = self.typos.fix(expand(original))
        sentences = split_sentences(original)
        found: dict[str, FactUpdate] = {}
        parts = clauses(normal)
        raw_parts = clauses(expand(original))
        first_clause: set[str] = set()
        for index, clause in enumerate(parts):
            following = parts[index + 1] if index + 1 < len(parts) else ""
            updates = self._clause(clause, following, sentences)
            if index == 0:
                first_clause = {u.path for u in updates}
            correcting = bool(self.correction and index < len(raw_parts) and self.correction.search(
                " ".join(raw_parts[max(0, index - 1) : index + 1])))
            if correcting:
                self._retract_alternatives(updates, found)
            for update in updates:
                previous = found.get(update.path)
                keep_preferred = (previous is not None and not correcting
                                  and previous.state is self.preferred[update.path]
                                  and update.state is not FactState.UNKNOWN and update.state is not previous.state)
                # "HIPAA. Not sure if it counts as a medical device": a doubt about something else in a later
                # clause does not take back what an earlier clause stated
                keep_stated = (previous is not None and previous.state is not FactState.UNKNOWN
                               and update.state is FactState.UNKNOWN and not correcting)
                # the same reading again later in the answer: the first sentence that said it is usually the
                # one about it ("we log transcripts for 90 days. cloudwatch alarms on errors")
                repeat = (previous is not None and previous.state is update.state and not correcting
                          and previous.how == update.how)
                if repeat and previous is not None:
                    previous.confidence = max(previous.confidence, update.confidence)
                elif not keep_preferred and not keep_stated:
                    found[update.path] = update  # later clauses win: corrections come after
        asked = asked or []
        self._bare_answer(parts, asked, found, sentences, asked if polar is None else polar, first_clause)
        self._implications(found)
        return list(found.values())

    def short_answer(self, text: str) -> FactState:
        """A bare yes/no answer ("nope", "yes we do"); anything else is unknown."""
        head = text.strip().lower()
        if self.deny.match(head):
            return FactState.NO
        if self.affirm.match(head):
            return FactState.YES
        return FactState.UNKNOWN

    # -- steps -----------------------------------------------------------------------------------
    def _clause(self, clause: str, following: str, sentences: list[str]) -> list[FactUpdate]:
        hedged = bool(self.hedge.search(clause))
        unknown = bool(self.unknown.search(clause))
        resolved: FactState | None = None
        for text in (clause, following if unknown else ""):
            if text and self.resolve_no.search(text):
                resolved = FactState.NO
            elif text and self.resolve_yes.search(text):
                resolved = FactState.YES
            if resolved:
                break
        scan = self.unknown.sub(" ", clause) if unknown else clause
        quote = _quote(clause, sentences)
        hits: list[tuple[int, str, FactState]] = []
        future = self.future.search(scan)
        plans_from = future.start() if future else len(scan) + 1
        for path, compiled in self.patterns.items():
            # A literal "no" pattern that spans a yes word settles it: "we do not use any vault"
            denials = [(m, literal) for pattern, literal in compiled.no for m in pattern.finditer(scan)]
            denied = [m.span() for m, literal in denials if literal]
            for pattern, literal in compiled.yes:
                anchored = "at" in pattern.groupindex
                for match in pattern.finditer(scan):
                    # a pattern that checks the clause before its key word marks the word with (?P<at>...)
                    at = match.start("at") if anchored else match.start()
                    if at > plans_from:
                        continue  # "we plan to move it to Key Vault" is not a fact yet
                    if any(a < at < b and self.negation.search(scan[a:at]) for a, b in denied):
                        continue
                    negated = not literal and self._negated(scan, at, match.end(), strict=not self.negatable[path])
                    hits.append((at, path, FactState.NO if negated else FactState.YES))
            for match, literal in denials:
                at = match.start("at") if "at" in match.re.groupindex else match.start()
                if literal or not self._negated(scan, at, match.end()):
                    hits.append((at, path, FactState.NO))
        denied_from = NOT_THE_CASE.search(scan)
        if denied_from:  # "it is not the case that X": everything X says is denied
            hits = [(at, path, FactState.NO if at >= denied_from.end() else state) for at, path, state in hits]
        # "we have not checked whether it is fair" reads like "don't know", but for a fact that *is* about
        # checking, a literal "no" pattern spanning those words answers it
        settled = {path for path, compiled in self.patterns.items() if unknown
                   and any(literal and pattern.search(clause) for pattern, literal in compiled.no)}
        hits += [(0, path, FactState.NO) for path in settled]
        updates: dict[str, FactUpdate] = {}
        preferred = {path for _, path, state in hits if state is self.preferred[path]}
        for _, path, state in sorted(hits):
            if path in preferred and state is not self.preferred[path]:
                continue
            if path in settled:
                updates[path] = FactUpdate(path, FactState.NO, CONFIDENCE_STATED, quote)
                continue
            if unknown:
                if resolved is None:
                    updates[path] = FactUpdate(path, FactState.UNKNOWN, 0.0, quote, "unknown")
                else:
                    updates[path] = FactUpdate(path, resolved, CONFIDENCE_HEDGED, quote)
                continue
            confidence = CONFIDENCE_HEDGED if hedged else CONFIDENCE_STATED
            updates[path] = FactUpdate(path, state, confidence, quote)
        return list(updates.values())

    @staticmethod
    def _retract_alternatives(updates: list[FactUpdate], found: dict[str, FactUpdate]) -> None:
        """'It runs on AWS. Scratch that: we moved it on-prem' -> cloud becomes no."""
        for update in updates:
            if update.state is not FactState.YES:
                continue
            group = next((g for g in CHOICE_GROUPS if update.path.startswith(g)), None)
            if group is None:
                continue
            for path, earlier in list(found.items()):
                if path.startswith(group) and path != update.path and earlier.state is FactState.YES:
                    found[path] = FactUpdate(path, FactState.NO, CONFIDENCE_HEDGED, update.quote)

    def _negated(self, text: str, start: int, end: int, strict: bool = False) -> bool:
        """A negation shortly before the match, or a passive 'is not used' right after it.

        `strict` (topic facts): only a negation joined to the match by function words counts
        ("no children or patients", "do not use any llm"), not one about another verb
        ("we have not tested the face model")."""
        before = text[:start]
        cut = max(before.rfind(","), before.rfind(":"))
        window = before[cut + 1 :].split()
        if cut >= 0 and not strict and _continues_list(window + text[start:end].split()[:1], text[end:]):
            # "no secrets, keys or internal rules": the negation before the list covers every item
            window = before[:cut].split()[-NEGATION_WINDOW:] + window
        else:
            window = window[-NEGATION_WINDOW:]
        for i in range(len(window) - 1, -1, -1):  # "not red-teamed it against emails": the "not" is elsewhere
            if window[i] in SCOPE_BLOCKERS:
                window = window[i + 1 :]
                break
        if strict:
            listed = False  # "no children or patients": one listed item may sit between
            for word in reversed(window):
                if self.negation.fullmatch(word):
                    return True
                if word in ("or", "and", "nor"):
                    listed = True
                    continue
                if word not in FUNCTION_WORDS:
                    if listed:
                        listed = False
                        continue
                    break
        elif self.negation.search(" ".join(window)):
            return True
        return bool(self.post_negation.match(text[end:]))

    def _bare_answer(self, parts: list[str], asked: list[str], found: dict[str, FactUpdate],
                     sentences: list[str], polar: list[str], first_clause: set[str]) -> None:
        """'Not sure' leaves every asked fact open; a bare 'no' answers the question's yes/no facts, a bare
        'yes' only a question about one thing ("yes" to a multi-part question says too little)."""
        if not asked or not parts:
            return
        head = parts[0].strip(" !.")
        quote = _quote(parts[0], sentences)
        state: FactState | None = None
        confidence = CONFIDENCE_BARE
        targets = polar
        if self.unknown.search(head) and not self.resolve_no.search(" ".join(parts[:2])) \
                and not self.resolve_yes.search(" ".join(parts[:2])):
            state, confidence, targets = FactState.UNKNOWN, 0.0, asked
        elif self._bare_denial(head, first_clause) or self.resolve_no.search(head):
            state = FactState.NO
        elif self.affirm.match(head) or self.resolve_yes.search(head):
            state = FactState.YES
            if len(polar) > 1:
                return
        elif trailing := TRAILING_ANSWER.search(parts[-1].strip()):  # "reviews come from other travellers, so yes"
            state = FactState.YES if trailing.group(1) in ("yes", "yeah", "yep") else FactState.NO
            quote = _quote(parts[-1], sentences)
            if state is FactState.YES and len(polar) > 1:
                return
        if state is None:
            return
        if self.hedge.search(head):
            confidence = min(confidence, CONFIDENCE_HEDGED)
        for path in targets:
            if path in FACT_PATHS and path not in found:
                found[path] = FactUpdate(path, state, confidence, quote, "bare")

    def _bare_denial(self, head: str, settled: set[str]) -> bool:
        """'No.', 'nope, never', 'no we do not' answer the question. A determiner 'no' ('no fine-tuning',
        'no logging because...') talks about what follows it: when its clause settled a fact (`settled`),
        that fact is the whole answer, not every fact the question asked about."""
        match = self.deny.match(head)
        if not match:
            return False
        after = head[match.end():]
        rest = after.split()
        determiner = (match.group(0) == "no" and bool(rest) and after[:1] == " "
                      and rest[0].strip("'") not in REPLY_STARTERS)
        if determiner and rest[0] in PEOPLE:
            return False  # "no users as such, the robots take orders from ..." says who, not "no" to everything
        return not determiner or not settled

    def _implications(self, found: dict[str, FactUpdate]) -> None:
        changed = True
        while changed:
            changed = False
            for rule in self.spec.implications:
                source = found.get(rule.when)
                if source is None or source.state is not FactState.YES:
                    continue
                for path in rule.then:
                    if path not in found:
                        found[path] = FactUpdate(path, FactState.YES, CONFIDENCE_IMPLIED, source.quote, "implied")
                        changed = True


LIST_ITEM_WORDS = 3
CLAUSE_WORDS = frozenset("is are was were be been has have had can could will would it we they you he she there "
                         "which who that".split())
_CONJUNCTIONS = frozenset(("or", "and", "nor"))


def _continues_list(words: list[str], after: str) -> bool:
    """The match is a later item of a comma list ("abuse, drift or misuse"; "secrets, keys or rules").

    `words`: the segment's words before the match, then the match's first word."""
    if len(words) > LIST_ITEM_WORDS + 1 or any(w in CLAUSE_WORDS or w.endswith(("ing", "ed")) for w in words):
        return False  # "..., describing its role and limits" starts a new phrase, not a list item
    return bool(_CONJUNCTIONS & set(words)) or bool(re.match(r"\s*,?\s*(?:or|and|nor)\b", after))


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?;])\s+|\n+", text) if s.strip()]


def _quote(clause: str, sentences: list[str]) -> str:
    """The user's own sentence that best contains the clause (provenance keeps real words)."""
    words = set(re.findall(r"[a-z0-9]+", clause))
    best, best_score = clause, 0.0
    for sentence in sentences:
        tokens = set(re.findall(r"[a-z0-9]+", sentence.lower()))
        if not tokens:
            continue
        score = len(words & tokens) / (len(words) or 1)
        if score > best_score:
            best, best_score = sentence, score
    return best[:400]


@lru_cache(maxsize=4)
def get_extractor(path: Path = DEFAULT_SPEC) -> OfflineExtractor:
    """The extractor for a pattern file (cached)."""
    return OfflineExtractor(load_spec(path))
