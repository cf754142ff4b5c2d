from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "motcua.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from motcua.accounts import checks, twofactor  # noqa: F401 - registers the checks

        user_logged_in.connect(twofactor.on_login, dispatch_uid="motcua.accounts.on_login")
        # DRF's models are abstract unless its app is listed under its own name, so its
        # admin heading is renamed here instead of through an AppConfig subclass.
        from django.apps import apps

        if apps.is_installed("rest_framework.authtoken"):
            apps.get_app_config("authtoken").verbose_name = "Mã truy cập API"
