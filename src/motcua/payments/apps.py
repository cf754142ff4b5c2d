from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PaymentsConfig(AppConfig):
    name = "motcua.payments"
    label = "payments"
    verbose_name = "Thanh toán phí, lệ phí"

    def ready(self) -> None:
        # Registers the outbox handler of "payments.cancel" in every process (the worker too).
        from motcua.payments import api, handlers  # noqa: F401

        # The dossier API's payment actions go through this app's services.
        api.register()

        post_migrate.connect(register_schedules, sender=self, weak=False)


def register_schedules(**kwargs) -> None:
    from django.conf import settings

    from motcua.core import jobs

    if settings.MOTCUA_PAYMENT_CHECK_MINUTES > 0:
        # Orders whose notification never came are asked about (payments-check).
        jobs.schedule_every(
            "motcua.payments.services.check_pending",
            settings.MOTCUA_PAYMENT_CHECK_MINUTES,
            "payments-check",
        )
    # The day's platform transactions against ours (payments-reconcile), once a day.
    jobs.schedule_every("motcua.payments.services.reconcile", 24 * 60, "payments-reconcile")
