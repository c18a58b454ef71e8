from django.urls import path

from . import views

app_name = "files"

urlpatterns = [
    path("<uuid:public_id>/", views.download, name="download"),
    path("<uuid:public_id>/remove/", views.remove, name="remove"),
    path("on/<str:label>/<uuid:public_id>/", views.upload, name="upload"),
]
