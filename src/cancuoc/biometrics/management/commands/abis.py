import json
import uuid

from django.core.management.base import BaseCommand, CommandError

from cancuoc.accounts.models import User
from cancuoc.accounts.permissions import PermissionDenied
from cancuoc.biometrics import requests
from cancuoc.biometrics.errors import BiometricsError
from cancuoc.biometrics.folders import templates_of_folder
from cancuoc.biometrics.models import AbisRequest
from cancuoc.errors import CodedError


class Command(BaseCommand):
    help = ("The ABIS through its request queue: `abis insert REFERENCE DIR`, `abis identify DIR [--json]`, "
            "`abis delete REFERENCE`. DIR holds F.png for each finger captured (F = 1–10). Every request is "
            "audited; without --user the console operator acts as the system.")  # fmt: skip

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        insert = sub.add_parser("insert", help="enrol the fingers in DIR under REFERENCE")
        insert.add_argument("reference")
        insert.add_argument("folder")
        identify = sub.add_parser("identify", help="search the gallery with the fingers in DIR (1:N)")
        identify.add_argument("folder", nargs="?")
        identify.add_argument("--reference", help="search with an enrolled reference instead of DIR")
        identify.add_argument("--max-results", type=int, default=10)
        identify.add_argument("--json", action="store_true")
        delete = sub.add_parser("delete", help="remove REFERENCE from the gallery")
        delete.add_argument("reference")
        for each in (insert, identify, delete):
            each.add_argument("--request-id", help="idempotency key (default: a new one)")
            each.add_argument("--user", help="acting officer (default: the system)")

    def handle(self, *args, action, request_id=None, user=None, **options):
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"Không có người dùng {user} / no such user")
        request_id = request_id or uuid.uuid4().hex
        try:
            if action == "insert":
                request = requests.submit(actor, request_id=request_id, operation="insert",
                                          reference=options["reference"],
                                          record=_record(options["folder"]), enqueue=False)  # fmt: skip
            elif action == "identify":
                if not options["folder"] and not options["reference"]:
                    raise CommandError("Cần DIR hoặc --reference / DIR or --reference is required")
                request = requests.submit(actor, request_id=request_id, operation="identify",
                                          reference=options["reference"] or "",
                                          record=_record(options["folder"]) if options["folder"] else None,
                                          max_results=options["max_results"], enqueue=False)  # fmt: skip
            else:
                request = requests.submit(actor, request_id=request_id, operation="delete",
                                          reference=options["reference"], enqueue=False)  # fmt: skip
        except PermissionDenied as error:
            raise CommandError(
                f"Vai trò của {user} không được dùng ABIS / {user}'s role may not use the ABIS"
            ) from error
        except CodedError as error:
            raise CommandError(str(error)) from error
        request = requests.process(request.pk)
        if request.status != AbisRequest.Status.DONE:
            message = (
                BiometricsError(request.error_code, **_values(request))
                if request.error_code in _CODES
                else None
            )
            raise CommandError(str(message) if message else f"ABIS: {request.error_code}")
        self._print(action, request, options)

    def _print(self, action, request, options):
        if action == "identify":
            if options["json"]:
                self.stdout.write(json.dumps({"request_id": request.request_id, **request.result}))
                return
            candidates = request.result["candidates"]
            if not candidates:
                self.stdout.write("Không có ứng viên / no candidates")
            for candidate in candidates:
                verdict = "TRÙNG / MATCH" if candidate["match"] else "-"
                self.stdout.write(f"{candidate['reference']}\t{candidate['score']:.4f}\t{verdict}")
        elif action == "insert":
            self.stdout.write(f"Đã thêm {request.reference} vào kho sinh trắc / inserted "
                              f"(kho có {request.result['gallery_size']} / gallery size)")  # fmt: skip
        else:
            deleted = request.result["deleted"]
            self.stdout.write(f"Đã xóa {request.reference} / deleted" if deleted
                              else f"{request.reference} không có trong kho / was not in the gallery")  # fmt: skip


def _record(folder: str) -> bytes:
    from cancuoc.fingerprints.templates import encode_iso19794_2

    return encode_iso19794_2(templates_of_folder(folder))


def _values(request) -> dict:
    return {"reference": request.reference, "detail": request.error_code, "request_id": request.request_id}


_CODES = {"reference_unknown", "engine_failed"}
