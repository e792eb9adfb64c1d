"""The real senat.fr page texts of samples/senat, the addresses they were taken from, and how the
senat tests read them. Expected values are read from the samples and samples/senat/SOURCES.md."""

from __future__ import annotations

import functools

from scrapers.model import QuestionSnapshot
from scrapers.senat import parse_senat_text
from tests.conftest import sample_bytes

# The addresses the stored copies were taken from, as SOURCES.md records them (one with a trailing
# dot on the host, two on a senat.fr sub-host serving the same /questions/base/ pages).
URLS = {
    "SEQ091211244": "https://senat.fr/questions/base/2009/qSEQ091211244.html",
    "SEQ181007406": "https://senat.fr/questions/base/2018/qSEQ181007406.html",
    "SEQ130606725": "https://senat.fr/questions/base/2013/qSEQ130606725.html",
    "SEQ210723812": "https://senat.fr./questions/base/2021/qSEQ210723812.html",
    "SEQ220628479": "https://conferenceconsensuslogement.senat.fr/questions/base/2022/qSEQ220628479.html",
    "SEQ020238665": "https://conferenceconsensuslogement.senat.fr/questions/base/2002/qSEQ020238665.html",
    "SEQ201018049": "https://senat.fr/questions/base/2020/qSEQ201018049.html",
    # No address was recorded for the oral question n° 1335 (published 30/05/2024). Its real id
    # is an oral-question id, which parse_ref rightly refuses as not a written question; to test
    # the text parser on this page text, a written-question-shaped address with the same year,
    # month and number stands in for it. It is NOT the real address.
    "oral-1335-lagontrie": "https://www.senat.fr/questions/base/2024/qSEQ240501335.html",
}
NAMES = tuple(URLS)
SEARCH_PAGE = "senat/recherche-question.html"
SEARCH_URL = ("http://www.senat.fr/basile/rechercheQuestion.do?off=30&rch=qa&de=20150403"
              "&au=20160403&dp=1+an&radio=dp&appr=text&aff=ar&tri=dd&afd=ppr&afd=ppl&afd=pjl"
              "&afd=cvn&_na=QG")
INTERIEUR_2009 = "Ministère de l'intérieur, de l'outre-mer et des collectivités territoriales"
TRANSITION = "Ministère de la transition écologique et de la cohésion des territoires"


@functools.cache
def page_text(name: str) -> str:
    return sample_bytes(f"senat/{name}.page-text.txt").decode("utf-8")


def parse(name: str, text: str | None = None) -> QuestionSnapshot:
    return parse_senat_text(page_text(name) if text is None else text, URLS[name])


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
