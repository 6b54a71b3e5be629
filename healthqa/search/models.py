"""What the search index stores in the database beside the knowledge base."""

from __future__ import annotations

from django.db import models

from healthqa.kb.models import Question


class QuestionVector(models.Model):
    """The sentence embedding of one question (float32 bytes, L2-normalised)."""

    question = models.OneToOneField(
        Question, primary_key=True, on_delete=models.CASCADE, related_name="vector"
    )
    vector = models.BinaryField()
    content_hash = models.CharField(max_length=64, help_text="What the vector was computed from.")

    def __str__(self) -> str:
        return f"vector of question {self.question_id}"


class IndexMeta(models.Model):
    """How the index was built (model, dimension, version): checked before it is used."""

    key = models.CharField(max_length=80, primary_key=True)
    value = models.CharField(max_length=400)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class RelatedQuestion(models.Model):
    """Precomputed "Recommended" questions, refreshed when content changes."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="related_rows")
    related = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()

    class Meta:
        ordering = ["question", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["question", "rank"], name="related_unique_rank")
        ]

    def __str__(self) -> str:
        return f"{self.question_id} -> {self.related_id} (#{self.rank})"


class VectorChange(models.Model):
    """A question whose vector or filters changed since processes loaded the vectors.

    Each process holds all vectors in memory. After a few questions change (an answer
    approved, a question published or merged), a process reads just those rows again instead
    of every vector: it keeps the highest id it has applied. A bulk change starts a new index
    generation instead (a full reload) and empties this log.
    """

    question_id = models.BigIntegerField()  # no foreign key: deleted questions are logged too

    def __str__(self) -> str:
        return f"change #{self.pk}: question {self.question_id}"
