from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("departments/", views.departments, name="departments"),
    path("requests/<uuid:public_id>/letter.pdf", views.letter, name="letter"),
]
