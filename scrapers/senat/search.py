"""A senat.fr question search results page (`/basile/rechercheQuestion.do`) into `SearchResults`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from scrapers.model import ParseError
from scrapers.refs import QuestionRef, RefError, parse_ref
from scrapers.senat.shared import DATE, collapsed, parse_date
from scrapers.senat.text import decode_page


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One question in a search results page. `ref` is None for a question that is not a written
    one (questions d'actualité "…G", oral questions "…S")."""

    id: str
    ref: QuestionRef | None
    title: str
    author: str | None
    date: date | None
    answered: bool
    ministry: str | None
    url: str


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A page of search results; `next_url` is the page after this one (None on the last)."""

    total: int
    hits: tuple[SearchHit, ...]
    next_url: str | None


_TOTAL = re.compile(r"\d+(?:[ \u00a0\u202f.]\d{3})*")
_HIT_ANSWER = re.compile(r"(?P<kind>Réponse|En attente de réponse) (?:du |de la |de l'|des |de |à )"
                         r"(?P<ministry>.+)")


def parse_search_results(data: bytes, url: str, charset: str | None = None) -> SearchResults:
    """Read a senat.fr question search results page (`/basile/rechercheQuestion.do`)."""
    soup = BeautifulSoup(decode_page(data, charset), "lxml")
    return SearchResults(
        total=_search_total(soup, url),
        hits=tuple(_search_hit(div, url) for div in soup.find_all("div", class_="document")),
        next_url=_next_url(soup, url),
    )


def _search_total(soup: BeautifulSoup, url: str) -> int:
    count = soup.find("p", class_="results-number-global")
    text = collapsed(count.get_text(" ")) if count else ""
    match = _TOTAL.search(text)
    if match is None:
        raise ParseError(url, "results count (<p class=\"results-number-global\">)", text)
    return int(re.sub(r"\D", "", match[0]))


def _search_hit(div: Tag, url: str) -> SearchHit:
    link, hit_id, hit_url = _hit_link(div, url)
    small = div.find("small")
    em = small.find("em") if small else None
    answer = _HIT_ANSWER.fullmatch(collapsed(em.get_text(" "))) if em else None
    return SearchHit(
        id=hit_id,
        ref=_written_ref(hit_id),
        title=collapsed(link.get_text(" ")),
        author=_hit_author(small),
        date=_hit_date(div, url),
        answered=_hit_answered(div, answer),
        ministry=answer["ministry"] if answer else None,
        url=hit_url,
    )


def _hit_link(div: Tag, url: str) -> tuple[Tag, str, str]:
    """The hit's title link, the question id in it (`visio.do?id=qSEQ…`) and its absolute address."""
    link = div.find("a", href=True)
    if link is not None:
        href = str(link["href"])
        try:
            hit_id = parse_qs(urlsplit(href).query).get("id", [""])[0]
            if hit_id:
                return link, hit_id, urljoin(url, href)
        except ValueError:  # an address urllib cannot split (e.g. a broken "[…]" host)
            pass
    raise ParseError(url, "search hit link (visio.do?id=…)", collapsed(div.get_text(" ")))


def _written_ref(hit_id: str) -> QuestionRef | None:
    try:
        ref = parse_ref(hit_id)
    except RefError:
        return None  # another kind of question (…G, …S): no written-question ref
    return ref if ref.chamber == "senat" else None


def _hit_author(small: Tag | None) -> str | None:
    """The words after "posée par" in the hit's <small>, before its <br>/<em> (the answer part)."""
    if small is None:
        return None
    words: list[str] = []
    for child in small.children:
        if isinstance(child, Tag) and child.name in ("br", "em"):
            break
        words.append(child.get_text(" ") if isinstance(child, Tag) else str(child))
    _, found, author = collapsed(" ".join(words)).partition("posée par ")
    return author if found and author else None


def _hit_date(div: Tag, url: str) -> date | None:
    row = div.find_parent("tr")
    for cell in row.find_all("td", recursive=False) if row else ():
        text = collapsed(cell.get_text())
        if DATE.fullmatch(text):
            return parse_date(text, url, "search hit date")
    return None


def _hit_answered(div: Tag, answer: re.Match[str] | None) -> bool:
    """Which section the hit is in ("Questions avec/sans réponses"), else what its <em> says."""
    table = div.find_parent("table")
    header = table.find("th") if table else None
    section = collapsed(header.get_text(" ")).lower() if header else ""
    if section.startswith("questions sans r"):
        return False
    if section.startswith("questions avec r"):
        return True
    return answer is not None and answer["kind"] == "Réponse"


def _next_url(soup: BeautifulSoup, url: str) -> str | None:
    """The next page of results. The pager links every page number but the current one; its
    "Suivant>>" link jumps a block of ten pages ahead, so it is only the fallback."""
    numbered: dict[int, str] = {}
    following: str | None = None
    for link in soup.find_all("a", href=True, string=True):
        label = collapsed(link.get_text())
        if label.isdigit() and "rechercheQuestion.do" in str(link["href"]):
            numbered[int(label)] = str(link["href"])
        elif label.startswith("Suivant"):
            following = str(link["href"])
    current = next(n for n in range(1, len(numbered) + 2) if n not in numbered)
    href = numbered.get(current + 1, following)
    if href is None:
        return None
    try:
        return urljoin(url, href)
    except ValueError as error:
        raise ParseError(url, "next page link", href) from error
    return None
