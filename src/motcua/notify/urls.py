from django.urls import path

from motcua.notify import views

app_name = "notify"

# Mounted under /tai-khoan/thong-bao/ (beside the account page).
urlpatterns = [path("", views.preferences, name="preferences")]
