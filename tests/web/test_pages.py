"""The public pages render their parts, escape hostile text and cost a constant few queries."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.templatetags.static import static
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from healthqa.kb import selectors
from healthqa.kb.models import Question
from healthqa.kb.records import AnswerRecord, AuthorRecord
from healthqa.search import selectors as search_selectors
from healthqa.web.views import errors, pages
from tests.kb.conftest import KB, NIH, answer, import_records, record

pytestmark = pytest.mark.django_db


class Outline(HTMLParser):
    """The parts of a page the tests look at: headings, landmarks, links and JSON-LD."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.headings: list[tuple[int, str]] = []
        self.links: list[tuple[dict[str, str], str]] = []
        self.json_ld: list[Any] = []
        self._open: list[tuple[str, dict[str, str], list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag in {"h1", "h2", "h3", "h4", "a", "script"}:
            self._open.append((tag, a, []))

    def handle_data(self, data: str) -> None:
        for _, _, text in self._open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            return
        _, a, parts = self._open.pop()
        text = " ".join("".join(parts).split())
        if tag == "a":
            self.links.append((a, text))
        elif tag == "script" and a.get("type") == "application/ld+json":
            self.json_ld.append(json.loads("".join(parts)))
        elif tag.startswith("h"):
            self.headings.append((int(tag[1]), text))

    def link(self, **attrs: str) -> tuple[str, str]:
        """(href, text) of the one link with these attributes."""
        found = [(a["href"], t) for a, t in self.links
                 if all(a.get(k) == v for k, v in attrs.items())]
        assert len(found) == 1, found
        return found[0]

    def hrefs(self) -> list[str]:
        return [a.get("href", "") for a, _ in self.links]


def fetch(client: Any, url: str, status: int = 200) -> tuple[str, Outline]:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    html = response.content.decode()
    outline = Outline()
    outline.feed(html)
    return html, outline


def text_of(html: str) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- every page: the shell ---------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/search/?q=pain", "/topics/", "/c/pregnancy/"])
def test_every_page_has_landmarks_a_skip_link_one_h1_and_a_labelled_search(
        client: Any, kb: KB, url: str) -> None:
    html, page = fetch(client, url)
    tags = [t for t, _ in page.tags]
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in tags
    assert '<html lang="en">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert re.search(r'<meta name="description" content="[^"]+">', html)
    assert page.links[0][0]["href"] == "#main" and page.links[0][1] == "Skip to content"
    assert [level for level, _ in page.headings].count(1) == 1
    form = next(a for t, a in page.tags if t == "form")
    assert form["action"] == "/search/" and form["method"] == "get"
    search_input = next(a for t, a in page.tags if t == "input" and a.get("name") == "q")
    assert f'<label class="visually-hidden" for="{search_input["id"]}">' in html


def test_headings_never_skip_a_level_on_the_article_page(client: Any, kb: KB) -> None:
    _, page = fetch(client, kb.back_pain.get_absolute_url())
    levels = [level for level, _ in page.headings]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_pages_make_no_request_to_another_site(client: Any, kb: KB) -> None:
    html, page = fetch(client, kb.back_pain.get_absolute_url())
    for tag, attrs in page.tags:
        # <link rel=canonical/prev/next> name pages; every other <link> would be fetched.
        loads = tag == "link" and attrs.get("rel") not in {"canonical", "prev", "next"}
        for name in ("src", "srcset") + (("href",) if loads else ()):
            value = attrs.get(name, "")
            assert not value.startswith(("http:", "https:", "//")), (tag, attrs)
    assert "@import" not in html and "url(" not in html


def test_public_pages_may_be_cached_for_five_minutes(client: Any, kb: KB) -> None:
    for url in ("/", kb.back_pain.get_absolute_url(), "/topics/", "/c/pregnancy/"):
        response = client.get(url)
        assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
        # Nothing personal on them: no cookie set. They vary by cookie because a signed-in
        # person's copy differs (their account links and actions), and is private.
        assert not response.cookies and "Cookie" in response.get("Vary", "")


# --- home ----------------------------------------------------------------------------------

def test_home_lists_top_categories_with_their_children_and_counts(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/")
    text = text_of(html)
    # Eight published questions below "Pregnancy and women's health": seven in Pregnancy
    # (the draft is not counted) and one in Women's health.
    assert "Pregnancy and women&#x27;s health (8)" in text
    assert "Pregnancy (7)" in text and "Women&#x27;s health (1)" in text
    assert "Heart and blood (1)" in text
    assert "/c/pregnancy/" in page.hrefs()
    assert "/topics/" in page.hrefs()


def test_home_lists_the_newest_questions_and_not_drafts(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/")
    newest = html.split('id="newest"', 1)[1]
    assert kb.back_pain.title in newest
    assert kb.dizzy_draft.title not in html


def test_home_and_category_pages_lead_with_questions_whose_answer_is_here(
        client: Any, kb: KB, settings: Any) -> None:
    # Published last, as MedQuAD's drug pages are: their answers are only at the source.
    later = [record(f"pages/at-source-{i}", f"What is drug {i}?", source=NIH, answers=(),
                    category_path=("Drugs",),
                    source_url=f"https://medlineplus.gov/druginfo/{i}.html", is_demo=False)
             for i in range(12)]
    import_records(later)
    html, _ = fetch(client, "/")
    newest = html.split('id="newest"', 1)[1]
    answered = Question.objects.filter(status="published", has_answer=True).count()
    assert answered < 10  # the list is filled up with the newest answered at a source
    shown = [title for title in re.findall(r'class="title"[^>]*>([^<]+)<', newest)]
    assert len(shown) == 10
    assert all("drug" not in t for t in shown[:answered])
    assert all("drug" in t for t in shown[answered:])
    settings.PAGE_SIZE = 50
    _, page = fetch(client, "/c/pregnancy/")
    titles = [t for a, t in page.links if a.get("class") == "title"]
    assert titles[-1] == kb.placenta_previa.title  # answered only at its source: last


# --- search --------------------------------------------------------------------------------

def test_search_finds_questions_by_the_words_of_their_title_or_topic(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/search/?q=back+pain")
    assert kb.back_pain.title in html and kb.sleep_back_pain.title in html
    assert kb.exercise.title not in html
    assert 'value="back pain"' in html


def test_an_empty_search_explains_what_to_do(client: Any, kb: KB) -> None:
    html, _ = fetch(client, "/search/?q=++")
    assert "Type a few words in the search box" in html


def test_a_search_that_finds_nothing_says_so(client: Any, kb: KB) -> None:
    html, _ = fetch(client, "/search/?q=zzzyx")
    assert "No question matches" in html


def test_search_without_the_trailing_slash_is_redirected(client: Any, kb: KB) -> None:
    response = client.get("/search?q=pain")
    assert response.status_code == 301 and response["Location"] == "/search/?q=pain"


# --- category ------------------------------------------------------------------------------

def test_a_category_page_is_paginated_and_keeps_its_order(
        client: Any, kb: KB, settings: Any) -> None:
    settings.PAGE_SIZE = 3
    _, first = fetch(client, "/c/pregnancy/")
    html, second = fetch(client, "/c/pregnancy/?page=2")
    # Answered here first, then answered at a source; by title within each.
    published = list(
        Question.objects.filter(category__slug="pregnancy", status="published")
        .order_by("-has_answer", "title")
    )
    assert [t for a, t in first.links if a.get("class") == "title"] == [
        q.title for q in published[:3]]
    assert [t for a, t in second.links if a.get("class") == "title"] == [
        q.title for q in published[3:6]]
    assert second.link(rel="prev")[0] == "?page=1"
    assert second.link(rel="next")[0] == "?page=3"
    assert "Page 2 of 3" in html
    fetch(client, "/c/pregnancy/?page=4", status=404)
    fetch(client, "/c/pregnancy/?page=two", status=404)


def test_a_parent_category_lists_its_subcategories_and_their_questions(
        client: Any, kb: KB) -> None:
    html, page = fetch(client, "/c/pregnancy-and-womens-health/")
    assert "/c/pregnancy/" in page.hrefs() and "/c/womens-health/" in page.hrefs()
    assert kb.fibroids.title in html and kb.back_pain.title in html
    assert page.headings[0] == (1, "Pregnancy and women's health")


def test_a_category_page_has_breadcrumbs(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/c/pregnancy/")
    crumbs = html.split('aria-label="Breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert text_of(crumbs).replace(">", "").split() [:1] == ["Home"]
    assert "/c/pregnancy-and-womens-health/" in crumbs
    assert 'aria-current="page">Pregnancy<' in crumbs


def test_an_unknown_category_is_a_404(client: Any, kb: KB) -> None:
    fetch(client, "/c/no-such-thing/", status=404)


# --- topics A-Z ----------------------------------------------------------------------------

def test_the_topic_index_lists_every_topic_under_its_letter(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/topics/")
    b_section = html.split('id="letter-b"', 1)[1].split("</section>", 1)[0]
    assert "Back pain in pregnancy" in b_section and "(2)" in b_section
    assert "Dizziness" not in html  # only a draft is about it
    assert "#letter-b" in page.hrefs() and "#letter-q" not in page.hrefs()
    assert page.link(href="/topics/back-pain-in-pregnancy/")


def test_a_topic_page_lists_the_questions_about_it(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/topics/back-pain-in-pregnancy/")
    titles = [t for a, t in page.links if a.get("class") == "title"]
    assert titles == [kb.sleep_back_pain.title, kb.back_pain.title]
    assert page.headings[0] == (1, "Back pain in pregnancy")
    fetch(client, "/topics/no-such-topic/", status=404)


def test_a_large_topic_index_shows_one_letter_per_page(
        client: Any, kb: KB, monkeypatch: Any) -> None:
    monkeypatch.setattr(pages, "TOPICS_ON_ONE_PAGE", 3)
    html, page = fetch(client, "/topics/?letter=m")
    assert "Morning sickness" in html and "Back pain in pregnancy" not in html
    assert page.link(href="?letter=M", **{"aria-current": "page"})
    fetch(client, "/topics/?letter=q", status=404)


# --- the article page ----------------------------------------------------------------------

def test_the_article_title_is_the_question_and_the_question_text_follows(
        client: Any, kb: KB) -> None:
    html, page = fetch(client, kb.back_pain.get_absolute_url())
    assert f"<title>{kb.back_pain.title} — healthqa</title>" in html
    assert page.headings[0] == (1, kb.back_pain.title)
    assert "I am 14 weeks pregnant and my lower back aches by the evening. Why?" in html


def test_question_text_that_only_repeats_the_title_is_not_shown_twice(
        client: Any, db: None) -> None:
    # MedQuAD's question text is the raw title: "What is (are) Gout ?" under "What is Gout?".
    import_records([record("pages/gout", "What is (are) Gout ?", body="What is (are) Gout ?",
                           focus="Gout", answers=(answer("Gout is arthritis."),))])
    html, page = fetch(client, "/q/what-is-gout/")
    assert page.headings[0] == (1, "What is Gout?")
    assert '<div class="question-text">' not in html and "(are)" not in html


def test_each_answer_is_its_own_block_with_its_author_and_credentials(
        client: Any, kb: KB) -> None:
    html, page = fetch(client, kb.back_pain.get_absolute_url())
    blocks = re.findall(r'<section class="answer" id="answer-(\d)".*?</section>', html, re.S)
    assert blocks == ["1", "2", "3"]
    answers = html.split('id="answers-title"', 1)[1]
    for name, credentials in (("Dr. Ana Demo", "MD, obstetrics (demo expert)"),
                              ("Sam Demo", "RN, midwife (demo expert)"),
                              ("Lee Demo", "Physiotherapist (demo expert)")):
        assert (3, name) in page.headings
        assert credentials in answers
    assert "<li>a firm mattress</li>" in answers  # the answer's Markdown, rendered


def test_the_article_shows_its_source_licence_and_review_date(client: Any, kb: KB) -> None:
    html, page = fetch(client, kb.back_pain.get_absolute_url())
    assert page.link(href="https://example.org/demo")[1] == "healthqa demo content"
    assert page.link(rel="license")[1] == "CC BY 4.0"
    assert '<time datetime="2025-03-04">4 March 2025</time>' in html


def test_an_article_never_reviewed_says_so(client: Any, kb: KB) -> None:
    html, _ = fetch(client, kb.exercise.get_absolute_url())
    assert "Not yet reviewed" in html


def test_previous_and_next_stay_in_the_category_and_follow_title_order(
        client: Any, kb: KB) -> None:
    _, page = fetch(client, kb.back_pain.get_absolute_url())
    # "When is chest pain..." (another category) and "Why do I feel dizzy..." (a draft)
    # sort between the two neighbours and must be skipped.
    assert page.link(rel="prev") == (kb.pre_eclampsia.get_absolute_url(),
                                      f"« Previous: {kb.pre_eclampsia.title}")
    assert page.link(rel="next") == (kb.ankles.get_absolute_url(),
                                     f"Next: » {kb.ankles.title}")


def test_the_first_and_last_articles_of_a_category_have_one_neighbour(
        client: Any, kb: KB) -> None:
    _, first = fetch(client, kb.exercise.get_absolute_url())
    _, last = fetch(client, kb.ankles.get_absolute_url())
    assert not [a for a, _ in first.links if a.get("rel") == "prev"]
    assert first.link(rel="next")[0] == kb.morning_sickness.get_absolute_url()
    assert not [a for a, _ in last.links if a.get("rel") == "next"]


def test_recommended_questions_show_titles_and_excerpts_cut_with_an_ellipsis(
        client: Any, kb: KB) -> None:
    html, page = fetch(client, kb.back_pain.get_absolute_url())
    related = html.split('id="related-title"', 1)[1]
    items = re.findall(r'<a class="title" href="([^"]+)">([^<]+)</a><p>([^<]+)</p>', related)
    assert items, related
    # The other question about the same topic comes first; the draft never appears.
    assert items[0][1] == kb.sleep_back_pain.title
    assert kb.dizzy_draft.title not in related
    assert kb.back_pain.title not in [title for _, title, _ in items]
    for _, _, excerpt in items:
        assert excerpt.endswith("…") and not excerpt.endswith(" …")


def test_breadcrumbs_lead_home_then_down_the_category_path(client: Any, kb: KB) -> None:
    html, page = fetch(client, kb.back_pain.get_absolute_url())
    crumbs = html.split('aria-label="Breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="([^"]+)"', crumbs) == [
        "/", "/c/pregnancy-and-womens-health/", "/c/pregnancy/"]
    [data] = page.json_ld
    trail = next(g for g in data["@graph"] if g["@type"] == "BreadcrumbList")
    assert [i["name"] for i in trail["itemListElement"]] == [
        "Home", "Pregnancy and women's health", "Pregnancy", kb.back_pain.title]
    assert trail["itemListElement"][2]["item"] == "http://testserver/c/pregnancy/"


def test_the_article_carries_a_qapage_with_every_answer(client: Any, kb: KB) -> None:
    _, page = fetch(client, kb.back_pain.get_absolute_url())
    [data] = page.json_ld
    qa = next(g for g in data["@graph"] if g["@type"] == "QAPage")
    question = qa["mainEntity"]
    assert question["name"] == kb.back_pain.title and question["answerCount"] == 3
    authors = [a["author"] for a in question["suggestedAnswer"]]
    assert authors[0] == {"@type": "Person", "name": "Dr. Ana Demo",
                          "description": "MD, obstetrics (demo expert)"}
    assert question["suggestedAnswer"][1]["text"].startswith("Try these:")
    assert "<" not in question["suggestedAnswer"][1]["text"]


def test_the_article_has_a_disclaimer_and_demo_content_is_labelled(client: Any, kb: KB) -> None:
    html, _ = fetch(client, kb.back_pain.get_absolute_url())
    assert "Demo content — not medical advice" in html
    assert "not medical advice. Talk to a doctor" in html
    html, _ = fetch(client, kb.chest_pain.get_absolute_url())
    assert "Demo content" not in html
    assert "not medical advice. Talk to a doctor" in html


def test_a_question_whose_answer_was_removed_sends_the_reader_to_the_source(
        client: Any, kb: KB) -> None:
    html, page = fetch(client, kb.placenta_previa.get_absolute_url())
    block = html.split('class="at-source"', 1)[1].split("</section>", 1)[0]
    assert "Answer at the source" in block
    assert page.link(**{"class": "button"}) == (
        kb.placenta_previa.source_url,
        "Read the answer at Genetic and Rare Diseases Information Center (GARD)")
    assert 'id="answers-title"' not in html


def test_an_answer_by_an_organisation_is_credited_to_it(client: Any, db: None) -> None:
    import_records([record("pages/org", "What is gout?", source=NIH, is_demo=False,
                           answers=(AnswerRecord(body="Gout is arthritis.", source=NIH),))])
    _, page = fetch(client, "/q/what-is-gout/")
    assert (3, "Genetic and Rare Diseases Information Center (GARD)") in page.headings


def test_hostile_text_is_shown_as_text_never_as_markup(client: Any, db: None) -> None:
    hostile = "</script><script>alert(1)</script>"
    import_records([record(
        "pages/hostile",
        f"Is {hostile} safe?",
        body=f"My question {hostile} <img src=x onerror=alert(2)>",
        focus=f"Hostile {hostile}",
        answers=(
            AnswerRecord(body=f"Fine. {hostile}<img src=x onerror=alert(3)>"
                              "<a href=\"javascript:alert(4)\">click</a>",
                         author=AuthorRecord(name=f"Dr {hostile}", credentials=hostile)),
        ),
    )])
    question = Question.objects.get(external_id="pages/hostile")
    html, page = fetch(client, question.get_absolute_url())
    assert "<script>alert" not in html
    assert "<img" not in html and "javascript:" not in html
    assert "onerror=alert(3)" not in html  # the sanitiser dropped the element entirely
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # title and names: escaped text
    # Only the JSON-LD script element and the site's own suggestions script exist, and the
    # JSON-LD still parses with the text inside.
    assert [a.get("type") or a.get("src") for t, a in page.tags if t == "script"] == [
        "application/ld+json", static("web/suggest.js")]
    [data] = page.json_ld
    assert data["@graph"][0]["mainEntity"]["name"] == question.title


def test_an_unknown_question_is_a_styled_404(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/q/no-such-question/", status=404)
    assert page.headings[0] == (1, "Page not found")
    assert 'class="site-header"' in html and "<footer" in html


def test_a_draft_question_is_not_published(client: Any, kb: KB) -> None:
    fetch(client, kb.dizzy_draft.get_absolute_url(), status=404)


def test_an_unknown_address_gets_the_styled_404(
        client: Any, kb: KB, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        html, page = fetch(client, "/no/such/page/", status=404)
    assert page.headings[0] == (1, "Page not found")
    assert "/topics/" in page.hrefs()


def test_the_500_page_is_styled_and_needs_no_database(django_assert_num_queries: Any) -> None:
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = errors.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in html and 'class="site-header"' in html


# --- cost ----------------------------------------------------------------------------------

# With every cache cold and no precomputed related questions yet (one query finds none,
# then the topic fallback); with them the page costs fewer. One of them reads the content
# generation, which the category tree and topic index are checked against (once a request),
# so that they are never older than the last write by any worker process.
ARTICLE_MAX_QUERIES = 10


def article_queries(client: Any, question: Question) -> int:
    selectors.category_tree_clear()  # the worst case: every cache cold
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(question.get_absolute_url()).status_code == 200
    return len(ctx.captured_queries)


def test_an_article_page_costs_a_small_constant_number_of_queries(
        client: Any, many_questions: Any, django_assert_max_num_queries: Any) -> None:
    many_questions(30, prefix="lots", answers=1)
    lead = Question.objects.get(external_id="pages/lots-011")
    with_one_answer = article_queries(client, lead)
    many_questions(30, prefix="lots", answers=8)  # the same questions, now with 8 answers each
    with_eight_answers = article_queries(client, lead)
    assert with_one_answer == with_eight_answers <= ARTICLE_MAX_QUERIES
    selectors.category_tree_clear()
    with django_assert_max_num_queries(ARTICLE_MAX_QUERIES):
        client.get(lead.get_absolute_url())


def test_an_article_answered_only_at_its_source_costs_no_more(client: Any, db: None) -> None:
    import_records([record(
        "pages/source-only", "What is placenta accreta?", focus="Placenta accreta",
        source=NIH, source_url="https://example.org/accreta", answers=())])
    question = Question.objects.get(external_id="pages/source-only")
    assert article_queries(client, question) <= ARTICLE_MAX_QUERIES


def test_related_questions_cost_no_more_however_many_topics_share_words(
        client: Any, db: None) -> None:
    lead = record("pages/lead", "What is a ganglion cyst?", focus="Ganglion cyst",
                  category_path=("Joints",))
    others = [
        record(f"pages/cyst-{i}", f"What is cyst type {i}?", focus=f"Cyst type {i}",
               category_path=("Joints",),
               answers=(answer(f"About cyst {i}."), answer("More.")))
        for i in range(40)
    ]
    import_records([lead])
    alone = article_queries(client, Question.objects.get(external_id="pages/lead"))
    import_records(others)
    crowded = article_queries(client, Question.objects.get(external_id="pages/lead"))
    # With nothing related by topic one more query fills from the category; never more.
    assert crowded <= alone <= ARTICLE_MAX_QUERIES
    _, page = fetch(client, Question.objects.get(external_id="pages/lead").get_absolute_url())
    titles = [a for a, _ in page.links if a.get("class") == "title"]
    assert len(titles) == search_selectors.RELATED_LIMIT


# --- related questions (the selector the article page uses) --------------------------------

def test_related_questions_prefer_topics_sharing_rare_words(db: None) -> None:
    import_records([
        record("r/lead", "What causes ovarian cysts?", focus="Ovarian cysts"),
        record("r/same", "How are ovarian cysts treated?", focus="Ovarian cysts"),
        record("r/near", "What is polycystic ovary syndrome?", focus="Ovarian cyst rupture"),
        record("r/far", "What is anaemia in pregnancy?", focus="Anaemia in pregnancy"),
        record("r/draft", "Are ovarian cysts cancer?", focus="Ovarian cysts", status="draft"),
        record("r/unanswered", "Can ovarian cysts come back?", focus="Ovarian cysts",
               answers=()),
    ])
    lead = Question.objects.get(external_id="r/lead")
    related = [q.external_id for q in search_selectors.question_related(question=lead)]
    assert related[:2] == ["r/same", "r/near"]
    assert "r/far" in related  # the category fills what the topics leave
    assert "r/draft" not in related and "r/unanswered" not in related


def test_related_questions_show_one_question_per_other_topic(db: None) -> None:
    import_records([
        record("r/lead", "What is anaemia?", focus="Anaemia"),
        *[record(f"r/iron-{i}", f"Iron deficiency anaemia question {i}?",
                 focus="Iron deficiency anaemia", question_type=t)
          for i, t in enumerate(["symptoms", "information", "treatment"])],
    ])
    lead = Question.objects.get(external_id="r/lead")
    related = search_selectors.question_related(question=lead)
    assert [q.external_id for q in related] == ["r/iron-1"]  # the overview question


def test_every_topic_slug_resolves_to_its_questions(db: None) -> None:
    import_records([
        record("t/1", "What is Ménière's disease?", focus="Ménière's disease"),
        record("t/2", "What causes Meniere's disease?", focus="Meniere's disease"),
        record("t/3", "What is 22q11 deletion?", focus="22q11 deletion"),
    ])
    index = search_selectors.topic_index()
    assert [(t.letter, t.slug, t.question_count) for t in index.topics] == [
        ("M", "menieres-disease", 2), ("#", "22q11-deletion", 1)]
    topic = search_selectors.topic_get(slug="menieres-disease")
    assert topic is not None
    assert {q.external_id for q in search_selectors.topic_questions(topic=topic)} == {"t/1", "t/2"}



def test_related_questions_never_repeat_a_title(db: None) -> None:
    # MedQuAD asks "What is Gout?" once per source; a reader should see it once.
    sources = [NIH, *(replace(NIH, key=f"S{i}", name=f"Source {i}") for i in range(3))]
    import_records([
        record("d/lead", "What causes gout?", focus="Gout", source=NIH),
        *[record(f"d/what-{i}", "What is gout?", focus="Gout", source=s)
          for i, s in enumerate(sources)],
        record("d/treat", "How is gout treated?", focus="Gout"),
        record("d/copy", "What causes gout?", focus="Gout", source=sources[1]),
    ])
    lead = Question.objects.get(external_id="d/lead")
    titles = [q.title for q in search_selectors.question_related(question=lead)]
    assert sorted(titles) == ["How is gout treated?", "What is gout?"]


def test_related_questions_are_found_through_the_focus_index(db: None) -> None:
    # Without ANALYZE statistics SQLite once preferred the status index and read every
    # published question (46 ms a page on MedQuAD); the query must use the focus index.
    import_records([record("p/lead", "What is gout?", focus="Gout"),
                    record("p/other", "What causes gout?", focus="Gout")])
    lead = Question.objects.get(external_id="p/lead")
    with CaptureQueriesContext(connection) as ctx:
        search_selectors.question_related(question=lead)
    by_topic = next(q["sql"] for q in ctx.captured_queries if "focus_rank" in q["sql"])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two rows: any plan would do, so the question is whether the index can serve it.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {by_topic}")
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert re.search(r"Index\w* Scan using kb_question_focus\w*", plan), plan
            return
        cursor.execute(f"EXPLAIN QUERY PLAN {by_topic}")
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert re.search(r"USING INDEX kb_question_focus\w*", plan), plan


def test_the_sitemap_lists_published_questions_and_categories_only(client: Any, kb: KB) -> None:
    index = client.get("/sitemap.xml")
    assert index.status_code == 200 and "max-age=3600" in index["Cache-Control"]
    sections = re.findall(r"<loc>http://testserver(/sitemap-\w+\.xml)</loc>",
                          index.content.decode())
    assert sorted(sections) == ["/sitemap-categories.xml", "/sitemap-pages.xml",
                                "/sitemap-questions.xml"]
    questions = client.get("/sitemap-questions.xml").content.decode()
    assert f"<loc>http://testserver{kb.back_pain.get_absolute_url()}</loc>" in questions
    assert kb.dizzy_draft.slug not in questions
    assert questions.count("<url>") == Question.objects.filter(status="published").count()
    categories = client.get("/sitemap-categories.xml").content.decode()
    assert "http://testserver/c/pregnancy/" in categories
