from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "healthqa.search"
    label = "search"
    verbose_name = "Search index"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The knowledge base announces its changes; search listens (kb never imports search).
        # Deleting a question anywhere (admin, shell, cascade) must take it out of the lexical
        # index and out of every process's in-memory vectors: no service owns deletes.
        from django.db.models.signals import post_delete, pre_delete

        from healthqa.kb import signals
        from healthqa.kb.models import Question
        from healthqa.search import receivers

        signals.questions_changed.connect(receivers.questions_changed,
                                          dispatch_uid="search-questions-changed")
        signals.read_caches_cleared.connect(receivers.read_caches_cleared,
                                            dispatch_uid="search-read-caches-cleared")
        pre_delete.connect(receivers.question_pre_delete, sender=Question,
                           dispatch_uid="search-question-pre-delete")
        post_delete.connect(receivers.question_post_delete, sender=Question,
                            dispatch_uid="search-question-post-delete")
