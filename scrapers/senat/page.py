"""A senat.fr question page into a `QuestionSnapshot`.

Read in two steps, because only page *texts* of real senat.fr question pages could be recorded,
never their HTML: `html_to_text` renders HTML into the lines a reader sees, and `parse_senat_text`
reads those lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from scrapers.model import Answer, Closure, ParseError, QuestionSnapshot, Status
from scrapers.senat.addresses import ref_from_url
from scrapers.senat.names import asked_and_attributions, read_author
from scrapers.senat.shared import parse_date
from scrapers.senat.text import decode_page, html_to_text
from scrapers.validate import checked_snapshot

# Current design: "… publiée le 10/12/2009"; older design: "… publiée dans le JO Sénat du 10/12/2009
# - page 2853" (the JO page then sits on the heading line rather than on a "- page N" line).
_PUBLISHED = r" publiée (?:le|dans le JO Sénat du) (?P<date>.+?)(?: - page (?P<page>\S+))?"
_QUESTION_HEAD = re.compile(r"Question (?:\S+ )*?de (?P<who>.+?)" + _PUBLISHED)
_ANSWER_HEAD = re.compile(r"Réponse (?:du |de la |de l'|des |de |à )(?P<ministry>.+?)" + _PUBLISHED)
_SPOKEN = re.compile(r"Réponse apportée en séance publique le (?P<date>\S+)")
_PAGE = re.compile(r"- ?page (?P<page>\S+)")
_TRANSFER = re.compile(r"Transmise (?:au |à la |à l'|aux |à )(?P<ministry>.+)")
_AWAITING = re.compile(r"En attente de réponse (?:du |de la |de l'|des |de )(?P<ministry>.+)")
_END_OF_PAGE = "Page mise à jour le"
_HEADING_MAX = 1000  # characters: a heading is one short line, a longer line is question text
# How a question ends without an answer, as the page words it.
_ENDINGS: tuple[tuple[re.Pattern[str], Status], ...] = (
    (re.compile(r"La question est caduque.*"), "lapsed"),
    (re.compile(r"(?:Cette|La) question (?:de rappel )?a été retirée.*"), "withdrawn"),
    (re.compile(r"Transformée en (?:QOSD|question orale).*"), "closed"),
)
# Remarks that change nothing to the state: kept as notes.
_REMARKS = re.compile(r"(?:Voir la réponse à la question rappelée|Rappelle la question)\b.*")
# Page chrome that may precede the question's heading and is never its title.
_CHROME = re.compile(r".*(?:Document précédent|Document suivant|S'abonner à cette recherche).*"
                     r"|\d+e(?:me)? législature")


@dataclass
class _Body:
    """What the lines after the question's heading say, gathered in one pass."""

    question: list[str] = field(default_factory=list)
    question_page: str | None = None
    answer_head: re.Match[str] | None = None
    spoken: date | None = None
    answer: list[str] = field(default_factory=list)
    answer_page: str | None = None
    transfers: list[str] = field(default_factory=list)
    awaiting: str | None = None
    ending: tuple[Status, str] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_answer(self) -> bool:
        return self.answer_head is not None or self.spoken is not None


def parse_senat_text(text: str, url: str) -> QuestionSnapshot:
    """Read the text of a senat.fr question page (current or older design) into a snapshot.

    The question's number comes from `url`, which must be a Sénat written-question address.
    Raises `ParseError` (naming `url`, the field and what was found) on a page it cannot read.
    """
    ref = ref_from_url(url)
    lines = _join_split_headings([" ".join(line.split()) for line in text.splitlines()])
    at, head = _find_question_head(lines, url)
    body = _read_body(_until_end_of_page(lines[at + 1:]), url)
    question_text = "\n".join(body.question)
    ministry_asked, attributions = asked_and_attributions(question_text, body.transfers,
                                                           body.awaiting)
    return checked_snapshot(QuestionSnapshot(
        ref=ref,
        url=url,
        status=_status(body),
        title=_title(lines[:at]),
        rubric=None,
        author=read_author(head["who"]),
        ministry_asked=ministry_asked,
        attributions=attributions,
        text=question_text or None,
        published=parse_date(head["date"], url, "question publication date"),
        published_page=head["page"] or body.question_page,
        answer=_answer(body, url),
        closure=Closure(None, body.ending[1], None) if body.ending and not body.has_answer else None,
        notes=tuple(body.notes),
    ))


def _join_split_headings(lines: list[str]) -> list[str]:
    """Drop blank lines, and put an older-design "publiée dans le JO Sénat du …" line that stands on
    its own back on the "Question …" / "Réponse …" heading it completes."""
    joined: list[str] = []
    for line in lines:
        if not line:
            continue
        if joined and line.startswith("publiée ") and joined[-1].startswith(("Question ", "Réponse ")):
            joined[-1] += " " + line
        else:
            joined.append(line)
    return joined


