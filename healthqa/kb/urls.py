from django.urls import path

from healthqa.kb import views

app_name = "kb"
urlpatterns = [
    path("", views.home, name="home"),
    path("q/<slug:slug>/", views.question_detail, name="question"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
]
