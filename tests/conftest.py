"""Shared fixtures: where the real samples recorded from the AN and the Sénat live.

Tests read the samples from ../shared/samples (or $RELANCE_SAMPLES) and never copy them. Without
the samples a test is skipped with a clear message, except under CI=true, where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.smtp import Mailer

PROJECT = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("RELANCE_SAMPLES", PROJECT.parent / "shared" / "samples"))


def sample_path(relative: str) -> Path:
    """The path of one real sample; skips (or fails under CI=true) when it is absent."""
    path = SAMPLES / relative
    if not path.is_file():
        message = (f"real sample {relative} not found under {SAMPLES}: "
                   "put ../shared/samples beside the project or set RELANCE_SAMPLES")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def sample_bytes(relative: str) -> bytes:
    return sample_path(relative).read_bytes()


@pytest.fixture
def samples_dir() -> Path:
    sample_path("SOURCES.md")
    return SAMPLES


@pytest.fixture
def mailer() -> Iterator[Mailer]:
    """A real SMTP server (aiosmtpd) on a free port, stopped after the test."""
    server = Mailer()
    server.start()
    yield server
    server.stop()