def _find_question_head(lines: list[str], url: str) -> tuple[int, re.Match[str]]:
    for at, line in enumerate(lines):
        # Cheap tests first: the regex runs only on the few short lines that can be the heading.
        if line.startswith("Question ") and " publiée " in line and len(line) <= _HEADING_MAX:
            head = _QUESTION_HEAD.fullmatch(line)
            if head:
                return at, head
    found = next((line for line in lines if line.startswith("Question ")), lines[0] if lines else "")
    raise ParseError(url, "question heading 'Question de … publiée le dd/mm/yyyy' (page design not "
                     "recognised: neither the current nor the older senat.fr question page)", found)


def _until_end_of_page(lines: list[str]) -> Iterator[str]:
    for line in lines:
        if line.startswith(_END_OF_PAGE):
            return
        yield line


def _read_body(lines: Iterable[str], url: str) -> _Body:
    """One pass over the lines after the heading: question text until its "- page N", then the
    markers (transfer, answer, ending…), an answer's text running until its own "- page N"."""
    body = _Body()
    where = "question"
    for line in lines:
        if _REMARKS.fullmatch(line):
            body.notes.append(line)
        elif where == "question" and not _is_marker(line):
            if page := _PAGE.fullmatch(line):
                body.question_page, where = page["page"], "after"
            else:
                body.question.append(line)
        elif where == "answer" and (body.answer or not line.startswith("Réponse apportée")):
            # The answer's text; a "Réponse apportée en séance…" line before it is a marker.
            if page := _PAGE.fullmatch(line):
                body.answer_page, where = page["page"], "after"
            else:
                body.answer.append(line)
        else:
            where = _read_marker(line, body, url)
    return body


def _is_marker(line: str) -> bool:
    """True for a line that ends a question text showing no "- page N" (older design, cut pages)."""
    if len(line) > _HEADING_MAX:  # markers are short lines; also keeps the regexes linear
        return False
    return bool(_ANSWER_HEAD.fullmatch(line) or _SPOKEN.fullmatch(line) or _TRANSFER.fullmatch(line)
                or _AWAITING.fullmatch(line) or any(p.fullmatch(line) for p, _ in _ENDINGS))


def _read_marker(line: str, body: _Body, url: str) -> str:
    """Record what a line after the question text says; return where the next lines belong."""
    if line.startswith(("Réponse du ", "Réponse de ", "Réponse des ", "Réponse à ")):
        head = _ANSWER_HEAD.fullmatch(line) if len(line) <= _HEADING_MAX else None
        if head is None:
            raise ParseError(url, "answer heading 'Réponse du … publiée le dd/mm/yyyy'", line)
        parse_date(head["date"], url, "answer publication date")
        # A second answer heading (a re-published answer) replaces the first: the latest counts.
        body.answer_head, body.answer_page, body.spoken = head, head["page"], None
        body.answer.clear()
        return "answer"
    if line.startswith("Réponse apportée"):
        spoken = _SPOKEN.fullmatch(line)
        if spoken is None:
            raise ParseError(url, "oral answer 'Réponse apportée en séance publique le dd/mm/yyyy'",
                             line)
        body.spoken = parse_date(spoken["date"], url, "oral answer date")
        return "answer"
    if transfer := _TRANSFER.fullmatch(line):
        body.transfers.append(transfer["ministry"])
    elif awaiting := _AWAITING.fullmatch(line):
        body.awaiting = awaiting["ministry"]
    elif ending := next((status for pattern, status in _ENDINGS if pattern.fullmatch(line)), None):
        body.ending = body.ending or (ending, line)
    else:
        # A line no rule knows (a remark, a new wording): kept, so that a change shows in the diff.
        body.notes.append(line)
    return "after"


def _status(body: _Body) -> Status:
    if body.has_answer:
        return "answered"
    return body.ending[0] if body.ending else "pending"


def _answer(body: _Body, url: str) -> Answer | None:
    if not body.has_answer:
        return None
    head = body.answer_head
    # An oral answer not yet printed in the JO has only its sitting date: it stands for both.
    published = parse_date(head["date"], url, "answer publication date") if head else body.spoken
    assert published is not None  # has_answer: a heading or a sitting date
    return Answer(date=published, page=body.answer_page, text="\n".join(body.answer),
                  ministry=head["ministry"] if head else None, spoken=body.spoken)


def _title(before: list[str]) -> str | None:
    """The heading line just above "Question de …", if any; page chrome is not a title."""
    for line in reversed(before):
        if not _CHROME.fullmatch(line):
            return line
    return None


def parse_senat_page(data: bytes, url: str, charset: str | None = None) -> QuestionSnapshot:
    """Read a senat.fr question page (bytes as served, `charset` from the HTTP header if any)."""
    return parse_senat_text(html_to_text(decode_page(data, charset)), url)
