"""schemathesis hooks for tests/fuzz/run.py.

Schemathesis links operations by itself (GET a list, then DELETE what it named), so it would
delete or disable the very credential whose token it sends and spend the rest of the run on
401s. Requests naming that credential are pointed at a second one of the same member instead.
"""

import os

import schemathesis

OWN = os.environ["FUZZ_OWN_CLIENT_ID"]
TARGET = os.environ["FUZZ_TARGET_CLIENT_ID"]


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    if case.path_parameters and case.path_parameters.get("client_id") == OWN:
        case.path_parameters["client_id"] = TARGET
