from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "healthqa.kb"
    label = "kb"
    verbose_name = "Knowledge base"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The content generation is read once per request (healthqa.kb.generation); deleting
        # a question or a category anywhere (admin, shell, cascade) starts a new one, as the
        # services' writes do.
        from django.core import signals as core_signals
        from django.db.models.signals import post_delete

        from healthqa.kb import generation
        from healthqa.kb.models import Category, Question

        core_signals.request_started.connect(generation.request_started,
                                             dispatch_uid="kb-generation-request-started")
        core_signals.request_finished.connect(generation.request_finished,
                                              dispatch_uid="kb-generation-request-finished")
        for model in (Question, Category):
            post_delete.connect(generation.content_deleted, sender=model,
                                dispatch_uid=f"kb-generation-{model.__name__}-deleted")
