from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "motcua.signing"
    label = "signing"
    verbose_name = "Ký số"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Status answers of the dossiers API carry the result's signature; dossiers cannot
        # import this app (it sits above them), so the function is handed down.
        from motcua.dossiers import documents, serializers
        from motcua.signing.selectors import public_signature_data
        from motcua.signing.services import seal_pdf

        if public_signature_data not in serializers.RESULT_SIGNATURE:
            serializers.RESULT_SIGNATURE.append(public_signature_data)
        # Printed forms are sealed with the issuing agency's seal when it has one.
        documents.register_sealer(seal_pdf)
