"""`relance serve` as a real process: waitress on a free port, a page fetched over HTTP, a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.notify.subscribers_site import SECRET
from tests.smtp import free_port
from tests.web.seeded import AN, seed, web_config

RELANCE = Path(sys.executable).with_name("relance")


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8")


def wait_for(url: str, process: subprocess.Popen[str], seconds: float = 20) -> tuple[int, dict[str, str], str]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return fetch(url)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_relance_serve_serves_the_pages_and_stops_on_sigterm(tmp_path: Path) -> None:
    web_config(tmp_path, None)
    seed(tmp_path / "relance.db")
    port = free_port()
    env = {**os.environ, "RELANCE_SECRET": SECRET}
    env.pop("RELANCE_DB", None)
    command = [str(RELANCE), "--config", str(tmp_path / "config.toml"), "serve", "--port", str(port),
               "--trusted-proxy", "127.0.0.1"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        status, headers, body = wait_for(f"http://127.0.0.1:{port}/questions", process)
        assert status == 200 and '<html lang="fr">' in body and f'href="/questions/{AN}"' in body
        assert headers["Server"] == "relance" and "default-src 'self'" in headers["Content-Security-Policy"]
        status, _headers, body = fetch(f"http://127.0.0.1:{port}/questions/nope")
        assert status == 404 and "Traceback" not in body
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "event=serving" in err and f"url=http://127.0.0.1:{port}/" in err and "event=stopped" in err


@pytest.mark.parametrize(("args", "language_environ"), [(["--lang", "en"], {}), ([], {"LANG": "en_GB.UTF-8"})])
def test_relance_serve_speaks_english_when_asked(tmp_path: Path, args: list[str],
                                                 language_environ: dict[str, str]) -> None:
    web_config(tmp_path, None)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"LANGUAGE", "LANG", "LC_ALL", "LC_MESSAGES", "RELANCE_DB"}}
    env.update(language_environ)
    command = [str(RELANCE), *args, "--config", str(tmp_path / "config.toml"), "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        status, _headers, body = wait_for(f"http://127.0.0.1:{port}/", process)
        assert status == 200 and '<html lang="en">' in body and "<h1>Followed written questions</h1>" in body
        status, _headers, body = fetch(f"http://127.0.0.1:{port}/nope")
        assert status == 404 and "<h1>Page not found</h1>" in body
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err


def test_relance_serve_with_email_but_without_secret_is_one_line(tmp_path: Path) -> None:
    web_config(tmp_path, free_port())  # an [email] section: its links need RELANCE_SECRET
    env = {k: v for k, v in os.environ.items() if k != "RELANCE_SECRET"}
    result = subprocess.run([str(RELANCE), "--config", str(tmp_path / "config.toml"), "serve", "--port",
                             str(free_port())], check=False, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "RELANCE_SECRET" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_relance_serve_on_a_busy_port_is_one_line(tmp_path: Path) -> None:
    web_config(tmp_path, None)
    env = {**os.environ, "RELANCE_SECRET": SECRET}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([str(RELANCE), "--config", str(tmp_path / "config.toml"), "serve", "--port",
                                 str(port)], check=False, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and f"impossible d'écouter sur 127.0.0.1:{port} : " in result.stderr
    assert "Traceback" not in result.stderr
