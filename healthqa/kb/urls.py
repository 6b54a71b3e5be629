"""URLs of the public pages."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path
from django.views.decorators.cache import cache_control

from healthqa.kb import views
from healthqa.kb.sitemaps import SITEMAPS

sitemap_cache = cache_control(public=True, max_age=3600)

app_name = "kb"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("ask/", views.ask, name="ask"),
    path("topics/", views.topic_index, name="topics"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("q/<slug:slug>/", views.question_detail, name="question"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("sitemap.xml", sitemap_cache(sitemap_views.index),
         {"sitemaps": SITEMAPS, "sitemap_url_name": "kb:sitemap-section"}, name="sitemap"),
    path("sitemap-<section>.xml", sitemap_cache(sitemap_views.sitemap),
         {"sitemaps": SITEMAPS}, name="sitemap-section"),
]
