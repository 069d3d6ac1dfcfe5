"""One interview turn: clean the message, spot commands and questions, extract facts, plan the next question."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from app.concerns import OBJECTIVES_PATH, NamedConcern, stated_concerns
from app.interview.details import remember
from app.interview.extract import CONFIDENCE_UNNAMED, Extractor, FactUpdate
from app.interview.normalize import MAX_TEXT, clean
from app.interview.planner import Coverage, NextStep, coverage, next_step
from app.interview.questions import Question, QuestionBank
from app.interview.state import InterviewState, apply_updates, set_text, unsettle
from app.kb.loader import KnowledgeBase
from app.model.facts import TEXT_FACT_PATHS, FactSource, FactState, fact_description, get_fact
from app.wording import mid_sentence

DRAFT_COMMAND = re.compile(
    r"^\s*(?:please\s+)?(?:draft(?:\s+(?:it|now|the (?:threat )?model))?|generate(?: the)?(?: threat)? model|"
    r"build (?:the |my )?(?:threat )?model|make the (?:threat )?model|i\s*(?:'| a)?m done|that'?s all|"
    r"finish|done)\s*[.!]*\s*$",
    re.IGNORECASE,
)
EXPLAIN_QUESTION = re.compile(
    r"^\s*(?:why\b|what(?:'s| is| are| does| should (?:i|we))\b|how (?:do|can|should|would) (?:i|we)\b|how to\b|"
    r"explain\b|where (?:do|should|can) (?:i|we) (?:start|begin)\b|which (?:threats?|risks?|ones?) (?:first|matter)\b|"
    r"tell me (?:about|more)\b|can you explain\b|what do you mean\b)"
    r"|\b(?:AML\.T\d{4}(?:\.\d{3})?|AML\.M\d{4}|AML\.CS\d{4}|LLM(?:0[1-9]|10)|P4AI-[A-Z]{3}-\d{2})\b",
    re.IGNORECASE,
)
CORRECTION = re.compile(r"\b(?:actually|correction|i was wrong|scratch that|sorry,? i meant|i mixed|not anymore|"
                        r"no longer|changed|we now|now we|update:)\b", re.IGNORECASE)
LONG_DESCRIPTION = 200


@dataclass
class Reply:
    text: str
    intent: str  # answer | draft | explain | empty | unreadable
    captured: list[FactUpdate] = field(default_factory=list)
    changed: list[FactUpdate] = field(default_factory=list)
    step: NextStep | None = None
    coverage: Coverage | None = None
    notices: list[str] = field(default_factory=list)


def describe_update(update: FactUpdate) -> str:
    """A captured fact in plain words."""
    label = fact_description(update.path).rstrip(".")
    if update.state is FactState.YES:
        text = label
    elif update.state is FactState.NO:
        text = f"not: {mid_sentence(label)}"
    else:
        text = f"not known yet: {mid_sentence(label)}"
    if update.confidence < 0.6 and update.state is not FactState.UNKNOWN:
        text += " (you sounded unsure)"
    return text


def input_notices(raw: str | bytes | None, text: str) -> list[str]:
    """Clear messages about odd input (huge, binary, not English) — never an error."""
    notices: list[str] = []
    size = len(raw) if raw is not None else 0
    if size > MAX_TEXT:
        notices.append(f"That was a very long message; I read the first {MAX_TEXT:,} characters.")
    if isinstance(raw, bytes) and (b"\x00" in raw[:4096] or text.count("\ufffd") > 10):
        notices.append("Part of that looked like binary data, which I can't read; please paste text.")
    elif text.count("\ufffd") > 10:
        notices.append("Part of that message was unreadable characters; I skipped them.")
    letters = [c for c in text if c.isalpha()]
    if (len(letters) > 20 and sum(1 for c in letters if c.isascii()) / len(letters) < 0.5) or _latin_not_english(text):
        notices.append("I understand English best; I picked up what I could — an English summary helps me more.")
    return notices


ENGLISH_WORDS = frozenset(
    "the a an and or of to in on is are it we our you they with for by from that this not no can be has have".split())
# Short, frequent words of other languages written in the Latin alphabet (German, French, Spanish, Italian,
# Portuguese, Dutch) that are not English words.
OTHER_WORDS = frozenset((
    "und der die das ist nicht mit ein eine unser unsere wir sie auf für über von zu den dem des sich auch "
    "les des est une nous avec pour dans sur pas qui que sont ce cette notre nos aux "
    "el los las del es una con para por que nuestro nuestra somos pero como más "
    "il gli della che con per sono non una nostro nostra "
    "os da do em um uma não nosso nossa são "
    "het een van en niet ons onze wij zijn voor met"
).split())


def _latin_not_english(text: str) -> bool:
    """Many words, few English function words and many of another language's: likely not English."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) < 8:
        return False
    english = sum(1 for w in words if w in ENGLISH_WORDS) / len(words)
    other = sum(1 for w in words if w in OTHER_WORDS and w not in ENGLISH_WORDS) / len(words)
    return other >= 0.12 and english < other / 2


