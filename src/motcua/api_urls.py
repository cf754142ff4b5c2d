from django.urls import include, path

urlpatterns = [
    path("", include("motcua.catalog.api")),
    path("", include("motcua.dossiers.api")),
    path("", include("motcua.dvcqg.webhooks")),
    path("", include("motcua.payments.webhooks")),
    path("", include("motcua.postal.api")),
    path("", include("motcua.postal.webhooks")),
    path("", include("motcua.notify.webhooks")),
]
