"""A stand-in for the `pulumi` SDK in the host's Go tests (exec_test.go): it records what exec.py asks of it into
the JSON file STUB_RECORD names, instead of talking to an engine."""
from . import log, runtime


class RunError(Exception):
    pass
