"""senat.fr pages as bytes and HTML: `html_to_text` on the real pages, the whole-page path in both
charsets, `decode_page`, the page address and `display_name`.
"""

from __future__ import annotations

import itertools

import pytest

from scrapers.model import ParseError
from scrapers.refs import parse_ref
from scrapers.senat import (
    decode_page,
    display_name,
    html_to_text,
    parse_senat_page,
    senat_page_url,
)
from tests.conftest import sample_bytes
from tests.scrapers.senat_samples import (
    NAMES,
    SEARCH_PAGE,
    URLS,
    lines_of,
    page_text,
    parse,
)
from tests.senat_pages import as_html_page

# --- html_to_text on the real search page ---------------------------------------------------------

def test_html_to_text_on_the_real_search_page() -> None:
    text = html_to_text(decode_page(sample_bytes(SEARCH_PAGE), None))
    lines = text.split("\n")
    # A hit: the title link and the <small> are inline, so one line; the <br> breaks before the
    # <em> with the answer; the date is in the next table cell.
    hit = lines.index("Partenariat entre La Poste et l'État : maisons de services au public "
                      "Question n° 0791G posée par M. Georges Labazée")
    assert lines[hit + 1] == ("Réponse du Ministère de l'aménagement du territoire, de la ruralité "
                              "et des collectivités territoriales")
    assert lines[hit + 2] == "18/03/2016"
    assert lines[hit - 1] == "Date"
    assert lines[hit - 2] == "Questions avec réponses [330 réponses]"
    assert "330 questions dans une recherche depuis 1 an" in lines
    assert "Votre résultat de recherche :" in lines
    assert "Hébergement d'urgence Question n° 0773G posée par Mme Éliane Giraud" in lines
    assert "1 2 3 4 5 6 7 8 9 10 Suivant>>" in lines  # &nbsp; runs and &gt; decoded
    assert "Accueil > Recherche > Recherche de questions" in lines


def test_html_to_text_layout_rules() -> None:
    text = html_to_text(decode_page(sample_bytes(SEARCH_PAGE), None))
    lines = text.split("\n")
    assert "hasJS" not in text  # script bodies are not shown
    assert "\xa0" not in text and "&nbsp;" not in text and "&eacute;" not in text
    assert all(line == line.strip() and "  " not in line for line in lines)
    assert "" not in (lines[0], lines[-1])
    assert not any(a == b == "" for a, b in itertools.pairwise(lines))


# --- the whole-page path --------------------------------------------------------------------------

ISO_META = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'


@pytest.mark.parametrize("name", NAMES)
def test_html_to_text_keeps_the_lines_of_a_page(name: str) -> None:
    assert lines_of(html_to_text(as_html_page(page_text(name)))) == [
        " ".join(line.split()) for line in lines_of(page_text(name))]


@pytest.mark.parametrize("name", NAMES)
def test_whole_page_utf8_and_windows_1252(name: str) -> None:
    expected = parse(name)
    page = as_html_page(page_text(name))
    url = URLS[name]
    assert parse_senat_page(page.encode("utf-8"), url, "utf-8") == expected
    # senat.fr's own encoding, with no charset anywhere: the windows-1252 fallback.
    assert parse_senat_page(page.encode("cp1252"), url) == expected
    # Declared as ISO-8859-1 in the HTTP header, or in the page's <meta> like the search page.
    assert parse_senat_page(page.encode("cp1252"), url, "ISO-8859-1") == expected
    assert parse_senat_page(as_html_page(page_text(name), ISO_META).encode("cp1252"), url) == expected


def test_utf8_bytes_without_a_declared_charset_are_not_guessed() -> None:
    """UTF-8 bytes with no charset read as windows-1252: "publiée" becomes "publiÃ©e", so the
    heading is not found and the error says so instead of returning garbled fields."""
    page = as_html_page(page_text("SEQ130606725")).encode("utf-8")
    with pytest.raises(ParseError, match="page design not recognised"):
        parse_senat_page(page, URLS["SEQ130606725"])


def test_decode_page() -> None:
    search = sample_bytes(SEARCH_PAGE)
    assert "posée par" in decode_page(search, None)  # raw Latin-1 bytes, per the <meta>
    assert "posée par" in decode_page(search, "iso-8859-1")
    assert "posée par" in decode_page(search, "no-such-charset")
    # ISO-8859-1 is read as windows-1252, as browsers do: 0x92 is a typographic apostrophe.
    assert decode_page("l’intérieur".encode("cp1252"), "iso-8859-1") == "l’intérieur"
    assert decode_page("l’intérieur".encode("cp1252"), None) == "l’intérieur"
    assert decode_page(b"\xef\xbb\xbfl\xc3\xa9", "iso-8859-1") == "lé"  # a BOM wins
    assert decode_page(b"caf\xe9", "utf-8") == "caf\ufffd"  # bad bytes never raise
    assert decode_page(b"x", "rot13") == "x"  # not a charset: the fallback


def test_page_url() -> None:
    ref = parse_ref("SEQ221103705")
    assert senat_page_url(ref) == "https://www.senat.fr/questions/base/2022/qSEQ221103705.html"
    assert senat_page_url(ref, "http://127.0.0.1:8080/") == (
        "http://127.0.0.1:8080/questions/base/2022/qSEQ221103705.html")
    for name in (name for name in NAMES if name.startswith("SEQ")):
        assert parse_ref(senat_page_url(parse_ref(name))) == parse_ref(name)
    with pytest.raises(ValueError):
        senat_page_url(parse_ref("QANR5L17QE5268"))


@pytest.mark.parametrize(("written", "shown"), [
    ("MASSON Jean Louis", "Jean Louis Masson"),
    ("HERZOG Christine", "Christine Herzog"),
    ("PAUL Philippe", "Philippe Paul"),
    ("LABAZÉE Georges", "Georges Labazée"),  # as the search page's senator list writes it
    ("Marie-Pierre de La Gontrie", "Marie-Pierre de La Gontrie"),
    ("de LA GONTRIE Marie-Pierre", "Marie-Pierre de La Gontrie"),
])
def test_display_name(written: str, shown: str) -> None:
    assert display_name(written) == shown
