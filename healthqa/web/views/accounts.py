"""Accounts: signing up, in and out, resetting a password, the account page (name, e-mail,
API tokens) and notifications.

Signing in is Django's own view: django-axes (settings.AXES_*) locks a username and address
out after repeated failures, and the "login" rate limit counts every attempt. Sign-up and the
password reset count against their own rates (healthqa.web.limits).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods

from healthqa.community import accounts, notify
from healthqa.community.actions import InvalidInput, NotAllowed
from healthqa.community.roles import user_role
from healthqa.web.limits import rate_limit
from healthqa.web.permissions import action_required, forbidden
from healthqa.web.views.caching import typed_text_page
from healthqa.web.views.public_forms import (
    HONEYPOT_MESSAGE,
    field_error,
    honeypot_filled,
    next_url,
    with_links,
)

# Names the services give InvalidInput.field -> the form fields they are about.
SIGNUP_FIELDS = {"username": "username", "email": "email", "display name": "display_name",
                 "password": "password1"}
ACCOUNT_FIELDS = {"display name": "display_name", "email": "email"}
# A new member signs in with the model backend (axes's backend only refuses, never accepts).
SIGNIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _me(request: HttpRequest) -> User:
    """The signed-in account (action_required let only those through)."""
    return cast(User, request.user)


@require_http_methods(["GET", "HEAD", "POST"])
@typed_text_page
@rate_limit("signup")
def signup(request: HttpRequest) -> HttpResponse:
    """A new member: username, an optional e-mail address (for notifications and password
    resets), the name shown on the site, and a password typed twice; then signed in."""
    if not settings.SIGNUP_OPEN:
        return render(request, "web/account/signup_closed.html", status=404)
    if request.user.is_authenticated:
        return redirect(next_url(request, reverse("web:my-questions")))
    values = {name: request.POST.get(name, "") for name in ("username", "email", "display_name")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if honeypot_filled(request):
            errors["form"] = HONEYPOT_MESSAGE
        elif request.POST.get("password1", "") != request.POST.get("password2", ""):
            errors["password2"] = "The two passwords differ: type the same password twice."
        else:
            try:
                user = accounts.user_create(
                    username=values["username"], password=request.POST.get("password1", ""),
                    email=values["email"], display_name=values["display_name"])
            except InvalidInput as exc:
                field_error(errors, exc, SIGNUP_FIELDS)
            else:
                auth_login(request, user, backend=SIGNIN_BACKEND)
                messages.success(request, f"Welcome, {accounts.profile_get(user=user)}: "
                                          f"your account is ready and you are signed in.")
                return redirect(next_url(request, reverse("web:my-questions")))
    return render(request, "web/account/signup.html", {
        "values": values, "errors": errors, "next": next_url(request, ""),
    }, status=400 if errors else 200)


class SignIn(auth_views.LoginView):
    """Django's sign-in page with ours as its template."""

    template_name = "web/account/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "signup_open": settings.SIGNUP_OPEN}

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class SignOut(auth_views.LogoutView):
    """Django's sign-out (POST only), back to the home page."""


class PasswordReset(auth_views.PasswordResetView):
    """Ask for a reset link by e-mail: the page says the same whether or not an account has
    that address, so it tells no one which addresses have accounts."""

    template_name = "web/account/password_reset.html"
    email_template_name = "web/account/password_reset_email.txt"
    subject_template_name = "web/account/password_reset_subject.txt"
    success_url = reverse_lazy("web:password-reset-done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # Links in e-mails use the site's public address, as notifications do.
        self.extra_email_context = {"site_url": settings.HEALTHQA_SITE_URL.rstrip("/"),
                                    "site_title": settings.SITE_NAME}
        return super().form_valid(form)


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "web/account/password_reset_done.html"


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "web/account/password_reset_confirm.html"
    success_url = reverse_lazy("web:password-reset-complete")


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "web/account/password_reset_complete.html"


# Class-based views answer HttpResponseBase; these two answer pages (HttpResponse).
_View = Callable[..., HttpResponse]
login = typed_text_page(rate_limit("login")(cast(_View, SignIn.as_view())))
logout = SignOut.as_view()
password_reset = typed_text_page(rate_limit("password_reset")(
    cast(_View, PasswordReset.as_view())))
password_reset_done = typed_text_page(PasswordResetDone.as_view())
password_reset_confirm = typed_text_page(PasswordResetConfirm.as_view())
password_reset_complete = typed_text_page(PasswordResetComplete.as_view())


@require_http_methods(["GET", "HEAD", "POST"])
@typed_text_page
@action_required("account")
def account(request: HttpRequest) -> HttpResponse:
    """The account page: the name shown and the e-mail address; personal API tokens, listed
    by their first characters, revoked one by one or all, and a new one shown once."""
    me = _me(request)
    profile = accounts.profile_get(user=me)
    values = {"display_name": profile.display_name, "email": me.email}
    errors: dict[str, str] = {}
    new_token = ""
    if request.method == "POST":
        do = request.POST.get("do", "")
        try:
            if do == "profile":
                values = {name: request.POST.get(name, "") for name in values}
                accounts.account_update(user=me, display_name=values["display_name"],
                                        email=values["email"])
                messages.success(request, "Your account is saved.")
                return redirect("web:account")
            if do == "token_new":
                # Shown on this response only (no redirect): it is stored as a digest.
                new_token = accounts.token_issue(user=me)
            elif do == "token_revoke":
                token_id = request.POST.get("token", "")
                if not token_id.isdigit() or not accounts.token_revoke(
                        user=me, token_id=int(token_id)):
                    raise InvalidInput("tokens", "that token is not one of yours, or it was "
                                                 "already revoked")
                messages.success(request, "The token is revoked: it no longer works.")
                return redirect("web:account")
            elif do == "tokens_revoke":
                count = accounts.tokens_revoke(user=me)
                messages.success(request, f"{count} token{'s' if count != 1 else ''} revoked.")
                return redirect("web:account")
            else:
                raise InvalidInput("form", "choose what to do with one of the buttons")
        except InvalidInput as exc:
            field_error(errors, exc, {**ACCOUNT_FIELDS, "tokens": "tokens"})
        except NotAllowed as exc:
            return forbidden(request, f"Your account may not do this: {exc}.")
    return render(request, "web/account/account.html", {
        "profile": profile, "values": values, "errors": errors,
        "tokens": accounts.tokens_of(user=me), "new_token": new_token,
        "role": user_role(me),
    }, status=400 if errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@typed_text_page
@action_required("account")
def notifications(request: HttpRequest) -> HttpResponse:
    """What the site told the person, newest first; "mark all as read" clears the unread."""
    me = _me(request)
    if request.method == "POST":
        count = notify.notifications_mark_read(user=me)
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} "
                                  f"marked as read." if count else "Nothing was unread.")
        return redirect("web:notifications")
    return render(request, "web/account/notifications.html", {
        "notifications": with_links(notify.notifications_of(user=me)),
        "unread": notify.notifications_unread(user=me),
    })