class InterviewEngine:
    """Stateless: every call takes and mutates an InterviewState."""

    def __init__(self, extractor: Extractor, bank: QuestionBank, kb: KnowledgeBase | None = None,
                 explain: Callable[[str, InterviewState], str] | None = None) -> None:
        self.extractor = extractor
        self.bank = bank
        self.kb = kb
        self.explain = explain

    def opening(self, state: InterviewState) -> NextStep:
        return next_step(self.bank, state, self.kb)

    def respond(self, state: InterviewState, raw: str | bytes | None, source: FactSource = FactSource.USER,
                llm_updates: list[FactUpdate] | None = None) -> Reply:
        text = clean(raw)
        notices = input_notices(raw, text)
        if not text or not any(ch.isalnum() for ch in text):
            step = next_step(self.bank, state, self.kb)
            return Reply("I didn't catch any words there. " + _ask(step), "empty", step=step,
                         coverage=coverage(self.bank, state), notices=notices)
        if DRAFT_COMMAND.match(text):
            return Reply("Drafting the threat model now.", "draft", coverage=coverage(self.bank, state),
                         notices=notices)
        if EXPLAIN_QUESTION.search(text) and self.explain is not None and len(text) < 400:
            answer = self.explain(text, state)
            step = next_step(self.bank, state, self.kb)
            return Reply(answer + "\n\n" + _ask(step, back=True), "explain", step=step,
                         coverage=coverage(self.bank, state), notices=notices)
        turn = state.user_turns
        state.user_turns += 1
        if state.plot4ai_pending:
            return self._plot4ai_answer(state, text, notices)
        if source is FactSource.USER:  # the user's own words that a reviewer would start from
            state.profile.security_notes = remember(state.profile.security_notes, text)
        asked_fills = self._asked_fills(state)
        if turn == 0 and len(text) >= LONG_DESCRIPTION and not state.profile.description:
            state.profile.description = text[:20000]
        asked = [p for p in asked_fills if p not in TEXT_FACT_PATHS]
        updates = self.extractor.extract(text, asked, self._polar_facts(state, asked)) if self._reads_facts(state) \
            else []
        if llm_updates:
            known = {u.path for u in updates}
            updates += [u for u in llm_updates if u.path not in known]
        updates += self._unnamed_options(state, updates)
        volunteered = self._text_answers(state, text, asked_fills, turn, source)
        open_text = bool(BARE_UNSURE.match(text)) and any(p in TEXT_FACT_PATHS for p in asked_fills)
        texts = [] if open_text else [p for p in asked_fills if p in TEXT_FACT_PATHS] + volunteered
        named = stated_concerns(state.profile) if OBJECTIVES_PATH in texts else None
        updates += _implied_by_worst_case(state, named or [], updates)
        correcting = bool(CORRECTION.search(text))
        direct = frozenset(asked_fills) if state.pending and state.contradiction is None else frozenset()
        changed, conflict = apply_updates(state, updates, turn, source, correcting, direct)
        pending = state.contradiction
        if pending is not None and any(u.path == pending.path for u in updates):
            if all(u.state is FactState.UNKNOWN for u in updates if u.path == pending.path):
                unsettle(state, pending.path)  # "not sure" to "which is it?": neither answer stands
            state.contradiction = None  # the user just answered it
        elif conflict is not None:
            state.contradiction = conflict
        vague = bool(asked_fills) and not any(u.path in asked_fills for u in updates) and not any(
            p in TEXT_FACT_PATHS for p in asked_fills)
        if state.pending and not vague:
            for path in asked_fills:  # an answered question settles its facts, even the unmentioned ones
                if path not in state.settled:
                    state.settled.append(path)
        step = next_step(self.bank, state, self.kb, last_answer_was_vague=vague)
        self._mark_asked(state, step)
        worries = [n.concern.label for n in named] if named is not None else None
        return Reply(_acknowledge(changed, updates, texts, worries, open_text) + _ask(step), "answer", captured=updates,
                     changed=changed, step=step,
                     coverage=coverage(self.bank, state), notices=notices)

    # -- helpers ---------------------------------------------------------------------------------
    def _asked_fills(self, state: InterviewState) -> list[str]:
        if state.contradiction is not None:
            return [state.contradiction.path]
        question = next((q for q in self.bank.questions if q.id == state.pending), None)
        return list(question.fills) if question else []

    def _pending_question(self, state: InterviewState) -> Question | None:
        """The question the user is answering (None while a contradiction question is pending)."""
        if state.contradiction is not None:
            return None
        return next((q for q in self.bank.questions if q.id == state.pending), None)

    def _unnamed_options(self, state: InterviewState, updates: list[FactUpdate]) -> list[FactUpdate]:
        """'It's a vision model' to 'what kind of AI is it?': the kinds it did not name are a soft no, so
        the interview stops asking how a language model is set up."""
        question = self._pending_question(state)
        if question is None:
            return []
        said = {u.path for u in updates}
        out: list[FactUpdate] = []
        for group in question.unnamed_are_no:
            named = [u for u in updates if u.path in group and u.state is FactState.YES]
            if named:
                out += [FactUpdate(path, FactState.NO, CONFIDENCE_UNNAMED, named[0].quote, "implied")
                        for path in group
                        if path not in said and get_fact(state.profile, path).state is FactState.UNKNOWN]
        return out

    def _reads_facts(self, state: InterviewState) -> bool:
        question = self._pending_question(state)
        return question is None or question.read_facts

    def _polar_facts(self, state: InterviewState, asked: list[str]) -> list[str]:
        """The facts a bare yes/no answers: the question's yes/no part ("No, anyone can call it" to "what
        kind of AI is it?" must not deny every kind of model)."""
        question = self._pending_question(state)
        if question is None:
            return asked
        return [p for p in question.polar_facts(question.id in state.follow_ups_done) if p in asked]

    @staticmethod
    def _text_answers(state: InterviewState, text: str, asked_fills: list[str], turn: int,
                      source: FactSource) -> list[str]:
        """Keep answers to open questions in the user's words; returns the text facts set unasked."""
        targets = [p for p in asked_fills if p in TEXT_FACT_PATHS]
        if BARE_UNSURE.match(text):  # "I'm not sure" is not a purpose, a worst case or a group of people
            targets = []
        if state.user_turns == 1 and not state.profile.scope.purpose.value:
            targets = list(dict.fromkeys(["scope.purpose", *targets]))
        for path in targets:
            value = text if path != "scope.purpose" or len(text) < 600 else _first_sentences(text)
            set_text(state, path, value, turn, source)
        if OBJECTIVES_PATH in targets or state.profile.scope.security_objectives.value:
            return []
        worry = _worry_sentences(text)
        if not worry:
            return []
        # A worst case volunteered before it was asked ("the nightmare is ...") answers that question.
        set_text(state, OBJECTIVES_PATH, worry, turn, source)
        return [OBJECTIVES_PATH]

    def _mark_asked(self, state: InterviewState, step: NextStep) -> None:
        if step.kind == "question" and step.question_id:
            state.asked.append(step.question_id)
            state.pending = step.question_id
        elif step.kind == "follow_up" and step.question_id:
            state.follow_ups_done.append(step.question_id)
            state.pending = step.question_id
        elif step.kind == "plot4ai" and step.card_id:
            state.plot4ai_asked.append(step.card_id)
            state.plot4ai_pending = step.card_id
            state.pending = None
        elif step.kind == "done":
            state.pending = None

    def _plot4ai_answer(self, state: InterviewState, text: str, notices: list[str]) -> Reply:
        card_id = state.plot4ai_pending or ""
        answer = self.extractor.short_answer(text)
        state.plot4ai_answers[card_id] = answer
        state.plot4ai_pending = None
        step = next_step(self.bank, state, self.kb)
        self._mark_asked(state, step)
        noted = {FactState.YES: "yes", FactState.NO: "no", FactState.UNKNOWN: "not sure"}[answer]
        return Reply(f"Noted ({noted}) for PLOT4ai card {card_id}. " + _ask(step), "answer", step=step,
                     coverage=coverage(self.bank, state), notices=notices)


