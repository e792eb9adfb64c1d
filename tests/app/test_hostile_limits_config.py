"""The [http] limits against hostile sites, from config.toml to the client's settings: the bundled
file's commented lines, uncommented, are valid and are the defaults; a redirect site that is no site
is the config's error, naming the entry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app.config import ConfigError, load_config
from bot.app.settings import http_settings
from scrapers.http import HttpSettings
from tests.conftest import PROJECT

LIMIT_KEYS = ("max_body_mb", "max_file_mb", "max_download_mb", "deadline", "question_deadline",
              "download_deadline", "redirect_sites")


def bundled_with_limits_uncommented(tmp_path: Path, redirect_sites: str | None = None) -> Path:
    text = (PROJECT / "config.toml").read_text(encoding="utf-8")
    for key in LIMIT_KEYS:
        text, count = re.subn(rf"^# ({key} = )", r"\1", text, flags=re.MULTILINE)
        assert count == 1, f"config.toml has no commented line for [http] {key}"
    if redirect_sites is not None:
        text = text.replace("redirect_sites = []", f"redirect_sites = {redirect_sites}")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_limits_are_the_defaults(tmp_path: Path) -> None:
    settings = http_settings(load_config(bundled_with_limits_uncommented(tmp_path)))
    defaults = HttpSettings(user_agent=settings.user_agent)
    assert (settings.max_body, settings.max_file, settings.max_download) == (
        defaults.max_body, defaults.max_file, defaults.max_download) == (8_000_000, 64_000_000, 1_000_000_000)
    assert (settings.deadline, settings.question_deadline, settings.download_deadline) == (60.0, 300.0, 3600.0)
    assert settings.redirect_sites == ()


def test_redirect_sites_reach_the_client(tmp_path: Path) -> None:
    path = bundled_with_limits_uncommented(tmp_path, '["https://data.senat.fr"]')
    assert http_settings(load_config(path)).redirect_sites == ("https://data.senat.fr",)


def test_a_redirect_site_that_is_no_site_is_the_configs_error(tmp_path: Path) -> None:
    path = bundled_with_limits_uncommented(tmp_path, '["data.senat.fr/questions"]')
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert "redirect_sites" in str(refused.value) and "data.senat.fr/questions" in str(refused.value)
