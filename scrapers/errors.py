"""The one root of every error relance raises, and its two children, which the command line turns
into its two exit codes: `CannotRun` (1: a bad config, reference or database) and `SourceFailed`
(2: relance ran, but a chamber's site or file failed it).

It lives in the lowest package so that `scrapers`, `storage` and `bot` all derive from it."""

from __future__ import annotations


class RelanceError(Exception):
    """Root of every exception of the project; never raised itself."""


class CannotRun(RelanceError):
    """relance cannot do what was asked: fix the config, the reference, the database or the setup (exit 1)."""


class SourceFailed(RelanceError):
    """relance ran, but a source failed: the network, an error page, an unreadable page or file (exit 2)."""
