from django.urls import path

from . import views

urlpatterns = [
    path("", views.batch_list, name="production-batches"),
    path("batches/new", views.batch_create, name="production-batch-create"),
    path("batches/<int:batch_id>/", views.batch_detail, name="production-batch"),
    path("batches/<int:batch_id>/progress", views.batch_progress, name="production-batch-progress"),
    path("batches/<int:batch_id>/resume", views.batch_resume, name="production-batch-resume"),
    path("batches/<int:batch_id>/file", views.batch_file, name="production-batch-file"),
    path("batches/<int:batch_id>/qc", views.quality_control, name="production-qc"),
    path("batches/<int:batch_id>/cards/<str:serial>/<str:side>.png", views.card_face, name="production-card-face"),
    path("batches/<int:batch_id>/dispatch", views.dispatch, name="production-dispatch"),
    path("parcels/<int:parcel_id>/list.pdf", views.parcel_list_pdf, name="production-parcel-list"),
    path("receive/", views.receive, name="card-receive"),
]
