"""schemathesis hooks for tests/fuzz/run.py.

Schemathesis links operations by itself (GET a list, then DELETE what it named), so it would
delete or disable the very credential whose token it sends and spend the rest of the run on
401s. Requests naming that credential are pointed at a second one of the same member instead.

It also sends every operation bad input as explicit cases (issue 12, in the examples phase): NUL
or the UTF-8 bytes of an unpaired surrogate in each path parameter, NUL in the query, NUL or an
unpaired surrogate in every body field, and a JSON body nested deeper than a parser follows. Like
every other case they must get a documented answer, never a 5xx.
"""

import os

import schemathesis

OWN = os.environ["FUZZ_OWN_CLIENT_ID"]
TARGET = os.environ["FUZZ_TARGET_CLIENT_ID"]
# Real values for the path parameters that are not the bad one, so that a case gets as far as the lookup.
REAL_PATH = {
    "region": "us-region-1",
    "cloudaccount_id": os.environ["FUZZ_CLOUDACCOUNT_ID"],
    "client_id": TARGET,
    "resource_id": "00000000-0000-4000-8000-000000000000",
    "name": "web",
}
BAD_IN_PATH = ("%00", "%ED%A0%80")  # as sent: percent-encoded
BAD_IN_BODY = ("\x00", "\ud800")
NESTED = ("[" * 1000 + "]" * 1000).encode()
JSON = "application/json"


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    if case.path_parameters and case.path_parameters.get("client_id") == OWN:
        case.path_parameters["client_id"] = TARGET


@schemathesis.hook
def before_add_examples(context, examples) -> None:
    operation = context.operation
    path = {name: REAL_PATH[name] for name in (parameter.name for parameter in operation.path_parameters)}
    cases = [{"path_parameters": {**path, name: bad}} for name in path for bad in BAD_IN_PATH]
    # The declared query parameters, or an undeclared one: NUL must be refused in any.
    query = [parameter.name for parameter in operation.query] or ["q"]
    cases.append({"path_parameters": path, "query": dict.fromkeys(query, "\x00")})
    for body in operation.body:
        fields = body.resolved_schema.get("properties", {})
        bad_values = BAD_IN_BODY if body.media_type == JSON else BAD_IN_BODY[:1]  # a form body is UTF-8 bytes
        for bad in bad_values:
            filled = {name: [bad] if field.get("type") == "array" else bad for name, field in fields.items()}
            cases.append({"path_parameters": path, "body": filled, "media_type": body.media_type})
        if body.media_type == JSON:
            cases.append({"path_parameters": path, "body": NESTED, "media_type": JSON})
    examples.extend(operation.Case(**case) for case in cases)
