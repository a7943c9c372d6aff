"""Request parsers of the API: DRF's, with JSON nesting bounded.

Python's JSON decoder recurses once per level; a body of 100,000 ``[`` raised RecursionError,
a 500 (an HTML page with debug off). Here too deep a body is a ParseError, a 400 in the API's
JSON error shape, and nothing deeper than ``MAX_JSON_DEPTH`` reaches a serializer.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# An offer is {"lots": [{...}]}: three levels. Forty leaves room for any honest client.
MAX_JSON_DEPTH = 40


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_too_deep()) from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(_too_deep())
        return data


def json_depth(data) -> int:
    """How deeply lists and objects nest in parsed JSON (a scalar is 0), without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_JSON_DEPTH:
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _too_deep() -> str:
    return f"JSON parse error - the body is nested more than {MAX_JSON_DEPTH} levels deep."
