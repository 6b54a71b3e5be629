from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "healthqa.search"
    label = "search"
    verbose_name = "Search index"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Deleting a question anywhere (admin, shell, cascade) must take it out of the lexical
        # index and out of every process's in-memory vectors: no service owns deletes.
        from django.db.models.signals import post_delete, pre_delete

        from healthqa.kb.models import Question
        from healthqa.search.indexing import question_post_delete, question_pre_delete

        pre_delete.connect(question_pre_delete, sender=Question,
                           dispatch_uid="search-question-pre-delete")
        post_delete.connect(question_post_delete, sender=Question,
                            dispatch_uid="search-question-post-delete")