def _first_sentences(text: str, limit: int = 400) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    out = ""
    for sentence in sentences:
        if len(out) + len(sentence) > limit:
            break
        out += sentence + " "
    return (out or text[:limit]).strip()


WORRY = re.compile(
    r"\bworst(?:[- ]case| thing| outcome| scenario| that could happen)\b|\b(?:biggest|main|real|greatest|"
    r"only|top) (?:worry|fear|concern|risk)\b|\bnightmare\b|\bkeeps? me (?:up|awake) at night\b|"
    r"\bwhat (?:really )?(?:scares|worries|frightens) (?:me|us)\b|\b(?:i|we)(?:'m|'re| am| are)? "
    r"(?:really |most |mostly |mainly )?(?:worried|scared|afraid|terrified|concerned) (?:about|that|of)\b|"
    r"\b(?:i|we) (?:really )?(?:worry|fear) (?:about|that)\b",
    re.IGNORECASE,
)


def _implied_by_worst_case(state: InterviewState, named: list[NamedConcern],
                           updates: list[FactUpdate]) -> list[FactUpdate]:
    """Facts a named worst case implies ("a rival copying the model" -> the model is valuable), when unknown."""
    taken = {u.path for u in updates}
    out: list[FactUpdate] = []
    for item in named:
        for path in item.concern.implies:
            if path not in taken and get_fact(state.profile, path).state is FactState.UNKNOWN:
                out.append(FactUpdate(path, FactState.YES, 0.7, item.quote, "implied"))
                taken.add(path)
    return out


