"""A fake ABIS behind the contract: exact-record matching, so queue tests do not depend on the engine.
It also counts calls and can be told to fail, like an engine that is down."""

from cancuoc.biometrics.abis import AbisCandidate


class FakeAbis:
    def __init__(self):
        self.gallery: dict[str, bytes] = {}
        self.calls: list[str] = []
        self.down = False

    def _call(self, name):
        self.calls.append(name)
        if self.down:
            raise ConnectionError("engine down")

    def insert(self, reference, record):
        self._call("insert")
        self.gallery[reference] = record

    def identify(self, probe, *, exclude=None, gallery=(), max_results=10):
        self._call("identify")
        found = [AbisCandidate(ref, 1.0 if rec == probe else 0.0, rec == probe)
                 for ref, rec in self.gallery.items() if ref != exclude and (not gallery or ref in gallery)]  # fmt: skip
        return sorted(found, key=lambda c: -c.score)[:max_results]

    def delete(self, reference):
        self._call("delete")
        return self.gallery.pop(reference, None) is not None

    def record_of(self, reference):
        return self.gallery.get(reference)

    def count(self):
        return len(self.gallery)
