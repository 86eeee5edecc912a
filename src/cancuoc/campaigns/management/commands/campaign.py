"""`cancuoc campaign coverage|outstanding|simulate|forecast|fold|rebuild`: the campaign's figures for
commanders and the acceptance checks (JSON with --json), the station simulation, and the kept counts'
fold and rebuild."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cancuoc.registry.validation import parse_date

from ... import actions, counting, selectors, simulation
from ...errors import CampaignError
from ...errors import CampaignErrorCode as Code
from ...status import coverage_ratio


def _date(text):
    try:
        day = parse_date(text)
    except (ValueError, TypeError):
        day = None
    if day is None:
        raise CampaignError(Code.DATE_INVALID, value=str(text)[:20])
    return day


def _number(value, name, low, high, kind=float):
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number != number or not low <= number <= high:
        raise CampaignError(Code.NUMBER_INVALID, name=name, low=low, high=high)
    return number


class Command(BaseCommand):
    help = (
        "Campaign: `campaign coverage --unit CODE [--on dd/mm/yyyy] [--json]`, `campaign outstanding --unit CODE "
        "[--json]`, `campaign simulate --officers N --minutes-per-application M --arrivals-per-hour A --hours H "
        "--seed S [--json]`, `campaign forecast --unit CODE --by dd/mm/yyyy`, `campaign fold`, `campaign rebuild`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        coverage = sub.add_parser("coverage", help="target and coverage of a unit and its children")
        coverage.add_argument(
            "--unit", required=True, help='GSO code, "cũ:<code>" for a pre-2025 unit, VN for the country'
        )
        coverage.add_argument("--on", help="dd/mm/yyyy (default today: the kept counts)")
        coverage.add_argument("--json", action="store_true")
        outstanding = sub.add_parser(
            "outstanding", help="eligible citizens without an application, with the reason"
        )
        outstanding.add_argument("--unit", required=True)
        outstanding.add_argument("--json", action="store_true")
        simulate = sub.add_parser("simulate", help="a station day (SimPy)")
        simulate.add_argument("--officers", required=True)
        simulate.add_argument("--minutes-per-application", required=True)
        simulate.add_argument("--arrivals-per-hour", required=True)
        simulate.add_argument("--hours", required=True)
        simulate.add_argument("--seed", default="1")
        simulate.add_argument("--json", action="store_true")
        plan = sub.add_parser(
            "forecast", help="completion date at the current pace; officers to finish by a date"
        )
        plan.add_argument("--unit", required=True)
        plan.add_argument("--by", help="dd/mm/yyyy: officers per shift needed to finish by then")
        plan.add_argument("--minutes-per-application", default="5")
        plan.add_argument("--shifts", default="1")
        plan.add_argument("--json", action="store_true")
        sub.add_parser("fold", help="bring the kept counts up to date (the periodic task does this)")
        sub.add_parser("rebuild", help="recompute every kept count from the records")

    def handle(self, *args, **options):
        try:
            getattr(self, "_" + options["action"])(options)
        except CampaignError as error:
            raise CommandError(error.message) from None

    def _area(self, code):
        area = selectors.find_area(code)
        if area is None:
            raise CampaignError(Code.UNIT_NOT_FOUND, code=str(code)[:20])
        return area

    def _coverage(self, options):
        area = self._area(options["unit"])
        on = _date(options["on"]) if options.get("on") else None
        counting.fold()
        tree = selectors.coverage_tree(area, on=on)
        if options["json"]:
            self.stdout.write(json.dumps(tree, ensure_ascii=False))
            return
        self.stdout.write(f"{area.name} ({area.code}) — {tree['coverage'] * 100:.1f} %")
        for row in [tree, *tree["children"]]:
            self.stdout.write(f"  {row['unit']:>8} {row['target']:>9} {row['applications']:>9} {row['approved']:>9} "
                              f"{row['produced']:>9} {row['handed_over']:>9} {row['valid_cards']:>9} "
                              f"{row['coverage'] * 100:6.1f} %")  # fmt: skip

    def _outstanding(self, options):
        area = self._area(options["unit"])
        counting.fold()
        rows = selectors.outstanding(area)
        if options["json"]:
            self.stdout.write(json.dumps({"rows": [row.as_dict() for row in rows]}, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(
                f"{row.id_number}  {row.reason:<18} {row.action:<18} {row.household:<12} {row.full_name}"
            )

    def _simulate(self, options):
        try:
            result = simulation.simulate(
                officers=_number(options["officers"], "--officers", 1, 500, int),
                minutes_per_application=_number(options["minutes_per_application"], "--minutes-per-application", 0.5, 240),
                arrivals_per_hour=_number(options["arrivals_per_hour"], "--arrivals-per-hour", 0, 5000),
                hours=_number(options["hours"], "--hours", 0.5, 72),
                seed=_number(options["seed"], "--seed", 0, 2**31, int),
            )  # fmt: skip
        except simulation.SimulationTooLarge as error:
            raise CommandError(f"Quá nhiều lượt đến để mô phỏng ({error.expected:.0f}; tối đa {simulation.MAX_ARRIVALS}: "
                               f"--arrivals-per-hour × --hours) / too many arrivals to simulate ({error.expected:.0f}; "
                               f"at most {simulation.MAX_ARRIVALS})") from None  # fmt: skip
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        self.stdout.write(f"served {result.served} of {result.arrived}; waiting p90 {result.waiting_p90_minutes} min; "
                          f"utilisation {result.utilisation * 100:.0f} %")  # fmt: skip

    def _forecast(self, options):
        area = self._area(options["unit"])
        counting.fold()
        own, _children = selectors.unit_rows(area)
        values = own.values
        finish = selectors.completion_forecast(area.roots, values)
        answer = {"unit": area.code, "target": values.get("target", 0), "covered": values.get("covered", 0),
                  "coverage": coverage_ratio(values.get("covered", 0), values.get("target", 0)),
                  "completion_date": finish.strftime("%d/%m/%Y") if finish else None}  # fmt: skip
        if options.get("by"):
            by = _date(options["by"])
            days = (by - timezone.localdate()).days
            minutes = _number(options["minutes_per_application"], "--minutes-per-application", 0.5, 240)
            shifts = _number(options["shifts"], "--shifts", 1, 4, int)
            outstanding = max(values.get("target", 0) - values.get("covered", 0), 0)
            plans = {}
            for label, m in (("chosen", minutes), ("5_minutes", 5.0), ("3_minutes", 3.0)):
                plan = simulation.officers_needed(outstanding=outstanding, days=days, minutes_per_application=m,
                                                  shifts=shifts)  # fmt: skip
                plans[label] = None if plan is None else {"officers_per_shift": plan.officers, "per_day": plan.per_day,
                                                          "waiting_p90_minutes": plan.waiting_p90_minutes}  # fmt: skip
            answer["by"], answer["plans"] = by.strftime("%d/%m/%Y"), plans
        self.stdout.write(json.dumps(answer, ensure_ascii=False) if options["json"] else
                          "\n".join(f"{key}: {value}" for key, value in answer.items()))  # fmt: skip

    def _fold(self, options):
        result = counting.fold()
        self.stdout.write(f"folded: {result['citizens']} citizens, {result['units']} units")

    def _rebuild(self, options):
        result = actions.rebuild_counts(None)
        self.stdout.write(f"rebuilt: {result['citizens']} citizens, {result['units']} units")
