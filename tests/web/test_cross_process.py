"""Several worker processes over one database, as under gunicorn with several workers: two
real `healthqa serve` processes (A and B) and the commands of a third.

What one process writes, every other shows on its next request (the category tree and the
A-Z topic index are kept per process, checked against the content generation stored in the
database); and the rate limits count the requests that all of them answer (their counters
are in a table of the database, changed atomically).
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, healthqa_command, healthqa_serve, site_env


def question_line(external_id: str, title: str, *, focus: str, category: str) -> str:
    return json.dumps({
        "external_id": external_id, "title": title, "focus": focus, "category": category,
        "answers": [{"body": f"What to know about {focus.lower()}, in a few sentences.",
                     "author": {"name": "Dr. Test", "credentials": "MD"}}],
    })


@dataclass
class Workers:
    a: str  # base URLs of the two serving processes
    b: str
    env: dict[str, str]  # for commands on the same database
    folder: Path

    def run(self, *args: str) -> str:
        """A healthqa command in a process of its own."""
        done = subprocess.run([*healthqa_command(), *args], env=self.env, cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def import_lines(self, name: str, *lines: str) -> None:
        path = self.folder / f"{name}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.run("import", "jsonl", str(path))

    def shell(self, code: str) -> str:
        return self.run("manage", "shell", "-c", code)


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    """Two serving processes on one database (SQLite here; PostgreSQL on the suite's
    PostgreSQL run), each with its own data folder."""
    folder = tmp_path_factory.mktemp("workers")
    (folder / "a").mkdir()
    (folder / "b").mkdir()
    env_a = site_env(folder / "a")
    env_a.setdefault("HEALTHQA_DATABASE_URL", f"sqlite:///{folder / 'a' / 'healthqa.sqlite3'}")
    env_b = {**env_a, "HEALTHQA_DATA_DIR": str(folder / "b")}
    site = Workers(a="", b="", env=env_a, folder=folder)
    site.import_lines("first", question_line(
        "x/gout", "What is gout?", focus="Gout", category="Joints"))
    with healthqa_serve(folder / "a", env_a) as a, healthqa_serve(folder / "b", env_b) as b:
        site.a, site.b = a, b
        yield site


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return str(response.read().decode())


def shown(workers: Workers) -> list[tuple[set[str], set[str]]]:
    """For A and B: the top categories on the home page, and the topics of the A-Z index."""
    seen = []
    for base in (workers.a, workers.b):
        home = get(base + "/")
        topics = get(base + "/topics/")
        seen.append((set(re.findall(r'href="/c/([\w-]+)/"', home)),
                     set(re.findall(r'href="/topics/([\w-]+)/"', topics))))
    return seen


def test_a_write_in_any_process_is_shown_by_every_process_on_its_next_request(
        workers: Workers) -> None:
    assert shown(workers) == [({"joints"}, {"gout"})] * 2  # each process keeps these now

    workers.import_lines("second", question_line(
        "x/zebra", "What is zebra fever?", focus="Zebra fever", category="Tropical diseases"))
    assert shown(workers) == [({"joints", "tropical-diseases"}, {"gout", "zebra-fever"})] * 2

    workers.shell(
        "from healthqa.kb.editing import question_edit\n"
        "from healthqa.kb.models import Question\n"
        "q = Question.objects.get(external_id='x/gout')\n"
        "question_edit(question=q, title=q.title, body=q.body, category=q.category,\n"
        "              focus='Gouty arthritis', comment='renamed')\n")
    assert shown(workers) == [({"joints", "tropical-diseases"},
                               {"gouty-arthritis", "zebra-fever"})] * 2

    # Deleted behind the services' back (a shell, as the admin would).
    workers.shell("from healthqa.kb.models import Question\n"
                  "Question.objects.get(external_id='x/zebra').delete()\n")
    assert shown(workers) == [({"joints"}, {"gouty-arthritis"})] * 2


def login_attempt(opener: urllib.request.OpenerDirector, base: str, jar: http.cookiejar.CookieJar,
                  username: str) -> int:
    """A wrong password for `username` on the sign-in page: the response's status."""
    with opener.open(base + "/accounts/login/", timeout=30) as page:
        html = page.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    body = urllib.parse.urlencode({"username": username, "password": "not the password",
                                   "csrfmiddlewaretoken": token.group(1)}).encode()
    request = urllib.request.Request(base + "/accounts/login/", data=body,
                                     headers={"Referer": base + "/accounts/login/"})
    try:
        with opener.open(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_the_rate_limit_counts_the_requests_of_every_process_together(
        workers: Workers) -> None:
    from django.conf import settings

    allowed = int(settings.HEALTHQA_RATES["login"].split("/")[0])  # sign-ins an hour
    openers = []
    for _ in (workers.a, workers.b):
        jar = http.cookiejar.CookieJar()
        openers.append((urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)),
                        jar))
    statuses = []
    for i in range(allowed + 1):  # from one address, to A and B in turn
        base = (workers.a, workers.b)[i % 2]
        opener, jar = openers[i % 2]
        # Another username each time: django-axes locks out a username, not what is tested.
        statuses.append(login_attempt(opener, base, jar, f"nobody{i}"))
    # 400: the form refused the password. Each process answered about half of the attempts:
    # counting apart, neither would have refused any.
    assert statuses == [400] * allowed + [429]


COUNT = """
import pathlib, sys, time
from django.core.cache import caches
from django.conf import settings
counters = caches[settings.RATELIMIT_USE_CACHE]
folder = pathlib.Path(sys.argv[-1])
(folder / f"ready-{sys.argv[-2]}").touch()
while not (folder / "go").exists():
    time.sleep(0.01)
for _ in range(200):
    counters.incr("hits")
"""


def test_two_processes_adding_to_one_counter_at_once_lose_no_count(
        workers: Workers, tmp_path: Path) -> None:
    workers.shell("from django.core.cache import caches\n"
                  "caches['shared'].set('hits', 0, 3600)\n")
    counting = [subprocess.Popen([*healthqa_command()[:1], "-c", (
        "import django, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
        "'healthqa.config.settings'); django.setup()\n" + COUNT), str(n), str(tmp_path)],
        env=workers.env, cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True) for n in (1, 2)]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{n}").exists() for n in (1, 2)):
        assert all(p.poll() is None for p in counting), [p.communicate()[1] for p in counting]
        assert time.monotonic() < deadline, "the counting processes did not start"
        time.sleep(0.05)
    (tmp_path / "go").touch()  # both add at the same moment
    for p in counting:
        _, errors = p.communicate(timeout=300)
        assert p.returncode == 0, errors
    total = workers.shell("from django.core.cache import caches\n"
                          "print('hits', caches['shared'].get('hits'))\n")
    assert total.splitlines()[-1] == "hits 400"
