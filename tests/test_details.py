"""Security-relevant details in the user's words are kept and, when no threat quotes them, reported."""

from __future__ import annotations

import pytest

from app.interview.details import details_in, quoted, remember
from app.pipeline import run_pipeline
from app.services import get_services


@pytest.mark.parametrize(("text", "label"), [
    ("Homes can turn that off and a lot do.", "a control that is missing, optional or easy to get round"),
    ("The GitHub App private key is copied into the sandbox.", "a secret or credential"),
    ("All drones use the same SSH key for maintenance.", "broad or shared access"),
    ("The PACS team shares one admin login for it.", "broad or shared access"),
    ("Anyone who sends an invite could put text in there.", "something outsiders can reach or write into"),
])
def test_a_detail_a_reviewer_looks_for_is_recognised(text: str, label: str) -> None:
    assert details_in(text) == [(text, label)]


@pytest.mark.parametrize("text", ["It recommends recipes.", "We retrain it every month on new photos.", "", "???"])
def test_ordinary_sentences_are_not_details(text: str) -> None:
    assert details_in(text) == []


def test_notes_are_kept_once_and_matched_against_quotes() -> None:
    notes = remember([], "Keys are in a .env file. It answers questions. Keys are in a .env file.")
    assert notes == ["Keys are in a .env file."]
    assert quoted(notes[0], ["keys are in a .env file"]) and not quoted(notes[0], ["it answers questions"])


def test_a_detail_no_threat_quotes_is_reported_and_listed_in_the_report() -> None:
    from app.export import to_markdown

    services = get_services()
    text = ("An internal assistant for our 30 support agents answers questions from our help articles; it runs on "
            "GPT-4o through Azure. Only staff can use it. The PACS team shares one admin login for the vendor "
            "dashboard.")
    result = run_pipeline(services, text, use_index=False)
    notes = result.model.profile.security_notes
    assert any("shares one admin login" in n for n in notes)
    finding = [f for f in result.model.findings if f.rule_id == "CHK-COV-007"]
    report = to_markdown(result.model)
    assert "Detail you gave (broad or shared access)" in report
    quoted_somewhere = "shares one admin login" in " ".join(
        r.quote or "" for t in result.model.threats for w in t.why_applies for r in w.facts)
    assert bool(finding) is not quoted_somewhere
    if finding:
        assert "shares one admin login" in finding[0].message
