from django.urls import path

from motcua.postal import views

app_name = "postal"

# Mounted under /buu-chinh/ (public postal service).
urlpatterns = [
    path("cuoc-phi/", views.quote_fragment, name="quote"),
    path("ho-so/<str:code>/gui-ket-qua/", views.send, name="send"),
    path(
        "ho-so/<str:code>/bien-ban-ban-giao/<str:reference>.pdf",
        views.handover,
        name="handover",
    ),
]
