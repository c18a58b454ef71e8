from django.urls import path

from . import views

app_name = "followups"

urlpatterns = [
    path("", views.due, name="due"),
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<uuid:public_id>/", views.template_edit, name="template_edit"),
    path("plans/<uuid:public_id>/", views.plan, name="plan"),
    path("visits/<uuid:public_id>/link/", views.visit_link, name="visit_link"),
    path("from/<uuid:public_id>/", views.start_from, name="start_from"),
    path("answer/<str:token>/", views.answer, name="answer"),
]
