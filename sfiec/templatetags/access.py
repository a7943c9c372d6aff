"""Templates ask the same permission model as the views: ``{% if user|may:"signup.decide" %}``."""

from django import template

from sfiec.roles import user_may

register = template.Library()


@register.filter
def may(user, action: str) -> bool:
    return user_may(user, action)
