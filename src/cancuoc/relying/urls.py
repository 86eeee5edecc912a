from django.urls import path

from . import views

urlpatterns = [path("", views.parties, name="relying-parties")]
