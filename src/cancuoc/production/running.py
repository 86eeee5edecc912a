"""Running a production batch: each ordered card personalised with the enrolled portrait (chip image, MRZ,
QR, faces), then one production file for the card printer. A run that is killed half-way is resumed.

How a run never issues a serial or a chip key twice and never loses a card:
- serials were allocated when the batch was created (``actions.create_batch``); a run allocates none;
- per card: personalise (a new chip key), seal the key to the personalisation machine, write the card's
  entry to a temporary file in the batch's spool folder, then in one transaction (holding the batch row,
  and only while this run still holds the batch) move the card to ``personalised`` and rename the entry
  into place. A run killed before the commit leaves the card ``ordered``: the next run makes it again and
  its entry replaces the earlier one, so an earlier key never leaves the machine;
- the production file is assembled from the spool when every card is personalised; then the spool is
  deleted. A personalised card whose entry is gone is spoiled and made again (``spoil_and_remake``).

A run holds its batch by ``runner`` and says it is alive through ``heartbeat_at`` (every card); a batch
whose heartbeat is older than CANCUOC_PRODUCTION_STALE_AFTER_SECONDS, or whose runner is a process of this
machine that no longer exists, may be taken over. Live progress goes through the cache (the command's
progress bar and the page's polling read it).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cancuoc.biometrics.actions import chip_portrait
from cancuoc.biometrics.errors import BiometricsError
from cancuoc.cards import keystore, lifecycle
from cancuoc.cards.services import card_typesetting, holder_from_citizen
from cancuoc.errors import CodedError
from cancuoc.icao import faces
from cancuoc.icao.biometrics import JPEG, FaceImage
from cancuoc.icao.faces import TextTooLong
from cancuoc.icao.mrz import MrzError
from cancuoc.icao.personalisation import CHIP_AA_KEY_FILE, personalise
from cancuoc.icao.qr import QrError
from cancuoc.rules.cardstates import CardState

from . import events, fileformat
from .actions import STATE_WORDS_VI, spoil_and_remake
from .errors import ProductionError
from .errors import ProductionErrorCode as Code
from .models import BatchItem, ProductionBatch

logger = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]


# --- where things are --------------------------------------------------------------------------------------


def production_folder() -> Path:
    return Path(settings.VAR_DIR) / "production"


def machine_public_key_path() -> Path:
    configured = os.environ.get("CANCUOC_PRODUCTION_MACHINE_KEY", "") or settings.CANCUOC_PRODUCTION_MACHINE_KEY
    return Path(configured) if configured else production_folder() / "machine_public.pem"


def batch_folder(batch: ProductionBatch) -> Path:
    return production_folder() / "batches" / batch.code


def spool_folder(batch: ProductionBatch) -> Path:
    return batch_folder(batch) / "spool"


def stale_after() -> float:
    return float(getattr(settings, "CANCUOC_PRODUCTION_STALE_AFTER_SECONDS", 120))


# --- the personalisation machine's public key --------------------------------------------------------------


def demo_machine_private_key_path() -> Path:
    return production_folder() / "demo-machine-private.pem"


def ensure_demo_machine_key() -> bool:
    """Outside production (CANCUOC_ENV), a demo personalisation-machine key pair when none is configured,
    so that a demo or a fresh checkout produces at once; its private key is kept beside it (mode 0600).
    Returns whether one was made. A real installation configures its machine's public key itself."""
    if settings.PRODUCTION or machine_public_key_path().exists():
        return False
    private_pem, public_pem = fileformat.generate_machine_key()
    private = demo_machine_private_key_path()
    try:
        private.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(private_pem)
        install_machine_key(public_pem)
    except (OSError, ProductionError) as error:
        logger.warning("demo personalisation machine key not made: %s", error)
        return False
    logger.warning("no personalisation machine key was configured: a demo key pair was made (%s)", private)
    return True


