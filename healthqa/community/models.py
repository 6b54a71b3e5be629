"""Members, experts and editors at work: questions sent to the experts, answers waiting for
review, agreements, helpful marks, flags, follows, notifications and API tokens.

What is public lives in the knowledge base (kb): a question an editor publishes becomes a
kb Question, an answer an editor approves becomes a kb Answer. What is here is the work in
progress around them, which no page shows to the public.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from healthqa.kb.models import Answer, Author, Category, Question

USER = settings.AUTH_USER_MODEL


class Profile(models.Model):
    """A member's public name and, for an expert, the credentials an editor verified."""

    class Expert(models.TextChoices):
        NONE = "none", "Not an expert"
        APPLIED = "applied", "Applied, waiting for verification"
        VERIFIED = "verified", "Verified expert"
        DECLINED = "declined", "Not verified"

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=160)
    profession = models.CharField(max_length=120, blank=True,
                                  help_text="e.g. Obstetrician, Registered nurse")
    speciality = models.CharField(max_length=120, blank=True,
                                  help_text="e.g. Maternal-fetal medicine")
    # What the editor checks and the public never sees: a licence or registration number.
    registration = models.CharField(max_length=120, blank=True)
    # Categories whose open questions the expert is shown first.
    categories = models.ManyToManyField(Category, blank=True, related_name="experts")
    expert = models.CharField(max_length=12, choices=Expert.choices, default=Expert.NONE)
    verified_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    # The public identity answers and reviews are attributed to (kb Author).
    author = models.OneToOneField(Author, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="profile")

    class Meta:
        permissions = [("verify_expert", "Can verify an expert's credentials")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def credentials(self) -> str:
        """As shown under an expert's name: "Obstetrician · Maternal-fetal medicine"."""
        return " · ".join(part for part in (self.profession, self.speciality) if part)


class Submission(models.Model):
    """A member's question sent to the experts, from the moment it is sent."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for an editor"
        REJECTED = "rejected", "Not published"
        OPEN = "open", "Published, waiting for an expert's answer"
        ANSWERED = "answered", "Answered"
        MERGED = "merged", "Already answered: joined to an existing question"

    member = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="submissions")
    title = models.CharField(max_length=300)
    body = models.TextField()
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    focus = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING,
                             db_index=True)
    reason = models.TextField(blank=True, help_text="Why it was not published (the member "
                                                    "sees this).")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="submissions")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [
            ("send_question", "Can send a question to the experts"),
            ("moderate_submission", "Can publish, edit, merge or reject sent questions"),
        ]

    def __str__(self) -> str:
        return self.title


class ExpertAnswer(models.Model):
    """An expert's answer (or new text for it) on its way through review."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Returned by the editor"

    question = models.ForeignKey(Question, on_delete=models.CASCADE,
                                 related_name="expert_answers")
    expert = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="expert_answers")
    body = models.TextField(help_text="Markdown; sanitised when rendered.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING,
                             db_index=True)
    reason = models.TextField(blank=True, help_text="Why it was returned (the expert sees "
                                                    "this).")
    # The published kb Answer, once approved; later edits wait for review while it stays.
    answer = models.OneToOneField(Answer, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="expert_answer")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [
            ("answer_question", "Can answer open questions as an expert"),
            ("agree_answer", "Can agree with another expert's answer"),
            ("review_answer", "Can review and publish experts' answers"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["question", "expert"],
                                    name="one_answer_per_expert")
        ]

    def __str__(self) -> str:
        return f"{self.expert} on {self.question_id}"


class Follow(models.Model):
    """A member hears when a question they follow is answered."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="follows")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="follow_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.question_id}"


class Notification(models.Model):
    """What a member is told on the site (and by e-mail when e-mail is set up)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True, help_text="A path on this site.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.message


class HelpfulMark(models.Model):
    """One member found one answer helpful (one mark per member per answer)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="helpful_marks")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="helpful_marks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("mark_helpful", "Can mark an answer helpful")]
        constraints = [
            models.UniqueConstraint(fields=["user", "answer"], name="helpful_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} found answer {self.answer_id} helpful"


class Flag(models.Model):
    """Content a member or expert reported to the editors."""

    class Reason(models.TextChoices):
        INACCURATE = "inaccurate", "Inaccurate or out of date"
        HARMFUL = "harmful", "Could cause harm"
        PERSONAL = "personal", "Contains personal details"
        SPAM = "spam", "Spam or advertising"
        OTHER = "other", "Something else"

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="flags")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="flags")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="flags")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [
            ("flag_content", "Can flag content for the editors"),
            ("handle_flag", "Can resolve flags"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.question_id}"


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="The token's first characters, to "
                                                       "tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
