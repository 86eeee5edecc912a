"""``cancuoc relying-party add NAME [--scopes status,status-list] [--rate N]`` (the new API key on the last
line), ``list``, ``disable NAME``, ``rotate-key`` (a new status-signing key; the previous ones stay published)."""

from django.core.management.base import BaseCommand, CommandError

from cancuoc.accounts.models import User
from cancuoc.accounts.permissions import PermissionDenied
from cancuoc.relying import actions, signing
from cancuoc.relying.errors import RelyingError
from cancuoc.relying.models import RelyingParty


class Command(BaseCommand):
    help = "Relying parties (banks, hospitals, offices) and their API keys for POST /api/v1/status."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="register a relying party; prints its API key on the last line")
        add.add_argument("name")
        add.add_argument("--scopes", nargs="+", help="status, status-list (default: status); spaces or commas")
        add.add_argument("--rate", help="queries a minute (default 600)")
        add.add_argument("--user", help="acting national administrator (default: the server's command line)")
        sub.add_parser("list", help="the relying parties")
        disable = sub.add_parser("disable", help="disable a party's key")
        disable.add_argument("name")
        disable.add_argument("--user", help="acting national administrator (default: the server's command line)")
        rotate = sub.add_parser("rotate-key", help="a new status-signing key")
        rotate.add_argument("--user", help="acting national administrator (default: the server's command line)")

    def handle(self, *args, action, **options):
        try:
            getattr(self, action.replace("-", "_"))(**options)
        except RelyingError as error:
            raise CommandError(str(error)) from error
        except PermissionDenied as error:
            raise CommandError("Vai trò này không được quản lý bên sử dụng / "
                               "this role may not manage relying parties") from error  # fmt: skip

    def _actor(self, user):
        if not user:
            return None
        acting = User.objects.filter(username=str(user)[:150]).first()
        if acting is None:
            raise CommandError(f"Không có người dùng {str(user)[:150]} / no such user")
        return acting

    def add(self, name, scopes, rate, user, **options):
        scopes = [s for item in scopes for s in item.split(",")] if scopes else None
        party, key = actions.register_party(self._actor(user), name, scopes=scopes, rate=rate)
        self.stdout.write(f"Đã đăng ký / registered «{party.name}» (key id {party.key_id}, "
                          f"{', '.join(party.scopes)}, {party.rate_per_minute}/min)")  # fmt: skip
        self.stdout.write("Khóa API chỉ hiện một lần / the API key is shown only once:")
        self.stdout.write(key)

    def list(self, **options):
        for party in RelyingParty.objects.order_by("name"):
            state = "active" if party.is_active else "disabled"
            self.stdout.write(f"{party.key_id}  {state:8}  {party.rate_per_minute:>7}/min  "
                              f"{','.join(party.scopes):20}  {party.name}")  # fmt: skip

    def disable(self, name, user, **options):
        party = actions.disable_party(self._actor(user), actions.party_by_name(name).pk)
        self.stdout.write(f"Đã vô hiệu hóa / disabled «{party.name}» ({party.key_id})")

    def rotate_key(self, user=None, **options):
        from django.db import transaction

        from cancuoc.accounts.permissions import PermissionDenied, Verb, require_permission
        from cancuoc.relying import events

        actor = self._actor(user)
        if actor is not None:
            try:
                require_permission(actor, Verb.RELYING_PARTY_MANAGE)
            except PermissionDenied as error:
                raise CommandError("Vai trò này không được quản lý bên sử dụng / "
                                   "this role may not manage relying parties") from error  # fmt: skip
        with transaction.atomic():
            key_id = signing.rotate()
            events.status_key_rotated(actor, key_id=key_id)
        self.stdout.write(f"Khóa ký trạng thái mới / new status-signing key: {key_id}")
