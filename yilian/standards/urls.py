from django.urls import path

from . import views

app_name = "standards"

urlpatterns = [
    path("", views.standard_list, name="list"),
    path("new/", views.standard_form, name="new"),
    path("<uuid:public_id>/", views.standard_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.standard_form, name="edit"),
    path("<uuid:public_id>/publish/", views.publish, name="publish"),
    path("<uuid:public_id>/quiz/", views.quiz, name="quiz"),
    path("<uuid:public_id>/acknowledge/", views.acknowledge, name="acknowledge"),
]
