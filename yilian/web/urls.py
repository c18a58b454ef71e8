from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.services, name="services"),
    path("hospitals/", views.hospitals, name="hospitals"),
    path("hospitals/<uuid:public_id>/", views.hospital_detail, name="hospital_detail"),
    path("platform/dependencies/", views.dependencies, name="dependencies"),
    path("manifest.webmanifest", views.web_manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
]
