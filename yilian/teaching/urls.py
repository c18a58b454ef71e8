from django.urls import path

from . import views

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
]
