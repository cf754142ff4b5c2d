from django.urls import path

from motcua.portal import views

# Public URLs in Vietnamese (without diacritics), as citizens read and share them.
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.catalogue, name="catalogue"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure_detail"),
    path("thu-tuc/<str:code>/nop-ho-so/", views.submit, name="submit"),
    path("thu-tuc/<str:code>/mau/<int:pk>/", views.form_template_download, name="form_template"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("ho-so-cua-toi/", views.my_dossiers, name="my_dossiers"),
    path("ho-so-cua-toi/<str:code>/", views.my_dossier_detail, name="my_dossier_detail"),
    path("ho-so-cua-toi/<str:code>/da-nop/", views.submit_done, name="submit_done"),
    path(
        "ho-so-cua-toi/<str:code>/rut-ho-so/",
        views.my_dossier_withdraw,
        name="my_dossier_withdraw",
    ),
    path(
        "ho-so-cua-toi/<str:code>/bo-sung/",
        views.my_dossier_supplement,
        name="my_dossier_supplement",
    ),
    path(
        "ho-so-cua-toi/<str:code>/giay-tiep-nhan.pdf",
        views.my_notice,
        {"name": "receipt"},
        name="my_receipt_notice",
    ),
    path(
        "ho-so-cua-toi/<str:code>/phieu-yeu-cau-bo-sung.pdf",
        views.my_notice,
        {"name": "supplement"},
        name="my_supplement_notice",
    ),
    path(
        "ho-so-cua-toi/<str:code>/phieu-tu-choi.pdf",
        views.my_notice,
        {"name": "refusal"},
        name="my_refusal_notice",
    ),
    path(
        "ho-so-cua-toi/<str:code>/phieu-xin-loi.pdf",
        views.my_notice,
        {"name": "apology"},
        name="my_apology_notice",
    ),
    path(
        "ho-so-cua-toi/<str:code>/thong-bao-dung.pdf",
        views.my_notice,
        {"name": "stop"},
        name="my_stop_notice",
    ),
    path("tep/<int:pk>/", views.attachment_download, name="attachment_download"),
]
