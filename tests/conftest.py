"""Shared fixtures: where the real samples recorded from the AN and the Sénat live, and the one way
tests write a config.toml (`make_config`).

Tests read the samples from ../shared/samples (or $RELANCE_SAMPLES) and never copy them. Without
the samples a test is skipped with a clear message, except under CI=true, where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import tomlkit

from bot.notify.i18n import use_language
from tests.smtp import Mailer

PROJECT = Path(__file__).resolve().parent.parent
# relance speaks French unless the environment asks for English: the tests expect its French whatever
# the machine's locale (a test of the English says so itself), and so do the processes they start.
os.environ["LANGUAGE"] = "fr"
SAMPLES = Path(os.environ.get("RELANCE_SAMPLES", PROJECT.parent / "shared" / "samples"))


@pytest.fixture
def english() -> Iterator[None]:
    """relance speaks English for the test (as `relance --lang en` makes it), French again after."""
    use_language("en")
    yield


@pytest.fixture(autouse=True)
def _french_again_after_each_test() -> Iterator[None]:
    """A test that has relance speak English (`--lang en`, `use_language("en")`) leaves it French."""
    yield
    use_language("fr")


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


# --- config.toml ------------------------------------------------------------------------------------

CONTACT = "tests@relance.test"
SENDER = "relance <relance@relance.test>"

Watch = str | Mapping[str, Any]  # a ref, or a whole [[watch]] entry ({"ref": …, "tags": […], "note": …})
ConfigFactory = Callable[..., Path]  # make_config's signature is write_config's, without `path`


def _merged(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`base` updated by `changes`, tables merged key by key; a None value removes the key."""
    merged = dict(base)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def write_config(path: Path, *, site: str | None = None, smtp_port: int | None = None,
                 watch: Iterable[Watch] = (), extra: str = "", **sections: Mapping[str, Any] | None) -> Path:
    """Write a test's config.toml at `path` and return `path`.

    Always: `[relance] contact`, `[http]` with no pause, no retry and a 5 s timeout, its cache and
    `[storage]` database beside the file. `site`: the base URL of a local server, for the AN (its
    open data and its old site) and the Sénat alike. `smtp_port`: an `[email]` section for a local
    SMTP server without TLS. `sections` (`http=`, `sources=`, `web=`, `schedule=`…) are merged
    into these, table by table; a None value removes a section or an entry (`http=None`). `extra`
    is TOML written as is after the sections (start it with a table header); the `[[watch]]`
    entries come last, in the order given.
    """
    folder = path.parent
    config: dict[str, Any] = {
        "relance": {"contact": CONTACT},
        "http": {"timeout": 5, "min_interval": 0, "retries": 0, "cache_dir": str(folder / "cache")},
        "storage": {"path": str(folder / "relance.db")},
    }
    if site is not None:
        config["sources"] = {"an": {"base_url": site, "legacy_base_url": site}, "senat": {"base_url": site}}
    if smtp_port is not None:
        config["email"] = {"host": "127.0.0.1", "port": smtp_port, "security": "none", "sender": SENDER,
                           "timeout": 5}
    config = _merged(config, sections)
    watches = [{"ref": entry} if isinstance(entry, str) else dict(entry) for entry in watch]
    text = tomlkit.dumps(config) + (f"\n{extra.strip()}\n" if extra.strip() else "")
    if watches:
        text += "\n" + tomlkit.dumps({"watch": watches})
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def make_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConfigFactory:
    """`make_config(**options) -> Path`: `write_config` at tmp_path/config.toml (see it for the
    options). $RELANCE_DB is unset for the test, so the database is the config's, in tmp_path."""
    monkeypatch.delenv("RELANCE_DB", raising=False)

    def make(**options: Any) -> Path:
        return write_config(tmp_path / "config.toml", **options)

    return make
