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
        # Online payments (group of the national dashboard), in the payment's transaction.
        from motcua.payments import services as payment_services

        if tracking.on_payment_completed not in payment_services.COMPLETION_HOOKS:
            payment_services.COMPLETION_HOOKS.append(tracking.on_payment_completed)
        # Dossiers synced to the national portal, in the transaction of the delivery.
        from motcua.dvcqg import handlers as dvcqg_handlers

        if tracking.on_status_delivered not in dvcqg_handlers.DELIVERED_HOOKS:
            dvcqg_handlers.DELIVERED_HOOKS.append(tracking.on_status_delivered)
