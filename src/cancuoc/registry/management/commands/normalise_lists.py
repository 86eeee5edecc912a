"""``cancuoc normalise_lists --user U [--apply]``: bring ethnicity and religion values stored before the
official lists were enforced to the lists (official spelling, or ``Khác: …`` flagged for review), each
change through ``registry.actions.update_citizen`` (audited, with a reason). Without ``--apply`` it only
counts what would change."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cancuoc.registry import actions, selectors
from cancuoc.rules import ethnic_religion

REASON = "Chuẩn hóa dân tộc, tôn giáo theo danh mục chính thức / Ethnicity and religion normalised to the official lists"


class Command(BaseCommand):
    help = "Normalise stored ethnicity and religion values to the official lists (audited; --apply to write)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="acting officer (their area applies; audited)")
        parser.add_argument("--apply", action="store_true", help="write the changes (default: count them)")

    def handle(self, *args, user, apply, **options):
        acting = get_user_model().objects.filter(username=user, is_active=True).first()
        if acting is None:
            raise CommandError(f"Không có người dùng {user!r} / No active user {user!r}")
        changed = left = 0
        for citizen in selectors.scoped(acting).order_by("pk").iterator(chunk_size=2000):
            values = {}
            for field, read in (("ethnicity", ethnic_religion.read_ethnicity),
                                ("religion", ethnic_religion.read_religion)):  # fmt: skip
                stored = getattr(citizen, field)
                if not stored:
                    continue
                wanted = ethnic_religion.listed_or_outside(stored, read)
                if wanted is None:
                    left += 1
                elif wanted != stored:
                    values[field] = wanted
            if not values:
                continue
            if apply:
                try:
                    actions.update_citizen(acting, citizen, values, reason=REASON)
                except actions.RegistryError:
                    left += 1
                    continue
            changed += 1
        vi, en = ("đã chuẩn hóa", "changed") if apply else ("sẽ được chuẩn hóa", "would change")
        self.stdout.write(f"{changed} công dân {vi}; {left} giá trị để cán bộ sửa / {changed} citizens {en}; "
                          f"{left} values left for an officer to correct")
