from django.urls import path

from motcua.payments import views

app_name = "payments"
urlpatterns = [
    path("<str:code>/", views.pay, name="pay"),
    path("<str:code>/ket-qua/", views.payment_return, name="return"),
]
