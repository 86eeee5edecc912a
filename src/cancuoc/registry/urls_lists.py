from django.urls import path

from . import views_lists

# Before the catch-all citizen routes (urls.py): "list/" and "quality/…" are not ID numbers.
urlpatterns: list = [
    path("list/", views_lists.citizen_list, name="citizen-list"),
    path("quality/duplicates/<int:citizen_id>/", views_lists.duplicate_review, name="duplicate-review"),
    path("quality/<str:code>/", views_lists.quality_worklist, name="quality-worklist"),
    path("<str:id_number>/extract.pdf", views_lists.citizen_extract, name="citizen-extract"),
]