def load_machine_key():
    path = machine_public_key_path()
    ensure_demo_machine_key()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ProductionError(Code.MACHINE_KEY_MISSING, path=str(path)) from error
    try:
        return fileformat.load_public_key(data)
    except fileformat.EnvelopeError as error:
        raise ProductionError(Code.MACHINE_KEY_INVALID, path=str(path)) from error


def install_machine_key(public_pem: bytes, *, force: bool = False) -> str:
    """Configure the personalisation machine's public key (what chip keys are sealed to); its key id."""
    key = fileformat.load_public_key(public_pem)  # EnvelopeError when it is not an X25519 key
    path = machine_public_key_path()
    if path.exists() and not force:
        raise ProductionError(Code.MACHINE_KEY_EXISTS, path=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fileformat.write_atomically(path, public_pem)
    except OSError as error:
        raise ProductionError(Code.FILE_UNWRITABLE, path=str(path), detail=error.strerror or error) from error
    return fileformat.machine_key_id(key)


# --- progress ----------------------------------------------------------------------------------------------


def _progress_key(batch_pk: int) -> str:
    return f"production-progress:{batch_pk}"


def set_progress(batch: ProductionBatch, phase: str, done: int, total: int) -> None:
    cache.set(_progress_key(batch.pk), {"phase": phase, "done": done, "total": total}, 86400)


def progress_of(batch: ProductionBatch) -> dict:
    found = cache.get(_progress_key(batch.pk))
    if found and batch.state == ProductionBatch.State.RUNNING:
        return found
    return {"phase": batch.state, "done": batch.personalised_count, "total": batch.card_count}


# --- claiming a batch --------------------------------------------------------------------------------------


def _process_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError, TypeError):
        return False
    except PermissionError:
        return True
    return True


def runner_gone(batch: ProductionBatch, now: datetime, *, stale_seconds: float | None = None) -> bool:
    """Is the run holding this batch gone: killed on this machine, or silent for too long?"""
    host, _colon, rest = batch.runner.partition(":")
    if host == socket.gethostname() and not _process_alive(rest.partition(":")[0]):
        return True
    last = batch.heartbeat_at or batch.started_at or batch.created_at
    return (now - last).total_seconds() > (stale_after() if stale_seconds is None else stale_seconds)


def claim(batch_pk: int, *, stale_seconds: float | None = None) -> tuple[ProductionBatch, str]:
    """Take the batch for this run: one waiting to run, interrupted, or held by a run that is gone."""
    token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:10]}"
    now = timezone.now()
    with transaction.atomic():
        batch = ProductionBatch.objects.select_for_update().select_related("province").filter(pk=batch_pk).first()
        if batch is None:
            raise ProductionError(Code.BATCH_NOT_FOUND, batch=str(batch_pk))
        if not batch.unfinished:
            raise ProductionError(Code.BATCH_NOT_RUNNABLE, batch=batch.code, state=batch.state,
                                  state_vi=STATE_WORDS_VI[batch.state])  # fmt: skip
        if batch.state == ProductionBatch.State.RUNNING and not runner_gone(batch, now, stale_seconds=stale_seconds):
            seconds = int((now - (batch.heartbeat_at or now)).total_seconds())
            raise ProductionError(Code.BATCH_BUSY, batch=batch.code, runner=batch.runner.rsplit(":", 1)[0],
                                  seconds=seconds)  # fmt: skip
        batch.state, batch.runner, batch.heartbeat_at = ProductionBatch.State.RUNNING, token, now
        batch.started_at = batch.started_at or now
        batch.error_code = batch.error_vi = batch.error_en = ""
        batch.save(update_fields=["state", "runner", "heartbeat_at", "started_at", "error_code", "error_vi",
                                  "error_en"])  # fmt: skip
    return batch, token


def _still_ours(batch: ProductionBatch, token: str) -> ProductionBatch:
    """Inside a transaction: the batch row, locked, while this run still holds it."""
    locked = ProductionBatch.objects.select_for_update().filter(pk=batch.pk, runner=token).first()
    if locked is None:
        raise ProductionError(Code.RUN_TAKEN_OVER, batch=batch.code)
    return locked


