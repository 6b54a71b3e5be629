"""URLs of the editors pages (included in namespace "web"), all under /editor/."""

from django.urls import path

from healthqa.web.views import editors

urlpatterns = [
    path("editor/", editors.editor_queue, name="editor-queue"),
    path("editor/submissions/<int:pk>/", editors.editor_submission, name="editor-submission"),
    path("editor/answers/<int:pk>/", editors.editor_answer, name="editor-answer"),
    path("editor/due/", editors.editor_due, name="editor-due"),
    path("editor/experts/", editors.editor_experts, name="editor-experts"),
    path("editor/flags/", editors.editor_flags, name="editor-flags"),
    path("editor/merge/", editors.editor_merge, name="editor-merge"),
]
