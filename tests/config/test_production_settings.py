"""HEALTHQA_HTTPS and HEALTHQA_CSRF_TRUSTED_ORIGINS: a deployment Django's checks accept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from healthqa.config.settings import trusted_origins
from tests.helpers import REPO_ROOT

SWITCHED_WARNINGS = ("security.W004", "security.W008", "security.W012", "security.W016")


def _run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """A fresh Python with only these HEALTHQA_* settings (and the test run's model setup)."""
    keep = {"HEALTHQA_MODEL_DIR", "HEALTHQA_ENCODER"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHQA_") or k in keep}
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300,
                          env={**clean, "HEALTHQA_DATA_DIR": str(data_dir),
                               "HEALTHQA_DEBUG": "0", **env})


def _check_deploy(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return _run(["-m", "healthqa.cli", "manage", "check", "--deploy"], data_dir, **env)


def _settings(data_dir: Path, *names: str, **env: str) -> dict[str, object]:
    code = ("import json; from healthqa.config import settings as s; "
            f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}))")
    out = _run(["-c", code], data_dir, **env)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def test_check_deploy_is_clean_behind_https(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path / "data", HEALTHQA_HTTPS="1",
                           HEALTHQA_CSRF_TRUSTED_ORIGINS="https://qa.example.org")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "System check identified no issues" in result.stdout
    assert "security.W" not in result.stdout + result.stderr


def test_without_the_switch_check_deploy_reports_what_it_turns_on(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path / "data")
    report = result.stdout + result.stderr
    for warning in SWITCHED_WARNINGS:
        assert warning in report
    # Only those: the rest of the deployment settings hold either way.
    assert report.count("security.W") == len(SWITCHED_WARNINGS), report


def test_the_switch_sets_hsts_without_preload_and_trusts_the_proxy(tmp_path: Path) -> None:
    names = ("SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
             "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
             "SECURE_PROXY_SSL_HEADER")
    on = _settings(tmp_path / "data", *names, HEALTHQA_HTTPS="1")
    assert on == {
        "SECURE_HSTS_SECONDS": 31_536_000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": None, "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
    off = _settings(tmp_path / "data", *names)
    assert set(off.values()) == {None}  # Django's defaults: plain HTTP still works locally


def test_trusted_origins_are_read_from_the_environment(tmp_path: Path) -> None:
    value = " https://qa.example.org, http://localhost:8000 ,,https://*.example.net"
    got = _settings(tmp_path / "data", "CSRF_TRUSTED_ORIGINS",
                    HEALTHQA_CSRF_TRUSTED_ORIGINS=value)
    assert got["CSRF_TRUSTED_ORIGINS"] == [
        "https://qa.example.org", "http://localhost:8000", "https://*.example.net"]
    assert _settings(tmp_path / "data", "CSRF_TRUSTED_ORIGINS") == {"CSRF_TRUSTED_ORIGINS": []}


@pytest.mark.parametrize("bad", ["qa.example.org", "ftp://qa.example.org", "https://",
                                 "https://[::1"])
def test_an_origin_without_its_scheme_is_refused_by_name(bad: str) -> None:
    with pytest.raises(ImproperlyConfigured) as error:
        trusted_origins(f"https://ok.example.org,{bad}")
    assert "HEALTHQA_CSRF_TRUSTED_ORIGINS" in str(error.value)
    assert repr(bad) in str(error.value)


def test_a_bad_origin_stops_the_start_with_that_message(tmp_path: Path) -> None:
    result = _run(["-m", "healthqa.cli", "manage", "check"], tmp_path / "data",
                  HEALTHQA_CSRF_TRUSTED_ORIGINS="qa.example.org")
    assert result.returncode != 0
    assert "Error: HEALTHQA_CSRF_TRUSTED_ORIGINS: 'qa.example.org'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("url", "says"), [
    ("mysql://ana:s3cret@db.example.org/qa", "runs on SQLite (sqlite:///path) or PostgreSQL"),
    ("nonsense", "HEALTHQA_DATABASE_URL: Scheme '://' is unknown"),
])
def test_a_database_url_healthqa_cannot_use_stops_the_start_naming_it(
        tmp_path: Path, url: str, says: str) -> None:
    result = _run(["-m", "healthqa.cli", "init"], tmp_path / "data",
                  HEALTHQA_DATABASE_URL=url)
    assert result.returncode == 1
    assert says in result.stderr and "Traceback" not in result.stderr
    assert "s3cret" not in result.stderr  # the password is never printed