def _interrupt(batch: ProductionBatch, token: str, error: BaseException, serial: str) -> None:
    if isinstance(error, CodedError):
        detail_vi, detail_en = error.message_vi, error.message_en
    else:
        detail_vi = detail_en = f"{type(error).__name__}: {error}"[:200]
    stopped = ProductionError(Code.RUN_FAILED, batch=batch.code, serial=serial or "—", detail=detail_en)
    message_vi = ProductionError.MESSAGES[Code.RUN_FAILED][0].format(batch=batch.code, serial=serial or "—",
                                                                     detail=detail_vi)  # fmt: skip
    ProductionBatch.objects.filter(pk=batch.pk, runner=token).update(
        state=ProductionBatch.State.INTERRUPTED, runner="", error_code=Code.RUN_FAILED, error_vi=message_vi[:400],
        error_en=stopped.message_en[:400],
    )  # fmt: skip


# --- one card ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunContext:
    batch_code: str
    issue_date: date
    signer: object
    ds_certificate_der: bytes
    ds_serial_hex: str
    typesetting: tuple
    machine_key: object
    machine_key_id: str


def _context(batch: ProductionBatch) -> RunContext:
    typesetting = card_typesetting()  # fonts first: nothing is signed when they are missing
    machine_key = load_machine_key()
    signer, certificate, _created = keystore.current_document_signer()
    return RunContext(batch.code, timezone.localdate(), signer, certificate.public_bytes(serialization.Encoding.DER),
                      f"{certificate.serial_number:x}", typesetting, machine_key,
                      fileformat.machine_key_id(machine_key))  # fmt: skip


def _portrait(item: BatchItem) -> tuple[bytes, FaceImage]:
    from PIL import Image

    capture = item.application.capture
    if capture is None:
        raise ProductionError(Code.PORTRAIT_MISSING, application=item.application.code)
    try:
        jpeg = chip_portrait(capture)
        with Image.open(io.BytesIO(jpeg)) as image:
            width, height = image.size
    except (BiometricsError, OSError, ValueError) as error:
        raise ProductionError(Code.PORTRAIT_MISSING, application=item.application.code) from error
    gender = {"M": 1, "F": 2}.get(item.card.citizen.sex, 0)
    return jpeg, FaceImage(jpeg, JPEG, width, height, gender=gender)


@dataclass(frozen=True)
class MadeCard:
    entry: bytes  # the spool entry (a ZIP of the card's entries)
    fields: dict  # what the card row records at personalisation


def _ddmmyyyy(value: date | None) -> str | None:
    return value.strftime("%d/%m/%Y") if value else None


def make_card(item: BatchItem, context: RunContext) -> MadeCard:
    """Personalise one card: chip image with the enrolled portrait in DG2, faces with it printed, the chip
    key sealed to the personalisation machine."""
    card, citizen, application = item.card, item.card.citizen, item.application
    jpeg, portrait = _portrait(item)
    holder = holder_from_citizen(citizen)
    chip = personalise(holder, issue_date=context.issue_date, portrait=portrait, ds_signer=context.signer,
                       ds_certificate_der=context.ds_certificate_der)  # fmt: skip
    files = dict(chip.files)
    envelope = fileformat.seal_chip_key(files.pop(CHIP_AA_KEY_FILE), context.machine_key,
                                        associated=fileformat.chip_key_associated_data(context.batch_code, card.serial))  # fmt: skip
    fonts, measure = context.typesetting
    data = faces.face_data(holder, chip, jpeg)
    printed = {"front.png": faces.render_png(faces.front_layout(data, measure), fonts),
               "back.png": faces.render_png(faces.back_layout(data, measure), fonts)}  # fmt: skip
    sod_sha256 = hashlib.sha256(files["EF_SOD.bin"]).hexdigest()
    station = application.station
    card_json = {
        "batch": context.batch_code, "position": item.position, "serial": card.serial, "application": application.code,
        "replaces": card.replaces.serial if card.replaces_id else None, "id_number": holder.id_number,
        "full_name": holder.full_name, "family_name": holder.family_name, "middle_name": holder.middle_name,
        "given_name": holder.given_name, "birth_date": _ddmmyyyy(holder.birth_date),
        "sex": "Nam" if holder.sex == "M" else "Nữ", "nationality": holder.nationality,
        "place_of_origin": holder.place_of_origin, "place_of_residence": holder.place_of_residence,
        "issue_date": _ddmmyyyy(chip.issue_date), "expiry": _ddmmyyyy(chip.expiry), "mrz": list(chip.mrz_lines),
        "qr_payload": chip.qr_payload, "sod_sha256": sod_sha256, "ds_certificate_serial": context.ds_serial_hex,
        "station": {"code": station.code, "name": station.name, "address": station.address},
        "chip_key": {"file": fileformat.CHIP_KEY_ENTRY, "algorithm": fileformat.ENVELOPE_ALGORITHM,
                     "machine_key_id": context.machine_key_id},
    }  # fmt: skip
    entry = fileformat.zip_bytes(fileformat.card_entries(card_json, files, envelope, printed))
    fields = {"issue_date": chip.issue_date, "expiry": chip.expiry, "ds_certificate_serial": context.ds_serial_hex,
              "sod_sha256": sod_sha256, "mrz_sha256": hashlib.sha256("\n".join(chip.mrz_lines).encode()).hexdigest(),
              "printed_residence_unit": citizen.permanent_unit}  # fmt: skip
    return MadeCard(entry, fields)


