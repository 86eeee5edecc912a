from django.urls import path

from . import views

urlpatterns = [
    path("", views.job_list, name="import-list"),
    path("upload/", views.upload, name="import-upload"),
    path("export/", views.export, name="export"),
    path("template.csv", views.template, {"file_format": "csv"}, name="import-template-csv"),
    path("template.xlsx", views.template, {"file_format": "xlsx"}, name="import-template-xlsx"),
    path("<int:job_id>/", views.detail, name="import-detail"),
    path("<int:job_id>/progress/", views.progress, name="import-progress"),
    path("<int:job_id>/confirm/", views.confirm, name="import-confirm"),
    path("<int:job_id>/run-again/", views.run_again, name="import-run-again"),
    path("<int:job_id>/errors.csv", views.error_report, name="import-errors"),
]
