from django.urls import path

from motcua.desk import register, views

app_name = "desk"

# Mounted under /mot-cua/ (one-stop desk).
urlpatterns = [
    path("", views.queue, name="queue"),
    path("tiep-nhan-moi/", views.intake, name="intake"),
    path("so-theo-doi/", register.register, name="register"),
    path("bo-loc/", views.save_filter, name="save_filter"),
    path("bo-loc/<int:pk>/xoa/", views.delete_filter, name="delete_filter"),
    path("ho-so/<str:code>/", views.dossier_page, name="dossier"),
    path("ho-so/<str:code>/phieu-tiep-nhan.pdf", views.receipt, name="receipt"),
    path(
        "ho-so/<str:code>/phieu-yeu-cau-bo-sung.pdf",
        views.notice,
        {"name": "supplement"},
        name="supplement_notice",
    ),
    path(
        "ho-so/<str:code>/phieu-tu-choi.pdf",
        views.notice,
        {"name": "refusal"},
        name="refusal_notice",
    ),
    path(
        "ho-so/<str:code>/phieu-xin-loi.pdf",
        views.notice,
        {"name": "apology"},
        name="apology_notice",
    ),
    path(
        "ho-so/<str:code>/thong-bao-dung.pdf",
        views.notice,
        {"name": "stop"},
        name="stop_notice",
    ),
    path(
        "ho-so/<str:code>/phieu-kiem-soat.pdf",
        views.notice,
        {"name": "control"},
        name="control_notice",
    ),
    path("ho-so/<str:code>/can-bo/", views.assign_officers, name="assign_officers"),
    path("ho-so/<str:code>/tep/<int:pk>/xem/", views.preview, name="preview"),
    path("ho-so/<str:code>/<slug:action>/", views.dossier_action, name="dossier_action"),
]
