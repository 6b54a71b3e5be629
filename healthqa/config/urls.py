"""Top-level URL map: pages, the JSON API, admin."""

from django.contrib import admin
from django.urls import include, path

from healthqa.kb.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("healthqa.kb.urls")),
]

handler404 = "healthqa.kb.views.page_not_found"
handler500 = "healthqa.kb.views.server_error"
