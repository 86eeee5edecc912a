"""Shared by the enrollment benchmarks (bench/enrollment_intake.py, bench/enrollment_processing.py): their
PostgreSQL database, the officer at a station, citizens who may apply, and realistic biometric payloads.

The database ``cancuoc_enrollment`` is made once and kept (``prepare``: migrate, units, then
``cancuoc demo --province 01 --citizens N`` into it); every run takes citizens who have never applied,
so runs can follow one another until they run out (then ``--citizens`` more, or ``--recreate``).
Keys (CANCUOC_VAR_DIR) live in ``var/bench-enrollment`` beside it: the server must use the same folder.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

from report import ROOT

PYTHON = sys.executable
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/cancuoc_enrollment"
VAR_DIR = ROOT / "var" / "bench-enrollment"
PRINTS_DIR = VAR_DIR / "prints"
SECRET = "bench-only-secret-key-0123456789-0123456789-0123456789"
BENCH_USER = "bench-enrollment"
BENCH_PASSWORD = "bench-enrollment-password-123"
PROVINCE = "01"  # Hà Nội (2025 code): the demo population lives there
STATION_CODE = "BENCH-01"
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}  # as nginx sends them


def environment(database_url: str, production: bool = False) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "CANCUOC_VAR_DIR": str(VAR_DIR),
           "DJANGO_SETTINGS_MODULE": "cancuoc.settings"}  # fmt: skip
    if production:
        env.update(CANCUOC_ENV="production", CANCUOC_SECRET_KEY=SECRET, CANCUOC_ALLOWED_HOSTS="127.0.0.1")
    return env


def cancuoc(database_url: str, *arguments: str, quiet: bool = True) -> None:
    subprocess.run([PYTHON, "-m", "cancuoc.cli", *arguments], env=environment(database_url), cwd=ROOT,
                   check=True, capture_output=quiet)  # fmt: skip


def prepare(database_url: str, citizens: int, recreate: bool = False, production: bool = True) -> None:
    """The bench database with at least ``citizens`` demo citizens in province 01, migrated; then Django is
    set up in this process on it, with the production settings by default (persistent connections, as
    the server has them); the caller imports models after this."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if recreate:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    cancuoc(database_url, "migrate", "--no-input", "-v", "0")
    with psycopg.connect(database_url) as connection:
        units = connection.execute("SELECT count(*) FROM units_administrativeunit").fetchone()[0]
        people = connection.execute("SELECT count(*) FROM registry_citizen").fetchone()[0]
    if not units:
        cancuoc(database_url, "units", "load")
    if people < citizens:
        start = time.perf_counter()
        cancuoc(database_url, "demo", "--province", PROVINCE, "--citizens", str(citizens - people),
                "--seed", str(5 + people), "--no-users")  # fmt: skip
        print(f"{citizens - people:,} demo citizens in {time.perf_counter() - start:.0f} s", flush=True)
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("ANALYZE")  # as autovacuum would, before anything is measured on the new rows
    os.environ.update(environment(database_url, production=production))
    import django

    django.setup()


def province_unit():
    from cancuoc.units.models import AdministrativeUnit, Level, Structure

    return AdministrativeUnit.objects.get(code=PROVINCE, level=Level.PROVINCE, structure=Structure.Y2025)


def ensure_officer():
    """The bench officer: a supervisor of province 01 (so every demo citizen is in the area), working at
    the bench station. Made through enrollment's actions, as the demo makes its own."""
    from cancuoc.accounts.models import Role, User
    from cancuoc.enrollment import actions
    from cancuoc.enrollment.models import Station

    province = province_unit()
    officer = User.objects.filter(username=BENCH_USER).first()
    if officer is None:
        officer = User.objects.create_user(BENCH_USER, password=BENCH_PASSWORD, role=Role.SUPERVISOR,
                                           unit=province, first_name="Bench")  # fmt: skip
    station = Station.objects.filter(code=STATION_CODE).first() or actions.create_station(
        None, code=STATION_CODE, name="Điểm thu nhận (bench)", kind="fixed", unit=province
    )
    if not station.assignments.filter(officer=officer, current=True).exists():
        actions.assign_officer(None, station, officer)
    return officer


