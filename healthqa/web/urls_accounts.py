"""URLs of the accounts pages (included in namespace "web")."""

from django.urls import path

from healthqa.web.views import accounts

urlpatterns = [
    path("accounts/", accounts.account, name="account"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/login/", accounts.login, name="login"),
    path("accounts/logout/", accounts.logout, name="logout"),
    path("accounts/notifications/", accounts.notifications, name="notifications"),
    path("accounts/password/reset/", accounts.password_reset, name="password-reset"),
    path("accounts/password/reset/sent/", accounts.password_reset_done,
         name="password-reset-done"),
    path("accounts/password/reset/complete/", accounts.password_reset_complete,
         name="password-reset-complete"),
    path("accounts/password/reset/<uidb64>/<token>/", accounts.password_reset_confirm,
         name="password-reset-confirm"),
]
