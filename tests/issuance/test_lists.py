"""The card list and card page (audited reads), renewals due with their export, expired cards, the
replacement list after a rearrangement, and the daily expiry."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cancuoc.audit.models import AuditEntry
from cancuoc.cards.models import Card
from cancuoc.issuance import actions, selectors, tasks
from cancuoc.issuance.selectors import add_months
from tests.factories import CitizenFactory
from tests.issuance.conftest import received_card

pytestmark = pytest.mark.django_db


def active_card(citizen, unit, officers, **fields):
    card = received_card(citizen, unit, officers["thai_thuy"] if unit.path.startswith(officers["thai_thuy"].unit.path)
                         else officers["ba_dinh"], officers["production"])  # fmt: skip
    if fields:
        Card.objects.filter(pk=card.pk).update(**fields)  # what personalisation would have set
    actions.hand_over(officers["admin"], card, actions.Check("looking"), reason="nhìn")
    card.refresh_from_db()
    return card


def test_card_list_and_page_are_scoped_and_audited(client, card, other_card, officers, django_assert_max_num_queries):
    client.force_login(officers["thai_thuy"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("card-list"))
    assert [c.serial for c in page.context["cards"]] == [card.serial]
    assert AuditEntry.objects.filter(event="cards_listed", reason="card list").count() == 1
    assert [c.serial for c in client.get(reverse("card-list"), {"q": card.citizen.id_number}).context["cards"]] == [card.serial]
    assert client.get(reverse("card-list"), {"state": "nonsense", "page": "-1", "q": "'; drop"}).status_code == 200
    with django_assert_max_num_queries(16):
        detail = client.get(reverse("card-detail", args=[card.serial]))
    assert detail.status_code == 200 and detail.context["may_hand_over"]
    assert [e.target for e, _, _ in detail.context["history"]] == ["ordered", "personalised", "dispatched", "received"]
    assert AuditEntry.objects.filter(event="card_viewed", object_id=card.serial).count() == 1
    for serial in (other_card.serial, "nonsense", "c26000000019"[:11]):
        assert client.get(reverse("card-detail", args=[serial])).status_code == 404
    client.force_login(officers["auditor"])
    assert client.get(reverse("card-list")).status_code == 403


def test_renewals_due_list_who_needs_a_card_by_the_birthday(client, world, officers, django_assert_max_num_queries):
    today = timezone.localdate()
    soon = today + timedelta(days=40)

    def born_turning(age, on):
        return on.replace(year=on.year - age)

    due = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=born_turning(25, soon))
    active_card(due, world.thai_thuy, officers, expiry=born_turning(25, soon).replace(year=soon.year))
    covered = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=born_turning(25, soon))
    active_card(covered, world.thai_thuy, officers, expiry=date(soon.year + 15, 1, 1))  # issued at 23: valid to 40
    forever = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=born_turning(60, soon))
    active_card(forever, world.thai_thuy, officers, expiry=None)
    fourteen = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=born_turning(14, soon))
    later = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=born_turning(40, today + timedelta(days=200)))
    elsewhere = CitizenFactory(permanent_unit=world.ba_dinh, birth_date=born_turning(25, soon))
    client.force_login(officers["thai_thuy"])
    with django_assert_max_num_queries(14):
        page = client.get(reverse("card-renewals"))
    listed = {(row.citizen.pk, row.age) for row in page.context["rows"]}
    assert listed == {(due.pk, 25), (fourteen.pk, 14)}
    wider = client.get(reverse("card-renewals"), {"months": "8"})
    assert (later.pk, 40) in {(row.citizen.pk, row.age) for row in wider.context["rows"]}
    assert elsewhere.pk not in {row.citizen.pk for row in wider.context["rows"]}
    for bad in ("0", "25", "-1", "abc", "9" * 50):
        assert client.get(reverse("card-renewals"), {"months": bad}).status_code == 422
    assert client.get(reverse("card-renewals"), {"unit": str(world.ba_dinh.pk)}).status_code == 404
    assert client.get(reverse("card-renewals"), {"unit": "x' or 1=1"}).status_code == 404
    assert len(client.get(reverse("card-renewals"), {"unit": str(world.thai_thuy.pk)}).context["rows"]) == 2


def test_export_is_inert_in_csv_and_xlsx(client, world, officers):
    soon = timezone.localdate() + timedelta(days=10)
    CitizenFactory(permanent_unit=world.thai_thuy, birth_date=soon.replace(year=soon.year - 14),
                   full_name='=HYPERLINK("http://evil","x")')  # fmt: skip
    client.force_login(officers["thai_thuy"])
    response = client.get(reverse("card-renewals"), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\",\"x\")"
    xlsx = client.get(reverse("card-renewals"), {"format": "xlsx"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert AuditEntry.objects.filter(event="cards_listed", reason__startswith="renewals due export").count() == 2


def test_expired_cards_listed_until_a_newer_one_is_in_use(client, world, officers):
    today = timezone.localdate()
    citizen = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=date(1990, 3, 15))
    old = active_card(citizen, world.thai_thuy, officers, expiry=today - timedelta(days=3))
    client.force_login(officers["thai_thuy"])
    assert [c.pk for c in client.get(reverse("card-renewals")).context["expired"]] == [old.pk]
    assert tasks.run_expiry(today) == 1
    old.refresh_from_db()
    assert old.state == "expired"
    assert [c.pk for c in client.get(reverse("card-renewals")).context["expired"]] == [old.pk]
    received_card(citizen, world.thai_thuy, officers["thai_thuy"], officers["production"])
    assert client.get(reverse("card-renewals")).context["expired"] == [], "a new card is on its way"


def test_expiry_task_and_command(world, officers, capsys):
    today = timezone.localdate()
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    card = active_card(citizen, world.thai_thuy, officers, expiry=today + timedelta(days=2))
    call_command("issuance", "expire")
    card.refresh_from_db()
    assert card.state == "active"
    call_command("issuance", "expire", "--on", (today + timedelta(days=2)).strftime("%d/%m/%Y"))
    card.refresh_from_db()
    assert card.state == "expired" and "1" in capsys.readouterr().out
    assert tasks.expire_cards.call() == 0
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("issuance", "expire", "--on", "31/02/2026")


def test_next_expiry_run_is_the_coming_half_past_midnight():
    from datetime import datetime

    now = timezone.make_aware(datetime(2026, 12, 2, 10, 0))
    run = timezone.localtime(tasks.next_expiry_run(now))
    assert (run.day, run.hour, run.minute) == (3, 0, 30)


def test_replacement_list_names_cards_printed_with_a_unit_gone(client, world, officers):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    old = active_card(citizen, world.thai_thuy, officers, printed_residence_unit=world.old_thuy_truong)
    current = active_card(CitizenFactory(permanent_unit=world.thai_thuy), world.thai_thuy, officers,
                          printed_residence_unit=world.thai_thuy)  # fmt: skip
    client.force_login(officers["thai_thuy"])
    rows = client.get(reverse("card-replacements")).context["rows"]
    assert [row.card.pk for row in rows] == [old.pk] and current.pk not in [row.card.pk for row in rows]
    assert set(rows[0].successors) == {"Xã Thái Thụy", "Xã Đông Thụy Anh"}
    client.force_login(officers["ba_dinh"])
    assert client.get(reverse("card-replacements")).context["rows"] == []


def test_add_months_keeps_the_end_of_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert selectors.RENEWAL_AGES == (14, 25, 40, 60)



def test_spent_loss_codes_are_purged_daily(card):
    from cancuoc.issuance.models import LossCode

    now = timezone.now()
    old = LossCode.objects.create(token_digest="a" * 64, card=card, code_digest="b" * 64,
                                  expires_at=now - timedelta(days=2))  # fmt: skip
    fresh = LossCode.objects.create(token_digest="c" * 64, card=card, code_digest="d" * 64,
                                    expires_at=now + timedelta(minutes=5))  # fmt: skip
    assert tasks.purge_loss_codes(now) == 1
    assert list(LossCode.objects.values_list("pk", flat=True)) == [fresh.pk] and old.pk != fresh.pk