# What one card's own data may make impossible (the batch goes on without it); anything else (keys, fonts,
# disk, database) stops the batch, to be resumed.
UNMAKEABLE = (ProductionError, TextTooLong, MrzError, QrError, ValueError)


def _withdraw(actor, batch: ProductionBatch, token: str, item: BatchItem, error: Exception) -> None:
    if isinstance(error, ProductionError) and error.code != Code.PORTRAIT_MISSING:
        raise error
    if isinstance(error, ProductionError):
        detail = error.message_en
    elif isinstance(error, TextTooLong):
        detail = f"text too long to print: {error}"
    else:
        detail = f"{type(error).__name__}: {error}"
    reason = f"không cá nhân hóa được / cannot be personalised: {detail}"[:300]
    logger.warning("production batch %s: card %s withdrawn: %s", batch.code, item.card.serial, detail)
    now = timezone.now()
    with transaction.atomic():
        _still_ours(batch, token)
        lifecycle.transition(actor, item.card, CardState.SPOILED, reason=reason, now=now)
        BatchItem.objects.filter(pk=item.pk).update(in_production=False, qc=BatchItem.Qc.SPOILED, qc_reason=reason,
                                                    qc_at=now, withdrawn_at=now)  # fmt: skip
        ProductionBatch.objects.filter(pk=batch.pk).update(withdrawn_count=F("withdrawn_count") + 1, heartbeat_at=now)


def _entry_path(spool: Path, serial: str) -> Path:
    return spool / f"{serial}.entry"


def _personalise_item(actor, batch: ProductionBatch, token: str, item: BatchItem, context: RunContext,
                      spool: Path) -> None:  # fmt: skip
    try:
        made = make_card(item, context)
    except UNMAKEABLE as error:  # this card's data: the batch goes on without it
        _withdraw(actor, batch, token, item, error)
        return
    final = _entry_path(spool, item.card.serial)
    temporary = spool / f"{item.card.serial}.entry.{token.rsplit(':', 1)[-1]}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(made.entry)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        with transaction.atomic():
            _still_ours(batch, token)
            lifecycle.transition(actor, item.card, CardState.PERSONALISED, **made.fields,
                                 reason=f"lô sản xuất {batch.code} / production batch {batch.code}")  # fmt: skip
            ProductionBatch.objects.filter(pk=batch.pk).update(personalised_count=F("personalised_count") + 1,
                                                               heartbeat_at=timezone.now())  # fmt: skip
            # inside the transaction: the entry is in place exactly when the commit may still come; a
            # rollback after it leaves the card ordered, and the next run replaces the entry
            os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
    fileformat.sync_folder(spool)


