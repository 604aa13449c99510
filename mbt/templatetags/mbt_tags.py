import uuid

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def new_submission_key() -> str:
    """A fresh one-time key for a form repeated on one page (each case's action item form):
    one form instance would give every copy the same key."""
    return str(uuid.uuid4())
