"""How search keeps up with the knowledge base: receivers of kb's signals and Django's."""

from __future__ import annotations

from collections.abc import Iterable

from healthqa.kb.models import Question


def questions_changed(sender: type, question_ids: Iterable[int], bulk: bool = False,
                      **kwargs: object) -> None:
    """Index changed questions in their write's transaction: never a question without its
    lexical row. In a bulk import, related lists wait for its end."""
    from healthqa.search.indexing import search_index_update

    search_index_update(question_ids=question_ids, related=not bulk)


def read_caches_cleared(sender: type, **kwargs: object) -> None:
    """The content's cached reads were dropped: so is the topic index built on them."""
    from healthqa.search.selectors import topic_index_clear

    topic_index_clear()


def question_pre_delete(sender: type, instance: Question, **kwargs: object) -> None:
    """Note which related lists name the question, before they cascade."""
    from healthqa.search.models import RelatedQuestion

    instance._related_listing = set(  # type: ignore[attr-defined]
        RelatedQuestion.objects.filter(related_id=instance.pk).values_list(
            "question_id", flat=True)
    )


def question_post_delete(sender: type, instance: Question, **kwargs: object) -> None:
    """A question was deleted (admin, shell): take it out of the index."""
    from healthqa.search.indexing import search_index_remove

    search_index_remove(question_ids=[instance.pk],
                        listing=getattr(instance, "_related_listing", ()))
