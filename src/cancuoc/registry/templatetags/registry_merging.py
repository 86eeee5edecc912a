"""The citizen page's part of a merge: the record this one was merged into, the records merged into this
one with their histories (``{% merging_of citizen as merging %}``), read for the page's user."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def merging_of(context, citizen) -> dict:
    from cancuoc.registry.views_lists import merging_context

    if not hasattr(citizen, "_merging"):  # the page asks twice (banner, histories): read once
        citizen._merging = merging_context(context["request"].user, citizen)
    return citizen._merging
