from django.urls import path

from . import views

app_name = "medical"

urlpatterns = [
    path("requests/<uuid:public_id>/part/", views.part, name="part"),
]
