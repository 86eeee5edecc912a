"""The outbox: "your card is ready" queued in the receipt's transaction, idempotent by key, kept as
"no channel" without a phone number, sent once through the configured sender, retried with back-off,
settled after a crash without sending twice."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from cancuoc.audit.models import AuditEntry
from cancuoc.cards import lifecycle
from cancuoc.issuance import actions, outbox
from cancuoc.issuance.errors import IssuanceError
from cancuoc.issuance.errors import IssuanceErrorCode as Code
from cancuoc.issuance.models import OutboxMessage
from tests.cardworld import ready_application, station_of
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db
State = OutboxMessage.State


def dispatched(world, officers, *, phone=None):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    if phone:
        actions.set_contact(officers["thai_thuy"], citizen, phone=phone, channel="sms", where="test")
    application = ready_application(citizen, station_of(world.thai_thuy), officers["thai_thuy"])
    production = officers["production"]
    (card,) = lifecycle.order_cards(production, [(citizen, application, application.unit_path)], reason="lô")
    for state in ("personalised", "dispatched"):
        card = lifecycle.transition(production, card, state, reason=state)
    return card


class Recording(outbox.Sender):
    name = "recording"

    def __init__(self, fail=0, retry=True, reentrant=None):
        self.sent, self.fail, self.retry, self.reentrant = [], fail, retry, reentrant

    def send(self, message):
        if self.reentrant is not None:
            self.reentrant()
        if self.fail:
            self.fail -= 1
            raise outbox.SendFailed("gateway down", retry=self.retry)
        self.sent.append(message)
        return f"ref-{len(self.sent)}"


def test_receipt_queues_card_ready_in_the_same_transaction(world, officers):
    card = dispatched(world, officers, phone="0912345678")
    with pytest.raises(RuntimeError), transaction.atomic():
        lifecycle.transition(officers["thai_thuy"], card, "received", reason="nhận")
        assert OutboxMessage.objects.filter(key=f"card-ready:{card.serial}").exists()
        raise RuntimeError("the receipt fails: the message goes with it")
    assert not OutboxMessage.objects.exists()
    lifecycle.transition(officers["thai_thuy"], card, "received", reason="nhận")
    message = OutboxMessage.objects.get(key=f"card-ready:{card.serial}")
    assert (message.state, message.recipient, message.channel) == (State.QUEUED, "0912345678", "sms")
    assert card.serial in message.body_vi and card.application.station.name in message.body_vi
    assert message.unit_path == card.unit_path
    assert AuditEntry.objects.filter(event="message_queued", object_id=message.key).count() == 1


def test_no_phone_number_is_kept_for_a_call(client, world, officers):
    card = dispatched(world, officers)
    lifecycle.transition(officers["thai_thuy"], card, "received", reason="nhận")
    message = OutboxMessage.objects.get()
    assert message.state == State.NO_CHANNEL and message.recipient == ""
    assert outbox.deliver_due(sender=Recording())["sent"] == 0
    client.force_login(officers["thai_thuy"])
    page = client.get("/cards/messages/")
    assert page.status_code == 200 and [m.pk for m in page.context["rows"]] == [message.pk]
    client.force_login(officers["ba_dinh"])
    assert client.get("/cards/messages/").context["rows"] == []
    # once the card is collected nobody needs to be called about it
    lifecycle.hand_over(officers["thai_thuy"], card, reason="nhìn ảnh")
    client.force_login(officers["thai_thuy"])
    assert client.get("/cards/messages/").context["rows"] == []


def test_queue_is_idempotent_by_key_and_checks_its_input(world, officers):
    first = outbox.queue("campaign:1:034090000001", recipient="0912345678", channel="zalo", body_vi="Xin chào",
                         body_en="Hello")  # fmt: skip
    again = outbox.queue("campaign:1:034090000001", recipient="0999999999", channel="sms", body_vi="Khác",
                         body_en="Other")  # fmt: skip
    assert again.pk == first.pk and again.recipient == "0912345678" and OutboxMessage.objects.count() == 1
    for key in ("", "x" * 121, "khóa có dấu", "a b", None):
        with pytest.raises(IssuanceError) as bad:
            outbox.queue(key, recipient="", channel="", body_vi="a", body_en="b")
        assert bad.value.code is Code.KEY_INVALID
    with pytest.raises(IssuanceError):
        outbox.queue("k1", recipient="1", channel="fax", body_vi="a", body_en="b")
    with pytest.raises(IssuanceError):
        outbox.queue("k2", recipient="1", channel="sms", body_vi="", body_en="b")
    assert OutboxMessage.objects.count() == 1


def test_log_sender_sends_each_message_once(world, officers, outbox_log, django_capture_on_commit_callbacks):
    card = dispatched(world, officers, phone="0912345678")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            lifecycle.transition(officers["thai_thuy"], card, "received", reason="nhận")
    assert len(callbacks) == 1, "one kick of the worker per transaction"
    message = OutboxMessage.objects.get()
    assert message.state == State.SENT and message.sent_at is not None and message.attempts == 1
    lines = [json.loads(line) for line in outbox_log.read_text().splitlines()]
    assert [line["key"] for line in lines] == [message.key] and lines[0]["to"].endswith("678")
    assert "0912345678" not in outbox_log.read_text()
    assert outbox_log.stat().st_mode & 0o077 == 0
    call_command("outbox", "send")
    assert len(outbox_log.read_text().splitlines()) == 1, "never sent twice"
    assert AuditEntry.objects.filter(event="message_sent", object_id=message.key).count() == 1


def test_failures_back_off_then_give_up(world, officers, settings):
    settings.CANCUOC_OUTBOX_MAX_ATTEMPTS = 3
    message = outbox.queue("k-fail", recipient="0912345678", channel="sms", body_vi="a", body_en="b")
    sender, now = Recording(fail=10), timezone.now()
    assert outbox.deliver_due(sender=sender, now=now)["retry"] == 1
    message.refresh_from_db()
    assert message.state == State.QUEUED and message.next_attempt_at == now + timedelta(seconds=60)
    assert message.last_error == "gateway down"
    assert outbox.deliver_due(sender=sender, now=now)["retry"] == 0, "not due yet"
    assert outbox.deliver_due(sender=sender, now=now + timedelta(seconds=61))["retry"] == 1
    message.refresh_from_db()
    assert message.next_attempt_at == now + timedelta(seconds=61 + 120)
    assert outbox.deliver_due(sender=sender, now=now + timedelta(hours=1))["failed"] == 1
    message.refresh_from_db()
    assert message.state == State.FAILED and message.attempts == 3 and sender.sent == []


def test_a_permanent_failure_is_not_retried(world, officers):
    message = outbox.queue("k-perm", recipient="0912345678", channel="sms", body_vi="a", body_en="b")
    outbox.deliver_due(sender=Recording(fail=1, retry=False))
    message.refresh_from_db()
    assert message.state == State.FAILED and message.attempts == 1


def test_backoff_grows_and_is_capped():
    assert [outbox.backoff_seconds(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert outbox.backoff_seconds(30) == 6 * 3600


def test_a_second_worker_finds_the_message_claimed(world, officers):
    message = outbox.queue("k-race", recipient="0912345678", channel="sms", body_vi="a", body_en="b")
    inner_counts = []
    inner = Recording()
    outer = Recording(reentrant=lambda: inner_counts.append(outbox.deliver_due(sender=inner)))
    outbox.deliver_due(sender=outer)
    assert len(outer.sent) == 1 and inner.sent == [] and inner_counts[0]["sent"] == 0
    message.refresh_from_db()
    assert message.state == State.SENT and outer.sent[0].key == "k-race"


class Unsure(outbox.Sender):
    name = "unsure"

    def __init__(self, answer):
        self.answer, self.sent = answer, []

    def send(self, message):
        self.sent.append(message)
        return "x"

    def was_sent(self, key):
        return self.answer


@pytest.mark.parametrize("answer, state, resent", [(True, State.SENT, 0), (False, State.SENT, 1),
                                                   (None, State.UNCERTAIN, 0)])  # fmt: skip
def test_a_crash_between_send_and_mark_is_settled_without_sending_twice(world, officers, answer, state, resent):
    message = outbox.queue("k-crash", recipient="0912345678", channel="sms", body_vi="a", body_en="b")
    long_ago = timezone.now() - timedelta(hours=1)
    OutboxMessage.objects.filter(pk=message.pk).update(state=State.SENDING, claim="dead", claimed_at=long_ago,
                                                       attempts=1)  # fmt: skip
    sender = Unsure(answer)
    outbox.deliver_due(sender=sender)
    message.refresh_from_db()
    assert message.state == state and len(sender.sent) == resent


def test_log_sender_knows_what_it_sent(tmp_path):
    sender = outbox.LogSender(tmp_path / "log")
    assert sender.was_sent("a") is False
    sender.send(outbox.Outgoing("a", "0912345678", "sms", "x", "y"))
    with open(tmp_path / "log", "a") as handle:
        handle.write('{"key": "b", "cut sh')
    assert sender.was_sent("a") is True and sender.was_sent("b") is False


def test_sender_setting_and_its_errors(settings):
    settings.CANCUOC_OUTBOX_SENDER = "tests.issuance.test_outbox.Recording"
    assert isinstance(outbox.get_sender(), Recording)
    for bad in ("no.such.Sender", "cancuoc.issuance.outbox.Outgoing"):
        settings.CANCUOC_OUTBOX_SENDER = bad
        with pytest.raises(IssuanceError) as unknown:
            outbox.get_sender()
        assert unknown.value.code is Code.SENDER_UNKNOWN


def test_command_status_and_bad_limit(world, officers, capsys):
    from django.core.management.base import CommandError

    outbox.queue("k-status", recipient="", channel="", body_vi="a", body_en="b")
    call_command("outbox", "status")
    assert "no_channel  1" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("outbox", "send", "--limit", "0")


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_message_once(world, officers, flushable_audit_log, settings):
    import threading
    import time

    from django.db import connection

    for number in range(6):
        outbox.queue(f"k-both-{number}", recipient="0912345678", channel="sms", body_vi="a", body_en="b", kick=False)
    sent, errors, barrier = [], [], threading.Barrier(2)

    class Slow(outbox.Sender):
        name = "slow"

        def send(self, message):
            time.sleep(0.01)
            sent.append(message.key)
            return "ok"

        def was_sent(self, key):
            return key in sent

    def worker():
        try:
            barrier.wait()
            outbox.deliver_due(sender=Slow())
        except Exception as error:  # SQLite: a writer may find the database locked; it sends nothing then
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == sorted(set(sent)), "no message sent twice"
    # SQLite's shared in-memory test database may refuse a worker's write ("table is locked"): what it left
    # claimed is settled as after a crash, by asking the sender, and never sent again
    settings.CANCUOC_OUTBOX_LEASE_SECONDS = 0
    outbox.deliver_due(sender=Slow(), now=timezone.now() + timedelta(seconds=1))
    assert sorted(sent) == [f"k-both-{n}" for n in range(6)]
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.SENT}


def test_a_parcel_received_at_once_queues_each_card_in_a_fixed_number_of_queries(world, officers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    one = [dispatched(world, officers, phone="0912345678")]
    many = [dispatched(world, officers, phone="0912345678" if n % 2 else None) for n in range(5)]
    counts = []
    for cards in (one, many):
        with CaptureQueriesContext(connection) as queries:
            outbox.on_card_moved(None, cards=cards, source="dispatched", target="received", actor=officers["thai_thuy"],
                                 reason="nhận")  # fmt: skip
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    states = dict(OutboxMessage.objects.filter(citizen__in=[c.citizen for c in many]).values_list("citizen_id", "state"))
    assert sorted(states.values()) == ["no_channel"] * 3 + ["queued"] * 2
    outbox.on_card_moved(None, cards=many, source="dispatched", target="received", actor=None, reason="lại")
    assert OutboxMessage.objects.count() == 6, "a key is queued once"


def test_one_kick_of_the_worker_per_transaction(world, officers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            for number in range(4):
                outbox.queue(f"k-kick-{number}", recipient="0912345678", channel="sms", body_vi="a", body_en="b")
    assert len(callbacks) == 1
    assert OutboxMessage.objects.filter(state=State.QUEUED).count() == 4
