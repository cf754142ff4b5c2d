from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DossiersConfig(AppConfig):
    name = "motcua.dossiers"
    label = "dossiers"
    verbose_name = "Hồ sơ thủ tục hành chính"

    def ready(self) -> None:
        # The forms' wording rows exist as soon as the database does, for the admin to edit.
        post_migrate.connect(seed_form_texts, sender=self, weak=False)


def seed_form_texts(apps=None, using: str = "default", **kwargs) -> None:
    from motcua.dossiers import documents

    try:  # the migrated state's model: absent when migrating back before it
        model = apps.get_model("dossiers", "FormText") if apps is not None else None
    except LookupError:
        return
    documents.seed_form_texts(model, using=using)
