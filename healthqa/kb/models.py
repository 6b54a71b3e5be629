"""The knowledge base: categories, questions, answers, authors, sources and tags."""

from __future__ import annotations

import reversion
from django.db import models
from django.urls import reverse

from healthqa.kb.urls_safe import http_url_validator


class Category(models.Model):
    """A topic; categories nest through `parent`."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("web:category", kwargs={"slug": self.slug})


class Source(models.Model):
    """An organisation content comes from, with the licence it is published under."""

    key = models.CharField(max_length=80, unique=True, help_text="Stable key, e.g. 'GARD'.")
    name = models.CharField(max_length=200)
    # Pages link to these: http(s) only (healthqa/kb/urls_safe.py).
    url = models.URLField(blank=True, validators=[http_url_validator])
    license_name = models.CharField(max_length=120, blank=True)
    license_url = models.URLField(blank=True, validators=[http_url_validator])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    """A person who writes answers, shown with their credentials."""

    slug = models.SlugField(max_length=140, unique=True)
    display_name = models.CharField(max_length=160)
    credentials = models.CharField(max_length=240, blank=True)
    bio = models.TextField(blank=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class Tag(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@reversion.register()
class Question(models.Model):
    """A health question with its ordered answers."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    external_id = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True, help_text="The question text.")
    focus = models.CharField(max_length=300, blank=True, db_index=True)
    focus_synonyms = models.JSONField(default=list, blank=True)
    question_type = models.CharField(max_length=80, default="information", db_index=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="questions")
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PUBLISHED, db_index=True
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="questions"
    )
    source_url = models.URLField(max_length=500, blank=True, validators=[http_url_validator])
    is_demo = models.BooleanField(default=False)
    has_answer = models.BooleanField(default=False, db_index=True)
    excerpt = models.CharField(
        max_length=400, blank=True, help_text="Start of the first answer, cut at a word."
    )
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_reviewed_at = models.DateField(null=True, blank=True)
    # When an answer was first published here (the category feeds list newly answered ones).
    answered_at = models.DateTimeField(null=True, blank=True)
    # A duplicate an editor merged into another question: its page redirects there for good.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )

    class Meta:
        ordering = ["title", "id"]
        permissions = [("merge_question", "Can merge a duplicate question into another")]
        indexes = [
            models.Index(fields=["category", "status", "title", "id"], name="q_cat_nav"),
            models.Index(fields=["status", "-published_at"], name="q_newest"),
            # The home page's newest questions whose answer is stored here (MedQuAD's newest
            # are thousands of drug pages answered only at their source).
            models.Index(fields=["status", "has_answer", "-published_at"],
                         name="q_newest_answered"),
            # The API lists all published questions by title: without it SQLite sorts them all.
            models.Index(fields=["status", "title", "id"], name="q_title"),
            models.Index(fields=["category", "status", "-answered_at"], name="q_cat_answered"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("web:question", kwargs={"slug": self.slug})


@reversion.register()
class Answer(models.Model):
    """One answer to a question, by an author or from a source organisation."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveIntegerField(default=1)
    class Format(models.TextChoices):
        MARKDOWN = "markdown", "Markdown"
        TEXT = "text", "Plain text"

    body = models.TextField(help_text="The answer as written; sanitised when rendered.")
    body_format = models.CharField(max_length=16, choices=Format.choices, default=Format.MARKDOWN)
    body_html = models.TextField(editable=False, help_text="Sanitised HTML rendered from body.")
    author = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    # "Medically reviewed by <reviewer> on <date>", and when it is due for review again.
    reviewed_by = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    reviewed_on = models.DateField(null=True, blank=True)
    next_review_on = models.DateField(null=True, blank=True, db_index=True)
    # Counts kept with the answer so an article page reads them without another query.
    agree_count = models.PositiveIntegerField(default=0, editable=False)
    helpful_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="answer_unique_position")
        ]

    def __str__(self) -> str:
        return f"Answer {self.position} to {self.question_id}"


class AnswerAgreement(models.Model):
    """An expert's "I agree" on another expert's published answer."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="agreements")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="agreements")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "author"], name="agreement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.author} agrees with answer {self.answer_id}"


class ContentMeta(models.Model):
    """Facts about the content as a whole, shared by every process through the database:
    `generation` is a token replaced by each write to what cached reads are built on (see
    healthqa.kb.generation)."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
