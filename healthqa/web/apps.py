from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "healthqa.web"
    label = "web"
    verbose_name = "Pages and API"
