from django.urls import path

from motcua.reports import views

app_name = "reports"

# Mounted under /bao-cao/.
urlpatterns = [
    path("", views.units, name="units"),
    path("<slug:kind>/<int:pk>/", views.page, name="page"),
    path("<slug:kind>/<int:pk>/tai-ve.<str:fmt>", views.download, name="download"),
]
