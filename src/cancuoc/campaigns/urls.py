"""Campaign pages under /campaigns/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="campaign-dashboard"),
    path("outstanding/", views.outstanding, name="campaign-outstanding"),
    path("outstanding.<str:file_format>", views.outstanding_export, name="campaign-outstanding-export"),
    path("outstanding/assign/", views.assign, name="campaign-assign"),
    path("report.<str:file_format>", views.daily_report, name="campaign-report"),
    path("plan/", views.plan, name="campaign-plan"),
    path("plan/change/", views.plan_change, name="campaign-plan-change"),
    path("announce/", views.announce, name="campaign-announce"),
    path("visit/<str:id_number>/", views.visit, name="campaign-visit"),
]
