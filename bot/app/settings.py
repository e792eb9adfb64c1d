"""The settings of each part, made from the config: HTTP, sources, the check cycle, e-mail and SMTP."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from bot.app.config import Config, ConfigError
from bot.notify.emails import Schedule
from bot.notify.i18n import _
from bot.notify.smtp import SmtpSettings, SmtpTransport
from bot.notify.subscriptions import MailSettings
from bot.notify.tokens import secret_from_env
from scrapers.http import HttpSettings
from scrapers.sources import SourceSettings


def http_settings(config: Config) -> HttpSettings:
    h = config.http
    return HttpSettings(user_agent=config.user_agent, timeout=h.timeout, max_concurrency=h.max_concurrency,
                        min_interval=h.min_interval, retries=h.retries, backoff_max=h.backoff_max,
                        max_retry_after=h.max_retry_after, cache_dir=Path(h.cache_dir) if h.cache_dir else None,
                        max_body=int(h.max_body_mb * 1_000_000), max_file=int(h.max_file_mb * 1_000_000),
                        max_download=int(h.max_download_mb * 1_000_000),
                        deadline=h.deadline, question_deadline=h.question_deadline,
                        download_deadline=h.download_deadline, redirect_sites=h.redirect_sites)


def source_settings(config: Config) -> SourceSettings:
    an, senat = config.sources.an, config.sources.senat
    return SourceSettings(an_base_url=an.base_url, an_legacy_base_url=an.legacy_base_url,
                          senat_base_url=senat.base_url, an_closure_codes=dict(an.closure_codes))


def mail_settings(config: Config) -> MailSettings:
    if config.email is None:
        raise ConfigError("config", "email", _("pas de section [email] : relance ne peut pas envoyer d'e-mail "
                                               "sans elle"))
    return MailSettings(sender=config.email.sender, base_url=config.web.base_url, secret=secret_from_env(),
                        unsubscribe_mailto=config.email.unsubscribe_mailto, tag_labels=config.tag_labels)


def smtp_settings(config: Config, env: Mapping[str, str] = os.environ, *, max_timeout: float | None = None
                  ) -> SmtpSettings:
    """The SMTP server of [email], the login from `env`; `max_timeout` caps [email] timeout."""
    if config.email is None:
        raise ConfigError("config", "email", _("pas de section [email] : relance ne peut pas envoyer d'e-mail "
                                               "sans elle"))
    e = config.email
    timeout = e.timeout if max_timeout is None else min(e.timeout, max_timeout)
    return SmtpSettings.with_env_credentials(e.host, e.port, e.security, timeout, env)


def smtp_sender(config: Config, *, max_timeout: float | None = None) -> SmtpTransport:
    """The one SMTP transport of every e-mail relance sends (notify, subscribe, alarms, the web)."""
    settings = smtp_settings(config, max_timeout=max_timeout)
    assert config.email is not None
    return SmtpTransport(settings, config.email.sender, give_up_after=config.email.give_up_after)


def email_schedule(config: Config) -> Schedule:
    return Schedule(config.email.daily_hour, config.email.weekly_day) if config.email else Schedule()
