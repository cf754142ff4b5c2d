from django.urls import path

from motcua.serviceindex import views

app_name = "serviceindex"

# Mounted under /chi-so/.
urlpatterns = [
    path("", views.scorecard, name="public"),
    path("bang-dieu-hanh/", views.dashboards, name="dashboards"),
    path("bang-dieu-hanh/<slug:kind>/<int:pk>/", views.dashboard, name="dashboard"),
    path(
        "bang-dieu-hanh/<slug:kind>/<int:pk>/chi-tieu/<slug:code>/",
        views.indicator,
        name="indicator",
    ),
]
