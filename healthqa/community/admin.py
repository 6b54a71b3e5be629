"""The admin's view of the community's work in progress (admins do everything here)."""

from django.contrib import admin

from healthqa.community.models import (
    ApiToken,
    ExpertAnswer,
    Flag,
    Follow,
    HelpfulMark,
    Notification,
    Profile,
    Submission,
)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "profession", "speciality", "expert"]
    list_filter = ["expert"]
    search_fields = ["display_name", "user__username", "profession", "speciality"]
    raw_id_fields = ["user", "author", "verified_by"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["title", "member", "state", "created_at"]
    list_filter = ["state"]
    search_fields = ["title", "body"]
    raw_id_fields = ["member", "question", "decided_by", "category"]


@admin.register(ExpertAnswer)
class ExpertAnswerAdmin(admin.ModelAdmin):
    list_display = ["question", "expert", "state", "updated_at"]
    list_filter = ["state"]
    raw_id_fields = ["question", "expert", "answer", "reviewed_by"]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["question", "reason", "user", "created_at", "resolved_at"]
    list_filter = ["reason"]
    raw_id_fields = ["question", "answer", "user", "resolved_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "created_at", "last_used_at"]
    readonly_fields = ["digest", "prefix"]
    raw_id_fields = ["user"]


admin.site.register([Follow, HelpfulMark, Notification])
