from django.urls import path

from . import cme_views, views

app_name = "teaching"

urlpatterns = [
    path("", views.course_list, name="courses"),
    path("new/", views.course_form, name="course_new"),
    path("<uuid:public_id>/", views.course_detail, name="course"),
    path("<uuid:public_id>/edit/", views.course_form, name="course_edit"),
    path("<uuid:public_id>/manage/", views.manage, name="manage"),
    path("<uuid:public_id>/publish/", views.publish, name="publish"),
    path("lessons/<uuid:public_id>/", views.lesson_detail, name="lesson"),
    path("lessons/<uuid:public_id>/progress/", views.lesson_progress, name="progress"),
    path("lessons/<uuid:public_id>/edit/", views.lesson_edit, name="lesson_edit"),
    # CME classes
    path("cme/", cme_views.class_list, name="cme_classes"),
    path("cme/new/", cme_views.class_form, name="cme_new"),
    path("cme/mine/", cme_views.my_classes, name="cme_mine"),
    path("cme/credits/", cme_views.my_credits, name="cme_credits"),
    path(
        "cme/credits/<uuid:public_id>/certificate/", cme_views.certificate, name="cme_certificate"
    ),
    path("cme/verify/", cme_views.verify, name="cme_verify"),
    path("cme/verify/<str:code>/", cme_views.verify, name="cme_verify_code"),
    path("cme/check-in/<str:token>/", cme_views.check_in, name="cme_check_in"),
    path("cme/<uuid:public_id>/", cme_views.class_detail, name="cme_class"),
    path("cme/<uuid:public_id>/edit/", cme_views.class_form, name="cme_edit"),
    path("cme/<uuid:public_id>/enrol/", cme_views.enrol, name="cme_enrol"),
    path("cme/<uuid:public_id>/cancel/", cme_views.cancel, name="cme_cancel"),
    path("cme/<uuid:public_id>/sessions/", cme_views.sessions, name="cme_sessions"),
    path("cme/<uuid:public_id>/publish/", cme_views.publish, name="cme_publish"),
    path("cme/<uuid:public_id>/enrolments/", cme_views.enrolments, name="cme_enrolments"),
    path("cme/<uuid:public_id>/attendance/", cme_views.attendance, name="cme_attendance"),
    path("cme/sessions/<uuid:public_id>/", cme_views.session_edit, name="cme_session"),
    path("cme/sessions/<uuid:public_id>/room/", cme_views.enter_room, name="cme_enter"),
    path("cme/sessions/<uuid:public_id>/check-in-code/", cme_views.check_in_code, name="cme_code"),
]
