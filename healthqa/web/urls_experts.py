"""URLs of the experts pages (included in namespace "web")."""

from django.urls import path

from healthqa.web.views import experts

urlpatterns = [
    path("experts/", experts.experts_home, name="experts"),
    path("experts/apply/", experts.expert_apply, name="expert-apply"),
    path("experts/answer/<slug:slug>/", experts.answer_write, name="answer"),
    path("a/<int:answer_id>/agree/", experts.answer_agree, name="agree"),
]
