"""The API's JSON parser: DRF's, refusing with a 400 what would otherwise fail later as a 500 or 503."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

NUL_REFUSED = "NUL (\\u0000) is not allowed in strings"
SURROGATE_REFUSED = "unpaired surrogates (\\ud800-\\udfff) are not allowed in strings"


def _problem(text: str) -> str | None:
    """PostgreSQL refuses NUL in text; a lone surrogate has no UTF-8, so neither the database nor
    an error message that repeats the value could take it."""
    if "\x00" in text:
        return NUL_REFUSED
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            return SURROGATE_REFUSED
    return None


def refused_string(data) -> str | None:
    """What is wrong with the first string (or key) in `data` that cannot be stored, and where.
    Iterative: the parser follows nesting deeper than a recursive walk could."""
    pending = [(data, "")]
    while pending:
        value, where = pending.pop()
        if isinstance(value, dict):
            for key in value:
                if problem := _problem(key):
                    return f"{problem}, at a key of {where or 'the body'}"
            pending.extend((child, f"{where}.{key}" if where else key) for key, child in reversed(value.items()))
        elif isinstance(value, list):
            pending.extend((child, f"{where}[{index}]") for index, child in reversed(list(enumerate(value))))
        elif isinstance(value, str) and (problem := _problem(value)):
            return f"{problem}, at {where or 'the body'}"
    return None


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        if problem := refused_string(data):
            raise ParseError(f"JSON parse error - {problem}.")
        return data
