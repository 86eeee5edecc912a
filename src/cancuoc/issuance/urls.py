from django.urls import path

from . import views, views_public

urlpatterns = [
    path("", views.card_list, name="card-list"),
    path("handover/", views.handover, name="card-handover"),
    path("handover/<str:serial>/", views.handover_card, name="card-handover-card"),
    path("handover/<str:serial>/portrait.jpg", views.handover_portrait, name="card-handover-portrait"),
    path("handover/<str:serial>/post/", views.post_card, name="card-post"),
    path("uncollected/", views.uncollected, name="card-uncollected"),
    path("renewals/", views.renewals, name="card-renewals"),
    path("replacements/", views.replacements, name="card-replacements"),
    path("reissues/", views.reissues, name="card-reissues"),
    path("messages/", views.follow_up_messages, name="card-messages"),
    # the citizen's loss report: public, no login
    path("bao-mat/", views_public.report_loss, name="card-loss-public"),
    path("bao-mat/ma/", views_public.report_loss_code, name="card-loss-code"),
    path("<str:serial>/", views.card_detail, name="card-detail"),
    path("<str:serial>/contact/", views.contact, name="card-contact"),
    path("<str:serial>/post/delivered/", views.post_delivered, name="card-post-delivered"),
    path("<str:serial>/post/returned/", views.post_returned, name="card-post-returned"),
    path("<str:serial>/loss/", views.loss_report, name="card-loss"),
    path("<str:serial>/loss/confirm/", views.loss_confirm, name="card-loss-confirm"),
    path("<str:serial>/loss/withdraw/", views.loss_withdraw, name="card-loss-withdraw"),
]