# --- the whole run -----------------------------------------------------------------------------------------


def run_batch(batch_pk: int, *, actor=None, progress: Progress | None = None,
              stale_seconds: float | None = None) -> ProductionBatch:  # fmt: skip
    """Run (or resume) a batch to its production file. Raises ProductionError when it cannot be taken
    (BATCH_BUSY, BATCH_NOT_RUNNABLE); any failure half-way leaves it ``interrupted`` with the reason, to
    resume (the exception is raised again)."""
    batch, token = claim(batch_pk, stale_seconds=stale_seconds)
    serial = ""
    try:
        context = _context(batch)
        spool = spool_folder(batch)
        spool.mkdir(parents=True, exist_ok=True)
        items = list(batch.items.select_related("card__citizen__permanent_unit", "card__citizen__origin_unit",
                                                "card__replaces", "application__capture", "application__station")
                     .order_by("position"))  # fmt: skip
        total = len(items)
        done = sum(1 for item in items if item.card.state != CardState.ORDERED)
        ProductionBatch.objects.filter(pk=batch.pk).update(personalised_count=done)
        _report(batch, progress, "personalising", done, total)
        for item in items:
            if item.card.state != CardState.ORDERED:
                continue  # personalised by an earlier run (or spoiled): never made twice
            serial = item.card.serial
            _personalise_item(actor, batch, token, item, context, spool)
            done += 1
            _report(batch, progress, "personalising", done, total)
        serial = ""
        return assemble(batch, token, actor=actor, context=context, progress=progress)
    except ProductionError as error:
        if error.code != Code.RUN_TAKEN_OVER:
            _interrupt(batch, token, error, serial)
        raise
    except Exception as error:
        logger.exception("production batch %s stopped at card %s", batch.code, serial or "-")
        _interrupt(batch, token, error, serial)
        raise


def _report(batch: ProductionBatch, progress: Progress | None, phase: str, done: int, total: int) -> None:
    set_progress(batch, phase, done, total)
    if progress is not None:
        progress(phase, done, total)


def _read_entry(path: Path) -> dict[str, bytes] | None:
    if not path.exists():
        return None
    try:
        return fileformat.read_zip(path.read_bytes())
    except Exception as error:  # OSError, zipfile.BadZipFile...: a torn entry is a missing one
        logger.warning("spool entry %s unreadable: %s", path, error)
        return None


def _entry_matches(entries: dict[str, bytes] | None, card) -> bool:
    if entries is None or "card.json" not in entries:
        return False
    import json

    try:
        return json.loads(entries["card.json"]).get("sod_sha256") == card.sod_sha256
    except ValueError:
        return False


