# coding=utf-8
# *** Written by chaser-sdkgen beside the generated SDK (engine/tools/chaser-sdkgen/python_debug_filter.py). ***
"""The `pulumi` Python SDK 3.248 debug-logs the serialized outputs of a stack or component when it registers them
(`register resource outputs prepared: urn=…, props=…` and `resource registration successful: urn=…, props=…`),
secret values included in plaintext: `pulumi up --json` streams those debug messages and `--verbose` logs print
them, so an exported API key (`pulumi.export("ciKey", key.key)`) would reach CI logs. Upstream later logs these
payloads only with excessive debug output (pulumi/pulumi#24479); until programs run such a release, importing
pulumi_chaser installs the same rule: the `props=` part of those two messages is omitted unless
`pulumi.runtime.settings.excessive_debug_output` is on."""

import re

import pulumi.log
import pulumi.runtime.settings

_MARK = "_pulumi_chaser_debug_filter"
_PAYLOAD = re.compile(
    r"^((?:register resource outputs prepared|resource registration successful): urn=[^,]*), props=.*\Z", re.S
)


def omit_outputs_payload(message: str) -> str:
    """The message without the serialized outputs of a RegisterResourceOutputs, when it is one of those two."""
    return _PAYLOAD.sub(r"\1, props=[omitted by pulumi_chaser: may contain secret values]", message)


def _install() -> None:
    original = pulumi.log.debug
    if getattr(original, _MARK, False):
        return

    def debug(msg, resource=None, stream_id=None, ephemeral=None):  # type: ignore[no-untyped-def]
        if not pulumi.runtime.settings.excessive_debug_output:
            msg = omit_outputs_payload(str(msg))
        return original(msg, resource, stream_id, ephemeral)

    debug.__doc__ = original.__doc__
    setattr(debug, _MARK, True)
    pulumi.log.debug = debug  # type: ignore[assignment]


_install()
