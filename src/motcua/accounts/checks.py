"""`manage.py check --deploy`: what Django cannot know about this project's production."""

from django.conf import settings
from django.core import checks

from motcua.core.deploy import secret_key_problem


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    problem = secret_key_problem()
    if problem is None:
        return []
    return [checks.Error(problem, id="motcua.E001")]


@checks.register(checks.Tags.security, deploy=True)
def check_second_factor(app_configs, **kwargs):
    if settings.MOTCUA_REQUIRE_2FA:
        return []
    return [
        checks.Warning(
            "MOTCUA_REQUIRE_2FA is off: officers and administrators can log in with a "
            "password alone.",
            hint="Unset MOTCUA_REQUIRE_2FA (on by default when DEBUG is off).",
            id="motcua.W001",
        )
    ]
