from django.apps import AppConfig


class ServiceIndexConfig(AppConfig):
    name = "motcua.serviceindex"
    label = "serviceindex"
    verbose_name = "Chỉ số phục vụ (QĐ 766)"

    def ready(self) -> None:
        # The index's counters move in the transaction of each dossier transition.
        from motcua.dossiers import stats
        from motcua.serviceindex import tracking

        if tracking.on_transition not in stats.TRANSITION_HOOKS:
            stats.TRANSITION_HOOKS.append(tracking.on_transition)
