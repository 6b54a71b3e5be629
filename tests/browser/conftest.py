"""Browser tests: a real `healthqa serve` with the demo content, driven in Debian's Chromium."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO_ROOT, healthqa_command, healthqa_serve, in_ci, site_env

CHROMIUM = "/usr/bin/chromium"
# As root Chromium needs --no-sandbox; the network flags stop it calling home (no network here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
]


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        message = (
            f"{CHROMIUM} not found: install Debian's package `chromium` "
            "(scripts/test.sh does it when run as root)"
        )
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real healthqa server over a fresh SQLite database with the demo content."""
    data_dir = tmp_path_factory.mktemp("site")
    # The site's own encoder, not the tests' hashing stand-in: /ask is judged as readers get
    # it. The ONNX graph is exported once per test run into $HEALTHQA_MODEL_DIR.
    env = site_env(data_dir, HF_HUB_OFFLINE="1", HEALTHQA_ENCODER="minilm-onnx")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*healthqa_command(), "demo"], env=env, check=True, cwd=REPO_ROOT,
                   capture_output=True)
    with healthqa_serve(data_dir, env) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright."""
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh phone-sized page."""
    context = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    p = context.new_page()
    yield p
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where browser tests save screenshots (kept for people to look at)."""
    path = REPO_ROOT / "test-results"
    path.mkdir(exist_ok=True)
    return path


def node_tool(*parts: str) -> Path:
    """A file from the project's npm tools (installed by scripts/test.sh with npm ci)."""
    path = REPO_ROOT.joinpath("node_modules", *parts)
    if not path.exists():
        message = f"{path} missing: run `npm ci` (scripts/test.sh does)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


def has_node() -> bool:
    return shutil.which("node") is not None


# ---- The living half: a server with accounts made on the command line --------------------

PASSWORD = "browser-tests-password-12"  # every account's; long and not common
ACCOUNTS = {
    "editor": ["ed", "--role", "editor", "--name", "Eda Okafor", "--profession", "Pharmacist"],
    "expert": ["ana", "--role", "expert", "--name", "Dr. Ana Ruiz", "--profession",
               "Cardiologist", "--speciality", "Heart rhythm and pacemakers"],
    "member": ["mia", "--role", "member", "--name", "Mia"],
}


@dataclass(frozen=True)
class CommunitySite:
    """A served site with demo content and one account per role (ACCOUNTS)."""

    url: str
    data_dir: Path
    env: dict[str, str]

    def username(self, role: str) -> str:
        return ACCOUNTS[role][0]


@pytest.fixture(scope="session")
def community_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommunitySite]:
    """A real healthqa server over the demo content with an editor, an expert and a member
    made by `healthqa user add` (password from standard input) before it starts."""
    data_dir = tmp_path_factory.mktemp("community-site")
    env = site_env(data_dir, HF_HUB_OFFLINE="1", HEALTHQA_ENCODER="minilm-onnx")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*healthqa_command(), "demo"], env=env, check=True, cwd=REPO_ROOT,
                   capture_output=True)
    for args in ACCOUNTS.values():
        subprocess.run([*healthqa_command(), "user", "add", *args], env=env, check=True,
                       cwd=REPO_ROOT, capture_output=True, input=PASSWORD + "\n", text=True)
    with healthqa_serve(data_dir, env) as url:
        yield CommunitySite(url=url, data_dir=data_dir, env=env)


def sign_in(page: Any, site: CommunitySite, role: str) -> None:
    """Sign in on the sign-in page as a person does, as the account of `role`."""
    page.goto(site.url + "/accounts/login/")
    page.get_by_label("Username").fill(site.username(role))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
