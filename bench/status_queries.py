"""Card status queries by relying parties through HTTP, production server, 1,000,000 cards on PostgreSQL.

    python bench/status_queries.py --seed      # once: the database cancuoc_bench_status (about a minute)
    python bench/status_queries.py [--duration 10] [--clients 1,8,32] [--modes batched,sync]

The database is of its own (``cancuoc_bench_status``): 900,000 citizens and 1,000,000 cards written with
INSERT … SELECT and COPY (not through the lifecycle: no history rows, which a status query never reads),
mostly active, with suspended, expired (by date and by state), revoked, lost and replaced ones; one relying
party with a rate far above the load. Keys (audit MAC, status-signing key) live in ``var/bench-status``.

Then it measures the parts of one query in one process (key check, rate counter, indexed query,
signature, audit entry) and the whole through HTTP: ``cancuoc serve --no-worker`` in production (granian,
its default processes and threads), ``wrk`` on the same machine posting ``{"serial", "sod_sha256"}`` with
``Authorization: Bearer KEY``, once per audit mode (``CANCUOC_STATUS_AUDIT``: ``batched`` — the production
default — and ``sync``, one committed entry before each answer).
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_lookup import SECRET, free_port, stop, wait_until_up  # noqa: E402
from import_million import recreate_database  # noqa: E402
from report import ROOT, record, setup_django, time_calls  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/cancuoc_bench_status"
VAR_DIR = ROOT / "var" / "bench-status"
PKI_PASSPHRASE = "bench-status-only-passphrase"
KEY_FILE = VAR_DIR / "bench-party.key"
CARDS, CITIZENS = 1_000_000, 900_000
PYTHON = sys.executable

WRK_SCRIPT = r"""
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
local counter = 0
local offset = 0
setup = function(thread) offset = offset + 7919; thread:set("offset", offset) end
init = function(args) counter = offset or 0 end
request = function()
  counter = counter + 1
  return wrk.format("POST", "/api/v1/status", {
    ["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY"), ["Content-Type"] = "application/json",
    ["X-Forwarded-Proto"] = "https", ["Host"] = "127.0.0.1",
  }, bodies[(counter % #bodies) + 1])
end
local codes = {}
response = function(status, headers, body) codes[status] = (codes[status] or 0) + 1 end
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "p50": %f, "p99": %f, "max": %f, ' ..
    '"status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def environment(database_url: str, **extra) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "CANCUOC_VAR_DIR": str(VAR_DIR),
            "CANCUOC_PKI_DIR": str(VAR_DIR / "pki"), "CANCUOC_PKI_PASSPHRASE": PKI_PASSPHRASE,
            "DJANGO_SETTINGS_MODULE": "cancuoc.settings", **extra}  # fmt: skip


def card_row(n: int) -> tuple:
    """(serial, citizen number, state, expiry) of card ``n`` (1-based)."""
    from cancuoc.rules.cardstates import make_serial

    if n <= CITIZENS:  # each citizen's card in use: 1 % suspended, 5 % past their expiry date, still active
        state = "suspended" if n % 100 == 0 else "active"
        expiry = "2025-06-01" if n % 20 == 1 else "2040-01-01"
        return make_serial(2026, n), n, state, expiry
    state = ("revoked", "replaced", "expired", "lost")[n % 4]  # earlier cards of the first 100,000 citizens
    return make_serial(2026, n), n - CITIZENS, state, "2030-01-01"


def sod_of(n: int) -> str:
    return hashlib.sha256(f"EF.SOD {n}".encode()).hexdigest()


def seed(database_url: str) -> None:
    recreate_database(database_url)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.update(environment(database_url))
    setup_django(database_url, str(VAR_DIR))
    from django.core.management import call_command
    from django.db import connection

    from cancuoc.relying import actions, signing

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO registry_citizen (id, id_number, family_name, middle_name, given_name, full_name, other_names,
                name_folded, name_sorted, birth_date, birth_date_precision, sex, ethnicity, religion, nationality,
                blood_type, marital_status, permanent_address, temporary_address, current_address, relation_to_head,
                father_name, mother_name, spouse_name, old_id_number, version, created_at, updated_at)
            SELECT n, '079' || lpad(n::text, 9, '0'), 'Nguyễn', 'Văn', 'An', 'Nguyễn Văn An', '', 'nguyen van an',
                'an nguyen van', DATE '1990-01-01', 'day', 'M', '', '', 'VNM', '', '', '', '', '', '', '', '', '', '',
                1, now(), now()
            FROM generate_series(1, {CITIZENS}) AS n""")  # fmt: skip
        cursor.execute("SELECT setval(pg_get_serial_sequence('registry_citizen', 'id'), %s)", [CITIZENS])
    citizens_seconds = time.perf_counter() - start
    start = time.perf_counter()
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(
        "COPY cards_card (serial, citizen_id, state, unit_path, issue_date, expiry, ds_certificate_serial, sod_sha256,"
        " mrz_sha256, created_at, state_changed_at, handed_over_at) FROM STDIN"
    ) as copy:  # fmt: skip
        for n in range(1, CARDS + 1):
            serial, citizen, state, expiry = card_row(n)
            copy.write_row((serial, citizen, state, "/1/2/3/", "2026-01-01", expiry, "ab", sod_of(n),
                            hashlib.sha256(f"MRZ {n}".encode()).hexdigest(), "2026-01-01T00:00:00Z",
                            "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))  # fmt: skip
    raw.commit()
    cards_seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _party, key = actions.register_party(None, "Ngân hàng đo tải / bench bank", scopes=["status", "status-list"],
                                         rate=actions.MAX_RATE)  # fmt: skip
    KEY_FILE.write_text(key)
    KEY_FILE.chmod(0o600)
    signing.current_signer()  # the status-signing key, made now (production refuses the development passphrase)
    print(f"{CITIZENS:,} citizens in {citizens_seconds:.0f} s, {CARDS:,} cards in {cards_seconds:.0f} s", flush=True)


def bodies(count: int) -> list[str]:
    """Queries for random cards, each with its EF.SOD hash; one in 50 with a wrong proof (answered 404)."""
    from cancuoc.rules.cardstates import make_serial

    chosen = random.Random(7)
    lines = []
    for _ in range(count):
        n = chosen.randint(1, CARDS)
        proof = sod_of(n) if chosen.random() >= 0.02 else sod_of(n + 1)
        lines.append(json.dumps({"serial": make_serial(2026, n), "sod_sha256": proof}))
    return lines


def parts(database_url: str) -> list[str]:
    """Milliseconds of each part of one query, in this process (p50 / p99 over 2,000 calls)."""
    os.environ.update(environment(database_url, CANCUOC_STATUS_AUDIT="sync"))
    setup_django(database_url, str(VAR_DIR))
    from django.db import connection, transaction
    from django.utils import timezone

    from cancuoc.audit.services import record_many
    from cancuoc.relying import events, ratelimits, selectors, signing
    from cancuoc.relying.api import _query
    from cancuoc.rules.cardstates import make_serial

    key = KEY_FILE.read_text().strip()
    party = selectors.party_for_key(key)
    queries = [json.loads(line) for line in bodies(2000)]
    today = timezone.localdate()
    numbers = [random.Random(3).randint(1, CARDS) for _ in range(2000)]
    rows = []

    def measure(what, function, arguments):
        result = time_calls(function, arguments)
        rows.append(f"| {what} | {result['p50']:.3f} | {result['p99']:.3f} |")

    measure("API key check (cached in the process)", selectors.party_for_key, [key] * 2000)
    measure("API key check (cache expired: one query)",
            lambda k: (selectors.forget_all_keys(), selectors.party_for_key(k)), [key] * 2000)  # fmt: skip
    measure("rate counter (the site's file cache, one query in 50 at this rate)",
            lambda k: ratelimits.hit(k, 10**6), [party.key_id] * 2000)  # fmt: skip
    measure("rate counter synced at every query (a rate under 100 a minute)",
            lambda k: (ratelimits.forget(), ratelimits.hit(k, 10**6)), [party.key_id] * 2000)  # fmt: skip
    measure("body checks", _query, queries)
    measure("card status (one indexed query)",
            lambda n: selectors.card_status(make_serial(2026, n), sod_sha256=sod_of(n), on=today), numbers)  # fmt: skip
    answer = {"serial": "C26000000019", "status": "valid", "checked_at": "2026-12-02T03:00:00Z", "proof": "sod_sha256",
              "proof_sha256": "0" * 64}  # fmt: skip
    measure("ECDSA P-256 signature of the answer", signing.sign, [answer] * 2000)
    query = dict(serial="C26000000019", unit_path="/1/2/3/", proof="sod_sha256", answer="valid", address="127.0.0.1")
    measure("audit entry, sync (its own transaction, committed)",
            lambda _i: events.card_status_queried(party, **query), range(2000))  # fmt: skip
    actor = events.party_actor(party)
    from cancuoc.audit.models import Action, Event
    from cancuoc.audit.services import AuditEvent

    batch = [AuditEvent(Action.READ, "card", "C26000000019", "/1/2/3/", "status query", {"party": party.key_id},
                        event=Event.CARD_STATUS_QUERIED)] * 200  # fmt: skip

    def write_batch(_i):
        with transaction.atomic():
            record_many(actor, batch)

    result = time_calls(write_batch, range(40), warm_up=3)
    rows.append(f"| audit entry, batched (200 per transaction), per entry | {result['p50'] / 200:.3f} | "
                f"{result['p99'] / 200:.3f} |")  # fmt: skip
    connection.close()
    return rows


def run_wrk(port: int, key: str, body_file: Path, clients: int, seconds: int, folder: Path) -> dict:
    script = folder / "status.lua"
    script.write_text(WRK_SCRIPT)
    output = subprocess.run(
        ["wrk", "-t", str(min(2, clients)), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s", "-s",
         str(script), f"http://127.0.0.1:{port}"],
        env={**os.environ, "BENCH_BODIES": str(body_file), "BENCH_KEY": key}, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    result = json.loads(output.split("RESULT ", 1)[1].splitlines()[0])
    result["rate"] = result["requests"] / result["seconds"]
    return result


def count_cards(database_url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(database_url) as connection:
            return connection.execute("SELECT count(*) FROM cards_card").fetchone()[0]
    except psycopg.Error:
        return 0


def audit_entries(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as connection:
        return connection.execute("SELECT count(*) FROM audit_auditentry WHERE event = 'card_status_queried'").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("BENCH_STATUS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seed", action="store_true", help="(re)build the bench database")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--modes", default="batched,sync", help="CANCUOC_STATUS_AUDIT values to measure")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    if args.seed:
        seed(args.database_url)
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    total = count_cards(args.database_url)
    if total < CARDS or not KEY_FILE.exists():
        sys.exit("run bench/status_queries.py --seed first")
    subprocess.run([PYTHON, "-m", "cancuoc.cli", "migrate", "--no-input", "-v", "0"],
                   env=environment(args.database_url), check=True)  # fmt: skip
    key = KEY_FILE.read_text().strip()
    part_rows = parts(args.database_url)
    for line in part_rows:
        print(line, flush=True)
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        body_file = Path(folder) / "bodies.txt"
        body_file.write_text("\n".join(bodies(20_000)) + "\n")
        for mode in args.modes.split(","):
            port = free_port()
            env = environment(args.database_url, CANCUOC_ENV="production", CANCUOC_SECRET_KEY=SECRET,
                              CANCUOC_ALLOWED_HOSTS="127.0.0.1", CANCUOC_STATUS_AUDIT=mode)  # fmt: skip
            process = subprocess.Popen([PYTHON, "-m", "cancuoc.cli", "serve", f"127.0.0.1:{port}", "--no-worker"],
                                       env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                       start_new_session=True)  # fmt: skip
            try:
                wait_until_up(port, process)
                run_wrk(port, key, body_file, 32, 5, Path(folder))  # warm-up: every process loads the key, connects
                for clients in (int(c) for c in args.clients.split(",")):
                    before = audit_entries(args.database_url)
                    result = run_wrk(port, key, body_file, clients, args.duration, Path(folder))
                    time.sleep(1)  # batched entries are written within 0.25 s
                    written = audit_entries(args.database_url) - before
                    errors = result["status_errors"] + result["socket_errors"]
                    lines.append(f"| {mode} | {clients} | **{result['rate']:,.0f}** | {result['p50']:.1f} | "
                                 f"{result['p99']:.1f} | {result['max']:.0f} | {errors} | {written:,} |")  # fmt: skip
                    print(lines[-1], flush=True)
            finally:
                stop(process)
    intro = (
        f"`bench/status_queries.py`: `POST /api/v1/status` with `Authorization: Bearer KEY` and "
        f"`{{\"serial\", \"sod_sha256\"}}` for random cards among {total:,} (one in 50 with a wrong proof, answered "
        f"404 like an unknown serial: *non-2xx* counts them with any error), `cancuoc serve --no-worker` in production "
        f"(granian, its default processes and threads), persistent database connections, `wrk` on the same 2 cores, "
        f"{args.duration} s per row. Each answer is signed (ECDSA P-256) and each query audited for its party; "
        f"*audit* is `CANCUOC_STATUS_AUDIT`: `batched` (production default: entries written by the process within "
        f"0.25 s, up to 200 per transaction) or `sync` (one committed entry before each answer). *entries* is the "
        f"number of audit entries written during the row (every request, the 404s too). "
        f"Goal: ≥ 1,000 queries/s with p99 < 50 ms."
    )
    table = ("| audit | clients | queries/s | p50 ms | p99 ms | max ms | non-2xx | entries |\n"
             "|---|---|---|---|---|---|---|---|\n" + "\n".join(lines))  # fmt: skip
    parts_table = ("The parts of one query, measured in one process (ms, p50 / p99 of 2,000 calls):\n\n"
                   "| part | p50 ms | p99 ms |\n|---|---|---|\n" + "\n".join(part_rows))  # fmt: skip
    if not args.no_record:
        record("status-queries", f"Card status queries through HTTP, {total:,} cards on PostgreSQL",
               f"{intro}\n\n{table}\n\n{parts_table}")  # fmt: skip


if __name__ == "__main__":
    main()
