from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NotifyConfig(AppConfig):
    name = "motcua.notify"
    label = "notify"
    verbose_name = "Thông báo cho người dân và cán bộ"

    def ready(self) -> None:
        # Registers the outbox handlers "notify.dossier" and "notify.send" in every process.
        from motcua.notify import handlers  # noqa: F401

        post_migrate.connect(register_schedules, sender=self, weak=False)


def register_schedules(**kwargs) -> None:
    from django.conf import settings

    from motcua.core import jobs

    jobs.schedule_daily(
        "motcua.notify.jobs.overdue_digest",
        name="notify-digest",
        at=settings.MOTCUA_NOTIFY_DIGEST_AT,
    )
