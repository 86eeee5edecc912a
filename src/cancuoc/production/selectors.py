"""Reads of production: batches, the cards of a batch for quality control, parcels on their way to a
station, and the data of a parcel's dispatch list."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from cancuoc.accounts.permissions import NotFound, Verb, area_path, require_permission

from .dispatchlist import DispatchList, ListedCard
from .models import BatchItem, Parcel, ProductionBatch


def batches(user) -> QuerySet:
    require_permission(user, Verb.PRODUCTION_RUN)
    return ProductionBatch.objects.select_related("province", "created_by", "remakes")


def batch_for(user, batch_id, verb: Verb = Verb.PRODUCTION_RUN) -> ProductionBatch:
    """The batch by id or code for a production operator; NotFound otherwise (garbage too)."""
    require_permission(user, verb)
    text = str(batch_id or "").strip()[:40]
    query = ProductionBatch.objects.select_related("province", "created_by", "remakes")
    batch = query.filter(pk=int(text)).first() if text.isdigit() and len(text) < 12 else query.filter(code=text).first()
    if batch is None:
        raise NotFound()
    return batch


def items_of(batch: ProductionBatch) -> QuerySet:
    return (BatchItem.objects.filter(batch=batch)
            .select_related("card__citizen", "application__station", "parcel", "qc_by").order_by("position"))  # fmt: skip


def parcels_for_station(user) -> QuerySet:
    """Parcels addressed to stations in the user's area (receiving officers)."""
    prefix = area_path(user, Verb.CARD_RECEIVE)
    parcels = Parcel.objects.select_related("station", "batch")
    return parcels if prefix is None else parcels.filter(unit_path__startswith=prefix)


def parcel_for(user, parcel_id, verb: Verb) -> Parcel:
    """A parcel for a production operator (dispatch) or a receiving officer of its station's area."""
    prefix = area_path(user, verb)
    text = str(parcel_id or "").strip()
    parcel = (Parcel.objects.select_related("station", "batch", "packed_by").filter(pk=int(text)).first()
              if text.isdigit() and len(text) < 12 else None)  # fmt: skip
    if parcel is None or (prefix is not None and not parcel.unit_path.startswith(prefix)):
        raise NotFound()
    return parcel


def dispatch_list_of(parcel: Parcel) -> DispatchList:
    items = parcel.items.select_related("card__citizen", "application").order_by("position")
    packer = parcel.packed_by
    return DispatchList(
        parcel=parcel.code, batch=parcel.batch.code, station_code=parcel.station.code,
        station_name=parcel.station.name, station_address=parcel.station.address,
        packed_at=timezone.localtime(parcel.packed_at),
        packed_by=(packer.get_full_name() or packer.username) if packer else "hệ thống / system",
        cards=[ListedCard(item.card.serial, item.card.citizen.id_number, item.card.citizen.full_name,
                          item.application.code) for item in items],
    )  # fmt: skip