def assemble(batch: ProductionBatch, token: str, *, actor=None, context: RunContext | None = None,
             progress: Progress | None = None) -> ProductionBatch:  # fmt: skip
    """Every card personalised: the production file from the spool, the batch ``produced``, the spool
    deleted. A personalised card whose entry is gone or does not match it is spoiled and made again."""
    spool = spool_folder(batch)
    items = list(batch.items.select_related("card__citizen", "application").order_by("position"))
    printable, lost = [], []
    for item in items:
        if item.card.state == CardState.SPOILED:
            continue
        if item.card.state != CardState.PERSONALISED:
            raise ProductionError(Code.RUN_FAILED, batch=batch.code, serial=item.card.serial, detail="not personalised")
        (printable if _entry_matches(_read_entry(_entry_path(spool, item.card.serial)), item.card) else lost).append(item)
    if lost:
        with transaction.atomic():
            _still_ours(batch, token)
            for item in lost:
                spoil_and_remake(actor, item, reason="dữ liệu chip mất trước khi ghi tệp sản xuất / chip data lost "
                                                     "before the production file was written")  # fmt: skip
    header = {
        "batch": batch.code, "province": {"code": batch.province.code, "name": batch.province.name},
        "priority": batch.priority, "created_at": timezone.localtime(batch.created_at).strftime("%d/%m/%Y %H:%M"),
        "remakes": batch.remakes.code if batch.remakes_id else None, "cards": len(printable),
        "chip_key_algorithm": fileformat.ENVELOPE_ALGORITHM,
        "machine_key_id": context.machine_key_id if context else fileformat.machine_key_id(load_machine_key()),
    }  # fmt: skip

    def cards():
        for number, item in enumerate(printable, start=1):
            entries = _read_entry(_entry_path(spool, item.card.serial))
            if entries is None:
                raise ProductionError(Code.RUN_FAILED, batch=batch.code, serial=item.card.serial, detail="spool entry unreadable")
            yield fileformat.card_folder(item.position, item.card.serial), entries
            if number % 50 == 0:
                ProductionBatch.objects.filter(pk=batch.pk, runner=token).update(heartbeat_at=timezone.now())
                _report(batch, progress, "assembling", number, len(printable))

    folder = batch_folder(batch)
    path = folder / f"{batch.code}.cpf.zip"
    try:
        written = fileformat.write_production_file(path, header, cards())
    except OSError as error:
        raise ProductionError(Code.FILE_UNWRITABLE, path=str(path), detail=error.strerror or error) from error
    now = timezone.now()
    with transaction.atomic():
        locked = _still_ours(batch, token)
        locked.state, locked.runner, locked.produced_at = ProductionBatch.State.PRODUCED, "", now
        locked.heartbeat_at = now
        locked.file_path, locked.file_sha256, locked.manifest_sha256 = str(path), written.sha256, written.manifest_sha256
        locked.file_bytes = written.size
        locked.personalised_count = len(printable)
        locked.save(update_fields=["state", "runner", "produced_at", "heartbeat_at", "file_path", "file_sha256",
                                   "manifest_sha256", "file_bytes", "personalised_count"])  # fmt: skip
        events.batch_finished(actor, locked)
        if not BatchItem.objects.filter(batch=locked, in_production=True).exists():  # every card spoiled
            ProductionBatch.objects.filter(pk=locked.pk).update(state=ProductionBatch.State.CLOSED, closed_at=now)
    # the keys are in the production file now; nothing else keeps them
    shutil.rmtree(spool, ignore_errors=True)
    _report(locked, progress, "produced", len(printable), len(printable))
    locked.refresh_from_db()
    return locked


# --- resuming ----------------------------------------------------------------------------------------------


def unfinished_batches():
    return ProductionBatch.objects.filter(state__in=[ProductionBatch.State.ORDERED, ProductionBatch.State.RUNNING,
                                                     ProductionBatch.State.INTERRUPTED]).order_by("priority", "pk")  # fmt: skip


def stale_batches(now: datetime | None = None) -> list[ProductionBatch]:
    """Running batches whose run is gone (for housekeeping and the batch list)."""
    now = now or timezone.now()
    return [batch for batch in ProductionBatch.objects.filter(state=ProductionBatch.State.RUNNING)
            if runner_gone(batch, now)]  # fmt: skip


def stale_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(seconds=stale_after())


# --- handing the file to the printer -----------------------------------------------------------------------


def export_production_file(actor, batch: ProductionBatch, folder: Path) -> Path:
    """Copy the batch's production file and its manifest into ``folder`` (the printer's transfer point);
    audited. Returns the copy's path."""
    from cancuoc.accounts.permissions import Verb

    from .actions import _check

    _check(actor, Verb.PRODUCTION_RUN)
    if not batch.file_path:
        raise ProductionError(Code.NOT_PRODUCED, batch=batch.code)
    source = Path(batch.file_path)
    if not source.is_file():
        raise ProductionError(Code.FILE_MISSING, batch=batch.code, path=str(source))
    target = folder / source.name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        manifest = source.with_name(source.name + ".manifest.json")
        if manifest.is_file():
            shutil.copyfile(manifest, folder / manifest.name)
    except OSError as error:
        raise ProductionError(Code.FILE_UNWRITABLE, path=str(folder), detail=error.strerror or error) from error
    with transaction.atomic():
        events.production_file_exported(actor, batch, destination=str(target))
    return target
