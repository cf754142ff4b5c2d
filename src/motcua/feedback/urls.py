from django.urls import path

from motcua.feedback import views

app_name = "feedback"

# Included at the root (before the desk and the portal): the addresses sit beside theirs.
urlpatterns = [
    path("hoi-dap/", views.public_answers, name="public"),
    path("hoi-dap/gui/", views.submit, name="submit"),
    path("hoi-dap/cua-toi/", views.mine, name="mine"),
    path("ho-so-cua-toi/<str:code>/danh-gia/", views.rate_online, name="rate_online"),
    path("mot-cua/danh-gia/", views.kiosk, name="kiosk"),
    path("mot-cua/danh-gia/mo/", views.kiosk_open, name="kiosk_open"),
    path("mot-cua/danh-gia/dong/", views.kiosk_close, name="kiosk_close"),
    path("mot-cua/danh-gia/cam-on/", views.kiosk_thanks, name="kiosk_thanks"),
    path("mot-cua/danh-gia/ho-so/<str:code>/", views.kiosk_rate, name="kiosk_rate"),
    path("mot-cua/phan-anh/", views.handling_list, name="handling_list"),
    path("mot-cua/phan-anh/<int:pk>/", views.handling_item, name="handling_item"),
]
