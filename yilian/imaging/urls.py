from django.urls import path

from . import views

app_name = "imaging"

urlpatterns = [
    path("requests/<uuid:public_id>/uploads/", views.upload_start, name="upload_start"),
    path("uploads/<uuid:public_id>/", views.upload_status, name="upload_status"),
    path("uploads/<uuid:public_id>/chunk/", views.upload_chunk, name="upload_chunk"),
    path("uploads/<uuid:public_id>/complete/", views.upload_complete, name="upload_complete"),
    path("studies/<uuid:public_id>/", views.study, name="study"),
    path("studies/<uuid:public_id>/images/<uuid:file_id>.png", views.slice_png, name="slice"),
    path("slides/<uuid:public_id>/", views.slide, name="slide"),
    path("slides/<uuid:public_id>/slide.dzi", views.slide_dzi, name="dzi"),
    path(
        "slides/<uuid:public_id>/slide_files/<int:level>/<int:col>_<int:row>.jpeg",
        views.slide_tile,
        name="tile",
    ),
    path("slides/<uuid:public_id>/annotations/", views.annotations, name="annotations"),
    path("slides/<uuid:public_id>/snapshots/", views.snapshot, name="snapshot"),
]
