from django.apps import AppConfig


class DvcqgConfig(AppConfig):
    name = "motcua.dvcqg"
    label = "dvcqg"
    verbose_name = "Cổng Dịch vụ công quốc gia"

    def ready(self) -> None:
        # Registers the outbox handler of "dvcqg.status" (status sync to the portal) in
        # every process, the worker included.
        from motcua.dvcqg import handlers  # noqa: F401