def fresh_citizens(count: int, exclude: set[str] = frozenset()) -> list[str]:
    """ID numbers of living Vietnamese citizens of the province, 15 or older (a first card, ten
    fingerprints), unmerged, who have never applied; in a fixed order."""
    from cancuoc.registry.models import Citizen

    province = province_unit()
    today = date.today()
    numbers = (
        Citizen.objects.filter(permanent_unit__path__startswith=province.path, date_of_death__isnull=True,
                               nationality="VNM", merged_into__isnull=True,
                               birth_date__lte=today.replace(year=today.year - 15))
        .exclude(applications__isnull=False).order_by("pk").values_list("id_number", flat=True)
    )  # fmt: skip
    found = []
    for number in numbers.iterator(chunk_size=5000):
        if number not in exclude:
            found.append(number)
            if len(found) == count:
                break
    return found


# -- biometric payloads -----------------------------------------------------------------------------------
def portrait_jpeg() -> bytes:
    """The compliant portrait of tests/faces/portraits.py (413 × 531) as JPEG quality 90, as the capture
    page sends it; cached."""
    path = VAR_DIR / "portrait.jpg"
    if not path.exists():
        sys.path.insert(0, str(ROOT))
        from tests.faces.portraits import astronaut_on_plain_background, compliant, jpeg

        path.write_bytes(jpeg(compliant(astronaut_on_plain_background())))
    return path.read_bytes()


def finger_png(person: int, position: int) -> bytes:
    """A synthetic print (``generate_finger``, 400 × 320 at 500 dpi) as PNG; cached on disk because one
    takes about a second to grow."""
    path = PRINTS_DIR / f"{person}-{position}.png"
    if not path.exists():
        from PIL import Image

        from cancuoc.fingerprints.synth import generate_finger

        PRINTS_DIR.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        Image.fromarray(generate_finger(7, person, position, 1)).save(buffer, "PNG")
        path.write_bytes(buffer.getvalue())
    return path.read_bytes()


def as_jpeg(image: bytes, quality: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.open(io.BytesIO(image)).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def encoded(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def intake_body(id_number: str, portrait: bytes, fingers: dict[int, bytes]) -> dict:
    return {"id_number": id_number, "kind": "first", "portrait": encoded(portrait),
            "fingerprints": {str(p): encoded(d) for p, d in sorted(fingers.items())}, "finger_exceptions": {}}  # fmt: skip


def sized_fingers(person: int, target_bytes: int) -> tuple[dict[int, bytes], int]:
    """Ten prints as JPEG at the highest quality that keeps the JSON body within ``target_bytes`` (JPEG
    stands in for the WSQ compression of a live scanner; ten PNG prints alone make 1.2 MB of JSON)."""
    pngs = {position: finger_png(person, position) for position in range(1, 11)}
    portrait = portrait_jpeg()
    for quality in range(95, 9, -5):
        fingers = {position: as_jpeg(data, quality) for position, data in pngs.items()}
        if len(json.dumps(intake_body("0" * 12, portrait, fingers))) <= target_bytes:
            return fingers, quality
    return fingers, quality


# -- the production server -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_in(port: int, username: str = BENCH_USER, password: str = BENCH_PASSWORD) -> dict[str, str]:
    """The session and CSRF cookies of the bench officer, through the login page. The cookies are Secure
    (production) and this client speaks plain HTTP to the server, as nginx does: they are carried by hand."""
    base = f"http://127.0.0.1:{port}"

    def cookies_of(answer) -> dict[str, str]:
        found = {}
        for header in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
        return found

    with urllib.request.urlopen(urllib.request.Request(f"{base}/login/", headers=PROXY_HEADERS)) as answer:
        cookies = cookies_of(answer)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.read().decode())[1]
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token}).encode()  # fmt: skip

    class Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(f"{base}/login/", data=data, headers={
        **PROXY_HEADERS, "Referer": "https://127.0.0.1/login/", "Cookie": f"csrftoken={cookies['csrftoken']}"})  # fmt: skip
    try:
        urllib.request.build_opener(Keep).open(request)
    except urllib.error.HTTPError as answer:  # the 302 after a successful log-in
        cookies.update(cookies_of(answer))
    if "sessionid" not in cookies:
        sys.exit("log-in failed")
    return {"sessionid": cookies["sessionid"], "csrftoken": cookies["csrftoken"]}


def api_headers(cookies: dict[str, str]) -> dict[str, str]:
    """What a logged-in browser sends with a JSON POST behind the reverse proxy."""
    return {**PROXY_HEADERS, "Cookie": f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}",
            "X-CSRFToken": cookies["csrftoken"], "Referer": "https://127.0.0.1/enrollment/",
            "Content-Type": "application/json"}  # fmt: skip


def load_average() -> str:
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return f"{one} / {five} / {fifteen}"
