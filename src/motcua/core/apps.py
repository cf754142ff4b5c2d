from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "motcua.core"
    label = "core"
    verbose_name = "Lõi hệ thống"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from motcua.core.calendar import forget_cached_calendar
        from motcua.core.models import CalendarDay

        def forget(**kwargs):
            forget_cached_calendar()

        post_save.connect(forget, sender=CalendarDay, weak=False)
        post_delete.connect(forget, sender=CalendarDay, weak=False)

        from motcua.core import anchors  # noqa: F401 - registers the audit.anchor outbox handler
