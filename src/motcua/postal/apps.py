from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PostalConfig(AppConfig):
    name = "motcua.postal"
    label = "postal"
    verbose_name = "Bưu chính công ích"

    def ready(self) -> None:
        # The outbox handler of "postal.create_order" in every process (the worker too),
        # and the rule that a parcel on its way keeps the desk from returning by hand.
        from motcua.dossiers import services as dossier_services
        from motcua.postal import handlers, selectors  # noqa: F401

        dossier_services.register_return_guard(selectors.parcel_travelling_message)
        post_migrate.connect(register_schedules, sender=self, weak=False)


def register_schedules(**kwargs) -> None:
    """Polling of the operator, for events a lost webhook call did not bring; does nothing
    until MOTCUA_POSTAL_URL is set (0 minutes: no schedule, `motcua postal poll` still works)."""
    from django.conf import settings

    from motcua.core import jobs

    if settings.MOTCUA_POSTAL_POLL_MINUTES > 0:
        jobs.schedule_every(
            "motcua.postal.services.scheduled_poll",
            settings.MOTCUA_POSTAL_POLL_MINUTES,
            "postal-poll",
        )
