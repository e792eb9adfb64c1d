"""Sénat question pages for the tests, derived from the real page texts of ../shared/samples/senat.

No raw HTML of a senat.fr question page could be recorded, only the text a reader sees. To test the
whole page path (decode, HTML to text, parse), a page is derived from a real text by one small
transformation: each line of the text becomes one <p> element, and the page is encoded in
windows-1252 as senat.fr serves it. Nothing is written from scratch.
"""

from __future__ import annotations

import html

from tests.conftest import sample_bytes

# The real page texts and the senat.fr addresses they were recorded from (senat/SOURCES.md).
PAGE_TEXTS = {
    "SEQ020238665": "senat/SEQ020238665.page-text.txt",
    "SEQ091211244": "senat/SEQ091211244.page-text.txt",
    "SEQ130606725": "senat/SEQ130606725.page-text.txt",
    "SEQ181007406": "senat/SEQ181007406.page-text.txt",
    "SEQ201018049": "senat/SEQ201018049.page-text.txt",
    "SEQ210723812": "senat/SEQ210723812.page-text.txt",
    "SEQ220628479": "senat/SEQ220628479.page-text.txt",
}


def page_text(uid: str) -> str:
    return sample_bytes(PAGE_TEXTS[uid]).decode("utf-8")


def as_html_page(text: str, head: str = "") -> str:
    """A minimal page holding a real page text, one <p> per line; `head` goes into its <head>."""
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n"))
    return f"<!DOCTYPE html>\n<html><head>{head}<title>Sénat</title></head>\n<body>\n{paragraphs}\n</body></html>"


def page_from_text(text: str) -> bytes:
    """The page as senat.fr serves it: windows-1252, declared in a <meta>."""
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    return as_html_page(text, meta).encode("windows-1252", errors="xmlcharrefreplace")


def page_url_path(uid: str) -> str:
    yy = int(uid[3:5])
    year = 1900 + yy if yy >= 78 else 2000 + yy
    return f"/questions/base/{year}/q{uid}.html"
