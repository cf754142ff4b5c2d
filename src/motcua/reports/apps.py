from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "motcua.reports"
    label = "reports"
    verbose_name = "Báo cáo thống kê định kỳ"

    def ready(self) -> None:
        # The report's counters move in the transaction of each dossier transition.
        from motcua.dossiers import stats
        from motcua.reports import handlers, tracking  # noqa: F401 - registers "reports.deliver"

        if tracking.on_transition not in stats.TRANSITION_HOOKS:
            stats.TRANSITION_HOOKS.append(tracking.on_transition)
        post_migrate.connect(register_schedules, sender=self, weak=False)


def register_schedules(**kwargs) -> None:
    from motcua.core import jobs

    jobs.schedule_daily("motcua.reports.services.run_due", name="reports-run-due", at="06:00")
