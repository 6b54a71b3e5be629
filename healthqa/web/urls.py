"""The site's URL map (ROOT_URLCONF): the pages, the JSON API, the admin and the probes."""

from django.contrib import admin
from django.urls import include, path

from healthqa.web.api import api
from healthqa.web.views import health

urlpatterns = [
    # For load balancers and Prometheus, outside the pages' namespace (no trailing slash).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("healthqa.web.pages_urls")),
]

handler400 = "healthqa.web.views.errors.bad_request"
handler404 = "healthqa.web.views.errors.page_not_found"
handler500 = "healthqa.web.views.errors.server_error"
