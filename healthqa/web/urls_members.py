"""URLs of the members pages (included in namespace "web")."""

from django.urls import path

from healthqa.web.views import members

urlpatterns = [
    path("ask/send/", members.send_question, name="send-question"),
    path("me/questions/", members.my_questions, name="my-questions"),
    path("q/<slug:slug>/follow/", members.follow, name="follow"),
    path("q/<slug:slug>/flag/", members.flag, name="flag"),
    path("a/<int:answer_id>/helpful/", members.helpful, name="helpful"),
]
