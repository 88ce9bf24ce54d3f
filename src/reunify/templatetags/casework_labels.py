"""``{{ value|label }}``: a casework word (stage, outcome, channel …) in the reader's language."""

from django import template

from reunify.web.labels import label as label_of

register = template.Library()


@register.filter
def label(value: object) -> str:
    """The translated label of a vocabulary word; unknown words show as they are."""
    return label_of(value)
