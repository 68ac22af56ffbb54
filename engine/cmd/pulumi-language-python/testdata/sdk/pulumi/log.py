from . import runtime


def error(message):
    runtime.record["errors"].append(message)
    runtime.save()
