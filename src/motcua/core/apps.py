from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "motcua.core"
    label = "core"
    verbose_name = "Lõi hệ thống"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from motcua.core.calendar import forget_cached_calendar
        from motcua.core.models import CalendarDay, CalendarYear

        def forget(**kwargs):
            forget_cached_calendar()

        for model in (CalendarDay, CalendarYear):
            post_save.connect(forget, sender=model, weak=False)
            post_delete.connect(forget, sender=model, weak=False)

        from motcua.core import anchors  # noqa: F401 - registers the audit.anchor outbox handler

        # The worker's schedules exist as soon as the database does: a production install
        # runs `migrate`, never `demo`, and must still deliver the outbox and anchor the audit.
        post_migrate.connect(register_schedules, sender=self, weak=False)


def register_schedules(**kwargs) -> None:
    from django.conf import settings

    from motcua.core import anchors, jobs

    jobs.schedule_every("motcua.core.outbox.deliver_pending", 1, "deliver-outbox")
    if settings.MOTCUA_DVCQG_PULL_MINUTES > 0:
        # Dossiers filed on the national portal; does nothing until MOTCUA_DVCQG_URL is set.
        jobs.schedule_every(
            "motcua.dvcqg.intake.scheduled_pull", settings.MOTCUA_DVCQG_PULL_MINUTES, "dvcqg-pull"
        )
    if settings.MOTCUA_DVCQG_CATALOGUE_MINUTES > 0:
        # The national procedure catalogue: new versions wait for an administrator.
        jobs.schedule_every(
            "motcua.dvcqg.catalogue.scheduled_catalogue",
            settings.MOTCUA_DVCQG_CATALOGUE_MINUTES,
            "dvcqg-catalogue",
        )
    if settings.MOTCUA_DVCQG_FEEDBACK_MINUTES > 0:
        # Citizens' ratings and questions from the national portal, onto their dossiers.
        jobs.schedule_every(
            "motcua.dvcqg.feedback.scheduled_feedback",
            settings.MOTCUA_DVCQG_FEEDBACK_MINUTES,
            "dvcqg-feedback",
        )
    anchors.schedule()
    from motcua.dvcqg import reconcile

    reconcile.schedule()  # daily; does nothing until MOTCUA_DVCQG_URL is set
