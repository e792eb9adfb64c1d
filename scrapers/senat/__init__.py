"""Read senat.fr into relance's shared types: question pages into `QuestionSnapshot`s (`page`),
search result pages into `SearchHit`s (`search`). Pure functions of their input: no I/O here.

One module per job: `addresses` (the site's URLs), `text` (bytes and HTML to the text a reader
sees), `page` (that text into a snapshot), `names` (authors and ministries), `search` (results
pages), `shared` (dates and the site's address).
"""

from scrapers.senat.addresses import senat_page_url, senat_search_url
from scrapers.senat.names import display_name, ministry_addressed
from scrapers.senat.page import parse_senat_page, parse_senat_text
from scrapers.senat.search import SearchHit, SearchResults, parse_search_results
from scrapers.senat.shared import SENAT_BASE_URL
from scrapers.senat.text import FALLBACK_CHARSET, decode_page, html_to_text

__all__ = [
    "FALLBACK_CHARSET",
    "SENAT_BASE_URL",
    "SearchHit",
    "SearchResults",
    "decode_page",
    "display_name",
    "html_to_text",
    "ministry_addressed",
    "parse_search_results",
    "parse_senat_page",
    "parse_senat_text",
    "senat_page_url",
    "senat_search_url",
]
