"""The database agrees with the pure rules, and refuses what the rules forbid even when code forgets."""

import pytest
from django.db import IntegrityError, transaction

from cancuoc.enrollment.models import Application, AppointmentSlot
from cancuoc.rules import applications as rules

pytestmark = pytest.mark.django_db


def test_the_stages_and_kinds_are_the_rules():
    assert set(Application.Stage.values) == {stage.value for stage in rules.Stage}
    assert set(Application.Kind.values) == {kind.value for kind in rules.Kind}


def test_a_slot_cannot_be_booked_over_capacity(station):
    from django.utils import timezone

    slot = AppointmentSlot.objects.create(station=station, starts_at=timezone.now(), capacity=1, booked=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentSlot.objects.filter(pk=slot.pk).update(booked=2)
