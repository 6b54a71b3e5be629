"""Writes to the knowledge base. Views, API, admin, CLI and importers all go through here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import router, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from reversion.models import Revision, Version
from reversion.revisions import _get_options as reversion_options

from healthqa.kb.models import Answer, Author, Category, Question, Source, Tag
from healthqa.kb.records import AnswerRecord, AuthorRecord, QuestionRecord, SourceRecord
from healthqa.kb.signals import questions_changed
from healthqa.kb.text import excerpt, plain_text, question_slug, render_answer, tidy_title
from healthqa.kb.urls_safe import http_url_check

EXCERPT_CHARS = 220


@dataclass
class WriteCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: WriteCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


class _Lookups:
    """Per-batch caches of categories, sources, authors and tags, created on first use."""

    def __init__(self) -> None:
        self.categories: dict[tuple[str, ...], Category] = {}
        self.sources: dict[str, Source] = {}
        self.authors: dict[str, Author] = {}
        self.tags: dict[str, Tag] = {}

    def category(self, path: tuple[str, ...]) -> Category:
        if path in self.categories:
            return self.categories[path]
        parent = self.category(path[:-1]) if len(path) > 1 else None
        cat = category_get_or_create(name=path[-1], parent=parent)
        self.categories[path] = cat
        return cat

    def source(self, rec: SourceRecord) -> Source:
        if rec.key not in self.sources:
            self.sources[rec.key] = source_upsert(record=rec)
        return self.sources[rec.key]

    def author(self, rec: AuthorRecord) -> Author:
        key = slugify(f"{rec.name} {rec.credentials}")[:140] or "author"
        if key not in self.authors:
            author, _ = Author.objects.update_or_create(
                slug=key,
                defaults={
                    "display_name": rec.name,
                    "credentials": rec.credentials,
                    "is_demo": rec.is_demo,
                },
            )
            self.authors[key] = author
        return self.authors[key]

    def tag(self, name: str) -> Tag:
        key = slugify(name)[:100] or "tag"
        if key not in self.tags:
            self.tags[key], _ = Tag.objects.get_or_create(slug=key, defaults={"name": name})
        return self.tags[key]


def category_get_or_create(*, name: str, parent: Category | None) -> Category:
    """The category `name` under `parent`, created with a unique slug when missing."""
    found = Category.objects.filter(name=name, parent=parent).first()
    if found:
        return found
    base = slugify(name)[:120] or "category"
    slug, n = base, 2
    while Category.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return Category.objects.create(name=name, parent=parent, slug=slug)


def source_upsert(*, record: SourceRecord) -> Source:
    """Create or update a source organisation by its key; a link not http(s) is a ValueError."""
    # The parsers check links already; this is the last defence before a page links to them.
    url = http_url_check(record.url, field=f"source {record.key!r} url")
    license_url = http_url_check(record.license_url, field=f"source {record.key!r} license_url")
    source, _ = Source.objects.update_or_create(
        key=record.key,
        defaults={
            "name": record.name,
            "url": url,
            "license_name": record.license_name,
            "license_url": license_url,
        },
    )
    return source


def _answers_for(question: Question, records: Sequence[AnswerRecord], lookups: _Lookups
                 ) -> list[Answer]:
    answers = []
    for position, rec in enumerate(records, start=1):
        answers.append(
            Answer(
                question=question,
                position=position,
                body=rec.body,
                body_format=rec.body_format,
                body_html=render_answer(rec.body, rec.body_format),
                author=lookups.author(rec.author) if rec.author else None,
                source=lookups.source(rec.source) if rec.source else None,
            )
        )
    return answers


def _derived(record: QuestionRecord) -> dict[str, object]:
    """Fields computed from the record: excerpt and whether it has an answer."""
    first = next((a for a in record.answers if a.body.strip()), None)
    return {
        "has_answer": first is not None,
        "excerpt": excerpt(plain_text(first.body, first.body_format), EXCERPT_CHARS)
        if first
        else "",
    }


def _apply(question: Question, record: QuestionRecord, lookups: _Lookups, digest: str) -> None:
    # The last defence before a page links to it; the pipeline reports the ValueError per unit.
    source_url = http_url_check(record.source_url,
                                field=f"question {record.external_id!r} source_url")
    question.title = tidy_title(record.title)[:300]
    question.body = record.body or record.title
    question.focus = record.focus[:300]
    question.focus_synonyms = list(record.focus_synonyms)
    question.question_type = record.question_type or "information"
    question.category = lookups.category(record.category_path)
    question.status = record.status
    question.source = lookups.source(record.source) if record.source else None
    question.source_url = source_url
    question.is_demo = record.is_demo
    question.last_reviewed_at = record.last_reviewed
    question.content_hash = digest
    for name, value in _derived(record).items():
        setattr(question, name, value)
    if question.status == Question.Status.PUBLISHED and question.published_at is None:
        question.published_at = timezone.now()
    if question.has_answer and question.answered_at is None:
        question.answered_at = question.published_at or timezone.now()


def questions_import(*, records: Sequence[QuestionRecord], comment: str) -> WriteCounts:
    """Create or update questions by external id, in one transaction and one revision."""
    counts = WriteCounts()
    lookups = _Lookups()
    with transaction.atomic():
        existing = {
            q.external_id: q
            for q in Question.objects.filter(external_id__in=[r.external_id for r in records])
        }
        new: list[tuple[Question, QuestionRecord]] = []
        changed: list[tuple[Question, QuestionRecord]] = []
        seen: set[str] = set()
        for record in records:
            if record.external_id in seen:
                raise ValueError(f"external id {record.external_id!r} appears twice in one batch")
            seen.add(record.external_id)
            question = existing.get(record.external_id)
            digest = record.content_hash()  # once per record: hashing is a large part of a re-run
            if question is None:
                question = Question(external_id=record.external_id)
                _apply(question, record, lookups, digest)
                new.append((question, record))
            elif question.content_hash != digest:
                _apply(question, record, lookups, digest)
                changed.append((question, record))
            else:
                counts.unchanged += 1
        _assign_slugs([q for q, _ in new])
        Question.objects.bulk_create([q for q, _ in new], batch_size=500)
        for question, _ in changed:
            question.save()
        touched = new + changed
        Answer.objects.filter(question__in=[q for q, _ in changed]).delete()
        answers: list[Answer] = []
        for question, record in touched:
            answers.extend(_answers_for(question, record.answers, lookups))
        Answer.objects.bulk_create(answers, batch_size=500)
        tags = _set_tags(touched, lookups)
        for question, _ in touched:
            # Serialising a question for its revision reads its tags; hand them over instead of
            # one query per question (Django's serializer uses the prefetch cache).
            question._prefetched_objects_cache = {  # type: ignore[attr-defined]
                "tags": _tags_prefetched(tags[question.pk])
            }
        _revision_save(comment=comment, objects=[*(q for q, _ in touched), *answers])
        for question, _ in touched:
            del question._prefetched_objects_cache  # type: ignore[attr-defined]
        # Announced inside the transaction: what listeners write (the search index) commits
        # with the questions. Derived data across questions waits for the bulk run's end.
        questions_changed.send(sender=Question, question_ids=[q.pk for q, _ in touched],
                               bulk=True)
        counts.created, counts.updated = len(new), len(changed)
    return counts


def _assign_slugs(questions: list[Question]) -> None:
    bases = {q.external_id: question_slug(q.title, q.external_id, taken=False) for q in questions}
    taken = set(
        Question.objects.filter(slug__in=list(bases.values())).values_list("slug", flat=True)
    )
    for q in questions:
        base = bases[q.external_id]
        if base in taken:
            q.slug = question_slug(q.title, q.external_id, taken=True)
        else:
            q.slug = base
        taken.add(q.slug)


def _revision_save(*, comment: str, objects: Sequence[Model]) -> None:
    """One django-reversion revision with a version of each object, serialised in bulk.

    The rows are what `reversion.add_to_revision` would write (same format and fields), built
    without its per-object serializer calls, which were half the time of a MedQuAD import.
    """
    if not objects:
        return
    revision = Revision.objects.create(date_created=timezone.now(), comment=comment)
    versions: list[Version] = []
    for model in dict.fromkeys(type(obj) for obj in objects):
        group = [obj for obj in objects if type(obj) is model]
        options = reversion_options(model)
        content_type = ContentType.objects.get_for_model(
            model, for_concrete_model=options.for_concrete_model
        )
        data = serializers.serialize(
            "python", group, fields=options.fields,
            use_natural_foreign_keys=options.use_natural_foreign_keys,
        )
        for obj, item in zip(group, data, strict=True):
            versions.append(
                Version(
                    revision=revision,
                    content_type=content_type,
                    object_id=str(getattr(obj, options.object_id_field)),
                    db=router.db_for_write(model, instance=obj),
                    format=options.format,
                    serialized_data=json.dumps([item], cls=DjangoJSONEncoder)
                    if options.format == "json"
                    else serializers.serialize(options.format, [obj], fields=options.fields),
                    object_repr=str(obj),
                )
            )
    Version.objects.bulk_create(versions, batch_size=500)


def _tags_prefetched(tags: list[Tag]) -> QuerySet[Tag]:
    """A queryset already holding `tags`, as prefetch_related leaves it."""
    queryset = Tag.objects.none()
    queryset._result_cache = tags
    return queryset


def _set_tags(touched: list[tuple[Question, QuestionRecord]], lookups: _Lookups
              ) -> dict[int, list[Tag]]:
    through = Question.tags.through
    through.objects.filter(question__in=[q for q, _ in touched]).delete()
    rows = []
    tags: dict[int, list[Tag]] = {}
    for question, record in touched:
        unique = {tag.pk: tag for tag in (lookups.tag(name) for name in record.tags)}
        tags[question.pk] = list(unique.values())
        for tag_id in unique:
            rows.append(through(question_id=question.pk, tag_id=tag_id))
    through.objects.bulk_create(rows, batch_size=500)
    return tags


def question_refresh(*, question: Question) -> Question:
    """Recompute a question's derived fields after its answers were edited."""
    answers = list(question.answers.order_by("position", "id"))
    for answer in answers:
        html = render_answer(answer.body, answer.body_format)
        if html != answer.body_html:
            answer.body_html = html
            answer.save(update_fields=["body_html"])
    first = next((a for a in answers if a.body.strip()), None)
    question.has_answer = first is not None
    question.excerpt = (
        excerpt(plain_text(first.body, first.body_format), EXCERPT_CHARS) if first else ""
    )
    if question.status == Question.Status.PUBLISHED and question.published_at is None:
        question.published_at = timezone.now()
    if question.has_answer and question.answered_at is None:
        question.answered_at = timezone.now()
    question.save(update_fields=["has_answer", "excerpt", "published_at", "answered_at",
                                 "updated_at"])
    questions_changed.send(sender=Question, question_ids=[question.pk], bulk=False)
    return question
