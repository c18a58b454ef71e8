from django.urls import path

from . import views

app_name = "accession"

urlpatterns = [
    # Public: a hospital applies, then follows its application with its own link.
    path("join/", views.join, name="join"),
    path("join/received/", views.join_received, name="join_received"),
    path("join/<str:token>/", views.join_status, name="join_status"),
    path("join/<str:token>/assessment/", views.join_assessment, name="join_assessment"),
    # The platform.
    path("accession/", views.applications, name="applications"),
    path("accession/applications/<uuid:public_id>/", views.application, name="application"),
    path(
        "accession/applications/<uuid:public_id>/review/",
        views.review,
        name="review",
    ),
    path("accession/assessments/", views.assessments, name="assessments"),
    path("accession/assessments/<uuid:public_id>/", views.assessment, name="assessment"),
    path("accession/assessments/<uuid:public_id>/adjust/", views.adjust, name="adjust"),
    path("accession/assessments/<uuid:public_id>/approve/", views.approve, name="approve"),
    path("accession/assessments/<uuid:public_id>/fill/", views.fill, name="fill"),
    path("accession/reassess/<uuid:public_id>/", views.reassess, name="reassess"),
    path("accession/questions/", views.questions, name="questions"),
    path("accession/questions/new/", views.question_edit, name="question_new"),
    path("accession/questions/<uuid:public_id>/", views.question_edit, name="question_edit"),
    path("accession/plan/", views.my_plan, name="my_plan"),
]
