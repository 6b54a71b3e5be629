"""URLs of the public pages (namespace "web")."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.decorators.cache import cache_control

from healthqa.web.feeds import CategoryAnsweredFeed
from healthqa.web.sitemaps import SITEMAPS
from healthqa.web.views import ask, pages

sitemap_cache = cache_control(public=True, max_age=3600)

app_name = "web"
urlpatterns = [
    path("", pages.home, name="home"),
    path("search/", ask.search, name="search"),
    path("ask/", ask.ask, name="ask"),
    path("topics/", pages.topic_index, name="topics"),
    path("topics/<slug:slug>/", pages.topic_detail, name="topic"),
    path("q/<slug:slug>/", pages.question_detail, name="question"),
    path("c/<slug:slug>/", pages.category_detail, name="category"),
    path("c/<slug:slug>/feed/", CategoryAnsweredFeed(), name="category-feed"),
    path("", include("healthqa.web.urls_accounts")),
    path("", include("healthqa.web.urls_members")),
    path("", include("healthqa.web.urls_experts")),
    path("", include("healthqa.web.urls_editors")),
    path("sitemap.xml", sitemap_cache(sitemap_views.index),
         {"sitemaps": SITEMAPS, "sitemap_url_name": "web:sitemap-section"}, name="sitemap"),
    path("sitemap-<section>.xml", sitemap_cache(sitemap_views.sitemap),
         {"sitemaps": SITEMAPS}, name="sitemap-section"),
]
