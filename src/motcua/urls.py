from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from motcua.accounts import views as account_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("dang-nhap/", account_views.LoginView.as_view(), name="login"),
    path("dang-nhap/vneid/", account_views.vneid_start, name="vneid_login"),
    path("dang-nhap/vneid/ket-qua/", account_views.vneid_callback, name="vneid_callback"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("dang-ky/", account_views.signup, name="signup"),
    path("dang-ky/da-gui/", account_views.signup_sent, name="signup_sent"),
    path(
        "dang-ky/xac-nhan/<str:uidb64>/<str:token>/",
        account_views.signup_confirm,
        name="signup_confirm",
    ),
    path("quen-mat-khau/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "quen-mat-khau/da-gui/",
        account_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "quen-mat-khau/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "quen-mat-khau/xong/",
        account_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("api/schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script under the CSP.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("api/<str:version>/", include("motcua.api_urls")),
    path("tai-khoan/thong-bao/", include("motcua.notify.urls")),
    path("tai-khoan/", include("motcua.accounts.urls")),
    path("", include("motcua.feedback.urls")),
    path("mot-cua/", include("motcua.desk.urls")),
    path("chi-so/", include("motcua.serviceindex.urls")),
    path("bao-cao/", include("motcua.reports.urls")),
    path("thanh-toan/", include("motcua.payments.urls")),
    path("buu-chinh/", include("motcua.postal.urls")),
    path("", include("motcua.portal.urls")),
    # Browsers ask for /favicon.ico whatever the page links.
    path(
        "favicon.ico",
        RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.ico", permanent=True),
    ),
]

# Bodies Django refuses while parsing a form (too big, too many fields or files): 413/400
# in Vietnamese, a problem document under /api/.
handler400 = "motcua.core.middleware.bad_request"
