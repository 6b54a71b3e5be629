"""The roles, as Django groups with explicit permissions, kept in step with this table.

reader (anonymous) < member < expert; member < editor; admin is a superuser. A role's group
holds exactly the permissions listed here after every `migrate`, so the table is the truth.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, Permission, User

ROLES = ("member", "expert", "editor", "admin")

_MEMBER = (
    "community.send_question",
    "community.mark_helpful",
    "community.flag_content",
)
_EXPERT = (
    "community.answer_question",
    "community.agree_answer",
)
_EDITOR = (
    "community.moderate_submission",
    "community.review_answer",
    "community.verify_expert",
    "community.handle_flag",
    "kb.merge_question",
    # The knowledge base in the admin: questions, answers and categories.
    "kb.view_question", "kb.change_question",
    "kb.view_answer", "kb.change_answer",
    "kb.view_category", "kb.add_category", "kb.change_category",
    "kb.view_author", "kb.view_source", "kb.view_tag",
)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "member": _MEMBER,
    "expert": _MEMBER + _EXPERT,
    "editor": _MEMBER + _EDITOR,
}


def roles_sync() -> None:
    """Create each role's group and give it exactly the permissions in ROLE_PERMISSIONS."""
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for name in names:
            app_label, codename = name.split(".", 1)
            perms.append(Permission.objects.get(content_type__app_label=app_label,
                                                codename=codename))
        group.permissions.set(perms)


def roles_sync_after_migrate(sender: Any, **kwargs: Any) -> None:
    """post_migrate: permissions exist once every app migrated (kb's are created then too)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    # Permissions are created by another post_migrate receiver whose order against this one
    # is not guaranteed: create them first (it is idempotent).
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=kwargs.get("using", "default"))
    roles_sync()


def user_role(user: User | AnonymousUser) -> str:
    """The highest role a user has: reader, member, expert, editor or admin."""
    if not user.is_authenticated:
        return "reader"
    if user.is_superuser:
        return "admin"
    names = set(user.groups.values_list("name", flat=True))
    for role in ("editor", "expert", "member"):
        if role in names:
            return role
    return "member"
