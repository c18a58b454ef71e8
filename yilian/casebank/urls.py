from django.urls import path

from . import views

app_name = "casebank"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<uuid:public_id>/", views.case_detail, name="detail"),
    path("mark/<uuid:request_id>/", views.mark, name="mark"),
    path("exports/", views.exports, name="exports"),
    path("exports/<uuid:public_id>/decide/", views.decide, name="decide"),
    path("exports/<uuid:public_id>/download/", views.download, name="download"),
]
