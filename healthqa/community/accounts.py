"""Accounts: creating them with a role, profiles, experts' verification and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from healthqa.community.actions import InvalidInput, NotAllowed, action_check
from healthqa.community.models import ApiToken, Profile
from healthqa.community.roles import ROLES
from healthqa.community.text import field_text
from healthqa.kb.models import Author, Category

TOKEN_PREFIX = "hqa_"


def _user_model() -> type[User]:
    return get_user_model()  # type: ignore[return-value]


def _email_clean(email: str) -> str:
    """An optional e-mail address, trimmed and checked ("" when none)."""
    email = field_text(email, field="email", limit=254, required=False)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput("email", "this is not an e-mail address (name@example.org)"
                               ) from None
    return email


def user_create(*, username: str, password: str, email: str = "", role: str = "member",
                display_name: str = "", profession: str = "", speciality: str = ""
                ) -> User:
    """A new account with its role and profile; InvalidInput says what to change."""
    if role not in ROLES:
        raise InvalidInput("role", f"role must be one of {', '.join(ROLES)}, not {role!r}")
    username = field_text(username, field="username", limit=150)
    if not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise InvalidInput("username", "use letters, digits, '.', '-' or '_' only")
    User = _user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput("username", f"the username {username!r} is taken")
    email = _email_clean(email)
    user = User(username=username, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput("password", " ".join(exc.messages)) from None
    user.set_password(password)
    with transaction.atomic():
        try:
            user.save()
        except IntegrityError:
            raise InvalidInput("username", f"the username {username!r} is taken") from None
        Profile.objects.create(
            user=user,
            display_name=field_text(display_name, field="display name", limit=160,
                                    required=False) or username,
            profession=field_text(profession, field="profession", limit=120, required=False),
            speciality=field_text(speciality, field="speciality", limit=120, required=False),
        )
        role_set(user=user, role=role)
    return user


def role_set(*, user: User, role: str) -> None:
    """Give `user` exactly `role` (member, expert, editor or admin)."""
    if role not in ROLES:
        raise InvalidInput("role", f"role must be one of {', '.join(ROLES)}, not {role!r}")
    user.is_superuser = role == "admin"
    user.is_staff = role in ("editor", "admin")
    user.save(update_fields=["is_superuser", "is_staff"])
    names = {"member": ["member"], "expert": ["member", "expert"],
             "editor": ["member", "editor"], "admin": ["member", "editor"]}[role]
    user.groups.set(Group.objects.filter(name__in=names))
    profile = profile_get(user=user)
    if role == "expert" and profile.expert != Profile.Expert.VERIFIED:
        profile.expert = Profile.Expert.VERIFIED
        profile.verified_at = timezone.now()
        profile.save(update_fields=["expert", "verified_at"])
    if role in ("expert", "editor", "admin"):
        author_for(user=user)
    # Django caches permissions on the user object.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


def profile_get(*, user: User) -> Profile:
    """The user's profile, made on first use (accounts made by `createsuperuser` have none)."""
    profile, _ = Profile.objects.get_or_create(user=user,
                                               defaults={"display_name": user.get_username()})
    return profile


def author_for(*, user: User) -> Author:
    """The public identity an expert's answers and an editor's reviews are attributed to."""
    profile = profile_get(user=user)
    if profile.author is None:
        base = slugify(profile.display_name)[:120] or "author"
        slug, n = base, 2
        while Author.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        profile.author = Author.objects.create(slug=slug, display_name=profile.display_name,
                                               credentials=profile.credentials)
        profile.save(update_fields=["author"])
    elif (profile.author.display_name, profile.author.credentials) != (
            profile.display_name, profile.credentials):
        profile.author.display_name = profile.display_name
        profile.author.credentials = profile.credentials
        profile.author.save(update_fields=["display_name", "credentials"])
    return profile.author


def expert_apply(*, user: User, display_name: str, profession: str, speciality: str,
                 registration: str, categories: Iterable[Category] = ()) -> Profile:
    """A member asks to be verified as an expert; an editor decides (expert_verify)."""
    action_check(user, "apply_expert")
    profile = profile_get(user=user)
    if profile.expert == Profile.Expert.VERIFIED:
        raise InvalidInput("expert", "you are already a verified expert")
    profile.display_name = field_text(display_name, field="name", limit=160)
    profile.profession = field_text(profession, field="profession", limit=120)
    profile.speciality = field_text(speciality, field="speciality", limit=120)
    profile.registration = field_text(registration, field="registration number", limit=120)
    profile.expert = Profile.Expert.APPLIED
    profile.save()
    profile.categories.set(list(categories))
    return profile


def expert_verify(*, editor: User, profile: Profile, accept: bool) -> Profile:
    """An editor verifies (or declines) an expert's application."""
    action_check(editor, "verify_expert")
    if profile.expert != Profile.Expert.APPLIED:
        raise InvalidInput("expert", "this account has no application waiting")
    if profile.user_id == editor.pk:
        raise NotAllowed("an editor may not verify their own application")
    with transaction.atomic():
        profile.verified_by = editor
        profile.verified_at = timezone.now()
        profile.expert = Profile.Expert.VERIFIED if accept else Profile.Expert.DECLINED
        profile.save(update_fields=["verified_by", "verified_at", "expert"])
        if accept:
            user = profile.user
            user.groups.add(Group.objects.get(name="expert"))
            author_for(user=user)
    return profile


def experts_applied() -> list[Profile]:
    """Applications waiting for an editor, oldest first."""
    return list(Profile.objects.filter(expert=Profile.Expert.APPLIED)
                .select_related("user").order_by("user__date_joined"))


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, user: User) -> str:
    """A new personal API token for `user` (shown once; only its digest is stored)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=_digest(raw), prefix=raw[:10])
    return raw


def token_user(*, raw: str) -> User | None:
    """The active user a token belongs to, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = ApiToken.objects.filter(digest=_digest(raw)).select_related("user").first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user  # type: ignore[return-value]


def tokens_revoke(*, user: User) -> int:
    """Revoke every token of `user`; how many there were."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def tokens_of(*, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (their prefixes only: the tokens are not stored)."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))


def token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of `user`'s own tokens; whether there was one."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def account_update(*, user: User, display_name: str, email: str) -> Profile:
    """A person changes the name shown for them and the address notifications go to.

    A verified expert's name is the one an editor checked against their registration, and
    their answers are signed with it: an editor changes it, not the expert.
    """
    action_check(user, "account")
    profile = profile_get(user=user)
    display_name = field_text(display_name, field="display name", limit=160)
    email = _email_clean(email)
    if (profile.expert == Profile.Expert.VERIFIED and display_name != profile.display_name):
        raise InvalidInput("display name", "your name as a verified expert was checked by an "
                                           "editor: ask an editor to change it")
    with transaction.atomic():
        user.email = email
        user.save(update_fields=["email"])
        profile.display_name = display_name
        profile.save(update_fields=["display_name"])
        if profile.author_id is not None:
            author_for(user=user)  # the public name on answers and reviews follows
    return profile
