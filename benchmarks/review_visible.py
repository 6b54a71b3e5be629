"""From an editor's approval to a reader finding the answer: time the approval itself (it
indexes the answer, its vector and the related lists in the same transaction) and then ask
and search for the question at once, on the full MedQuAD import.

    .venv/bin/python benchmarks/review_visible.py [--rounds 10] [--data-dir DIR]

The database is the one benchmarks/article_pages.py builds in DIR (MedQuAD when
../shared/data is there, else its synthetic knowledge base), built first if missing; each run
works on a fresh copy of it in a temporary folder, so the accounts and questions it adds
never meet those of an earlier run. The figure that matters is
"visible after": the time from the approval's start to the answer being in the results of
/ask and of search, both asked right after the approval returned.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.article_pages import MEDQUAD, build  # noqa: E402

# Everyday questions that MedQuAD does not answer in these words.
QUESTIONS = [
    ("Can I run a marathon while taking metformin?",
     "Runners on metformin can usually train and race; check your sugar before long runs."),
    ("Is it safe to use a sauna after a hip replacement?",
     "Wait until the wound has healed and your surgeon agrees; stay hydrated and brief."),
    ("Can hay fever make my teeth ache in spring?",
     "Blocked sinuses press on the roots of the upper teeth; the ache fades as they clear."),
    ("Should I stop drinking coffee before a thyroid blood test?",
     "Coffee does not change thyroid results much; take the test before your levothyroxine."),
    ("Can I donate blood after getting a tattoo on holiday?",
     "Most blood services ask you to wait four months after a tattoo before donating."),
    ("Why do my ears pop when I climb stairs quickly?",
     "Fast changes of effort and breathing open the Eustachian tubes; it is usually harmless."),
    ("Is it normal to feel cold after donating plasma?",
     "Returned fluid is cooler than the body and citrate lowers calcium; it passes in hours."),
    ("Can swimming in chlorinated pools make eczema worse in children?",
     "Chlorine dries the skin; rinse after swimming and apply an emollient straight away."),
    ("Does chewing gum help with heartburn after meals?",
     "Chewing gum makes more saliva, which neutralises acid; sugar-free gum is better."),
    ("Can I lift weights two weeks after a flu vaccine?",
     "Yes: the vaccine needs no rest; a sore arm may make the first session less comfortable."),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=len(QUESTIONS))
    parser.add_argument("--data-dir", default="/tmp/healthqa-bench-pages")
    parser.add_argument("--reload-all", action="store_true",
                        help="the baseline: every change makes processes reload all vectors "
                             "and related lists read every title (as before the change log)")
    args = parser.parse_args()
    kind = "medquad" if MEDQUAD.exists() else "synthetic"
    built = Path(args.data_dir) / kind
    if not (built / "healthqa.sqlite3").exists():
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "article_pages.py"),
                        "--data-dir", args.data_dir, "--pages", "10", "--warmup", "10"],
                       check=True)
    work = Path(tempfile.mkdtemp(prefix="healthqa-visible-"))
    try:
        shutil.copytree(built, work, dirs_exist_ok=True)
        os.environ["HEALTHQA_DATA_DIR"] = str(work)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthqa.config.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        print(build(kind, 20_000))
        if args.reload_all:
            from healthqa.search import related, vectors

            vectors.CHANGES_MAX = 0
            related.FEW_ROWS = 0
            print("baseline: no change log, full reloads")
        measure(rounds=min(args.rounds, len(QUESTIONS)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(*, rounds: int) -> None:
    from healthqa.ask.search import search_hits
    from healthqa.ask.services import ask_question
    from healthqa.community import accounts, answering, asking
    from healthqa.kb.models import Category

    tag = uuid.uuid4().hex[:6]

    def person(role: str) -> object:
        return accounts.user_create(username=f"benchmark-{role}-{tag}", role=role,
                                    password=f"correct horse {uuid.uuid4().hex}",
                                    display_name=f"Benchmark {role}")

    member, expert, editor = person("member"), person("expert"), person("editor")
    category = Category.objects.filter(parent=None).first()
    assert category is not None
    ask_question(text="warm up the model and the index", k=8)  # first-use costs excluded
    approve_ms, visible_ms, ask_ranks, search_ranks = [], [], [], []
    for title, body in QUESTIONS[:rounds]:
        sent = asking.submission_send(member=member, title=title, body=title)
        question = asking.submission_publish(editor=editor, submission=sent, title=title,
                                             body=title, category=category)
        draft = answering.answer_submit(expert=expert, question=question,
                                        body=body + " (benchmark answer)")
        started = time.perf_counter()
        answering.answer_approve(editor=editor, draft=draft)
        approved = time.perf_counter()
        asked = [h.question.pk for h in ask_question(text=title, k=8).hits]
        searched = [h.question_id for h in search_hits(text=title, filters=None)]
        found = time.perf_counter()
        approve_ms.append((approved - started) * 1000)
        visible_ms.append((found - started) * 1000)
        ask_ranks.append(asked.index(question.pk) + 1 if question.pk in asked else 0)
        search_ranks.append(searched.index(question.pk) + 1 if question.pk in searched else 0)
    print(f"rounds: {rounds}")
    print(f"approve (publish + index + vectors + related): median "
          f"{statistics.median(approve_ms):.0f} ms, max {max(approve_ms):.0f} ms")
    print(f"visible after (approve, then ask and search): median "
          f"{statistics.median(visible_ms):.0f} ms, max {max(visible_ms):.0f} ms")
    print(f"found by /ask at rank: {ask_ranks} (0 = not found)")
    print(f"found by search at rank: {search_ranks} (0 = not found)")
    if 0 in ask_ranks or 0 in search_ranks or max(visible_ms) >= 1000:
        print("TARGET MISSED: every answer visible in ask and search within 1 s")
        sys.exit(1)
    print("target met: every answer visible in ask and search within 1 s of its approval")


if __name__ == "__main__":
    main()
