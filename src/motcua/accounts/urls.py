from django.urls import path

from motcua.accounts import views

app_name = "accounts"

# Mounted under /tai-khoan/ (account); login and logout keep their own paths.
urlpatterns = [
    path("", views.account, name="account"),
    path("xac-thuc/", views.verify, name="verify"),
    path("xac-thuc-hai-buoc/", views.enrol, name="enrol"),
    path("xac-thuc-hai-buoc/tat/", views.disable, name="disable"),
    path("xac-thuc-hai-buoc/ma-khoi-phuc/", views.recovery_codes, name="recovery_codes"),
    path("doi-mat-khau/", views.PasswordChangeView.as_view(), name="password_change"),
    path("ma-truy-cap/", views.api_tokens, name="api_tokens"),
]
