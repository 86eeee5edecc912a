"""``field__any_of=[...]``: membership in a long list of values, for the bulk paths.

Django's ``__in`` writes one placeholder per value; with thousands of values per batch, building and
splitting that statement costs more than running it (an import asks five such questions per batch of
2,000 rows). On PostgreSQL ``any_of`` sends the list as one array parameter (``= ANY(%s)``); elsewhere it
is ``IN`` as usual. Values are passed as they are (no per-value preparation): ID numbers, primary keys.
"""

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # foreign keys have lookups of their own