def _worry_sentences(text: str) -> str:
    """The sentences of a message that state a worst case, or ''."""
    sentences = re.split(r"(?<=[.!?])\s+|\n+", text.strip())
    return " ".join(s for s in sentences if WORRY.search(s))[:1000]


BARE_UNSURE = re.compile(
    r"^\W*(?:(?:i\s*(?:'?m|am)\s+|we\s*(?:'?re|are)\s+)?(?:not\s+(?:sure|certain)|unsure)|no\s+idea|"
    r"(?:i|we)?\s*(?:do\s*n[o']?t|dont)\s+know|dunno|idk|n/?a|pass|skip|no\s+comment|can'?t\s+say|"
    r"(?:i\s+)?have\s+no\s+idea)(?:\s+(?:yet|really|tbh|sorry))?\W*$",
    re.IGNORECASE,
)

TEXT_NOTED = {
    "scope.purpose": "what the system does",
    "scope.security_objectives": "what must not go wrong",
    "scope.out_of_scope": "what to leave out of this review",
    "governance.affected_groups": "who is affected",
}


def _acknowledge(changed: list[FactUpdate], updates: list[FactUpdate], texts: list[str] | None = None,
                 worries: list[str] | None = None, left_open: bool = False) -> str:
    stated = [u for u in changed if u.how != "implied"]
    unknown = [u for u in updates if u.state is FactState.UNKNOWN]
    parts: list[str] = []
    kept = [TEXT_NOTED.get(p, p) for p in texts or []]
    if kept:  # an open question's answer is kept in the user's own words, even when no fact changes
        parts.append(f"Noted, in your words: {' and '.join(kept)}.")
    if worries:
        parts.append(f"I read your worst case as: {'; '.join(worries)}. Threats that could lead there will "
                     "score higher for damage in the draft.")
    elif worries is not None:
        parts.append("I could not match your worst case to a kind of threat; it stays in the scope in your words.")
    if stated:
        listed = "; ".join(describe_update(u) for u in stated[:8])
        more = f" (and {len(stated) - 8} more)" if len(stated) > 8 else ""
        parts.append(f"Noted: {listed}{more}.")
    if unknown:
        parts.append("No problem — I'll treat what you're unsure about as an open question and assume the "
                     "cautious answer for now.")
    if not parts and left_open:
        parts.append("No problem — I'll leave that open; you can come back to it any time.")
    if not parts:
        parts.append("Thanks. I didn't pick up anything new from that.")
    return " ".join(parts) + "\n\n"


def _ask(step: NextStep, back: bool = False) -> str:
    if step.kind == "done":
        return step.text
    prefix = "Back to the interview: " if back else ""
    why = f"\n\n_Why I ask: {step.why}_" if step.why else ""
    return f"{prefix}{step.text}{why}"
