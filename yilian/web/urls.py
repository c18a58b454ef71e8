from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.services, name="services"),
    path("hospitals/", views.hospitals, name="hospitals"),
    path("hospitals/<uuid:public_id>/", views.hospital_detail, name="hospital_detail"),
]
