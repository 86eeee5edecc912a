"""Whether the permission table grants the user a verb, for links to pages the role may use
(``{% may "registry:id_number:cancel" as may_cancel %}``). Pages still check on their own."""

from django import template

from cancuoc.accounts.permissions import Verb, has_permission

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context, verb: str) -> bool:
    user = getattr(context.get("request"), "user", None)
    return has_permission(user, Verb(verb))
