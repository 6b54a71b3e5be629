"""The editors' admin: thin over the models, with revision history from django-reversion."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from reversion.admin import VersionAdmin

from healthqa.kb import services
from healthqa.kb.generation import content_changed
from healthqa.kb.models import Answer, Author, Category, Question, Source, Tag

# A link typed without a scheme ("medlineplus.gov/gout") is read as https, Django 6's default.
URL_FIELDS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"},
}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "slug", "position"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        content_changed()


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "license_name"]
    formfield_overrides = URL_FIELDS
    search_fields = ["name", "key"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["display_name", "credentials", "is_demo"]
    list_filter = ["is_demo"]
    search_fields = ["display_name", "credentials"]
    prepopulated_fields = {"slug": ["display_name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class AnswerInline(admin.StackedInline):
    model = Answer
    extra = 0
    fields = ["position", "body", "body_format", "author", "source"]
    autocomplete_fields = ["author", "source"]


@admin.register(Question)
class QuestionAdmin(VersionAdmin):
    list_display = ["title", "category", "status", "source", "has_answer", "last_reviewed_at"]
    list_filter = ["status", "has_answer", "source", "category", "is_demo"]
    list_select_related = ["category", "source"]
    search_fields = ["title", "focus", "external_id"]
    # Categories, tags and sources can be many (MedQuAD): search boxes, not long <select>s.
    autocomplete_fields = ["category", "tags", "source"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["has_answer", "excerpt", "created_at", "updated_at", "published_at"]
    inlines = [AnswerInline]
    formfield_overrides = URL_FIELDS
    fieldsets = [
        (None, {"fields": ["title", "slug", "body", "category", "status", "last_reviewed_at"]}),
        ("About", {"fields": ["focus", "focus_synonyms", "question_type", "tags", "is_demo"]}),
        ("Origin", {"fields": ["external_id", "source", "source_url"]}),
        ("Derived", {"fields": ["has_answer", "excerpt", "published_at", "created_at",
                                "updated_at"]}),
    ]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A question written in the admin gets a stable id of its own."""
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        initial.setdefault("external_id", f"local/{uuid.uuid4().hex[:12]}")
        return initial

    def save_related(self, request: HttpRequest, form: ModelForm[Question],
                     formsets: list[BaseInlineFormSet[Any, Any, Any]], change: bool) -> None:
        """After the answers are saved, recompute their HTML and the question's excerpt."""
        super().save_related(request, form, formsets, change)
        services.question_refresh(question=form.instance)
        content_changed()


@admin.register(Answer)
class AnswerAdmin(VersionAdmin):
    list_display = ["__str__", "question", "position", "author", "source", "updated_at"]
    list_select_related = ["question", "author", "source"]
    list_filter = ["source", "body_format"]
    search_fields = ["question__title", "author__display_name", "body"]
    autocomplete_fields = ["question", "author", "source"]
    fields = ["question", "position", "body", "body_format", "author", "source"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Answer]:
        return super().get_queryset(request).select_related(
            "question", "author", "source")

    def save_model(self, request: HttpRequest, obj: Answer, form: Any, change: bool) -> None:
        """Save, then keep the question's rendered answers and excerpt right."""
        super().save_model(request, obj, form, change)
        services.question_refresh(question=obj.question)

    def delete_model(self, request: HttpRequest, obj: Answer) -> None:
        question = obj.question
        super().delete_model(request, obj)
        services.question_refresh(question=question)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Answer]) -> None:
        questions = list(Question.objects.filter(answers__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for question in questions:
            services.question_refresh(question=question)
