from django.apps import AppConfig


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
