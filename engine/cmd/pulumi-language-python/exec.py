"""Runs one Pulumi Python program for pulumi-chaser's Python language host (engine/cmd/pulumi-language-python).

The host embeds this file and starts it with the project's Python (its virtualenv's, when Pulumi.yaml names one):

    python exec.py --monitor ADDR --engine ADDR --project P --root_directory DIR --stack S --pwd DIR
                   --dry_run true|false --parallel N [--organization O] [--tracing URL] PROGRAM [ARGS...]

with the stack's configuration in PULUMI_CONFIG (a JSON object) and the secret keys among it in
PULUMI_CONFIG_SECRET_KEYS (a JSON list). It configures the `pulumi` SDK the program imports (from PyPI, in the
program's environment), then runs PROGRAM (a file, or a directory with __main__.py) as `__main__` inside the
stack resource, on an event loop whose default thread pool has 4 threads per unit of --parallel.

Exit status, as the host reads it:
    0   the program ran to the end and every resource registration finished;
    1   the program raised pulumi.RunError (its message was sent to the engine as an error);
    32  any other failure, already reported to the engine as an error (the host then tells the engine to stop
        without printing anything more).
"""

import argparse
import asyncio
import logging
import os
import runpy
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

REPORTED = 32


def arguments(argv):
    parser = argparse.ArgumentParser(prog="pulumi-language-python exec", description="Run a Pulumi Python program")
    for flag in ("monitor", "engine", "project", "root_directory", "stack", "pwd", "dry_run", "organization", "tracing"):
        parser.add_argument("--" + flag)
    parser.add_argument("--parallel", type=int, default=0)
    parser.add_argument("program")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    return parser.parse_args(argv)


def traceback_from(program_dir):
    """The current exception's traceback from the first frame in the program's own files on (the runner's frames
    above it say nothing to the user); the whole traceback when no frame is the program's."""
    frames = traceback.extract_tb(sys.exc_info()[2])
    root = os.path.join(os.path.abspath(program_dir), "")
    venv = os.environ.get("VIRTUAL_ENV")
    venv = os.path.join(os.path.abspath(venv), "") if venv else None
    for i, frame in enumerate(frames):
        if frame.filename.startswith("<"):  # <frozen runpy>, <string>: not a file of the program
            continue
        path = os.path.abspath(frame.filename)
        if path.startswith(root) and not (venv and path.startswith(venv)):
            return traceback.format_exc(limit=-(len(frames) - i))
    return traceback.format_exc()


def main(argv):
    try:
        import pulumi
        import pulumi.runtime
    except ImportError as e:
        print(
            f"error: the Pulumi SDK for Python cannot be imported by {sys.executable}: {e}\n"
            "Install the program's requirements into the Python that runs it: `pulumi install` (which creates the "
            "virtualenv Pulumi.yaml names), or `pip install -r requirements.txt` inside that virtualenv.",
            file=sys.stderr,
        )
        return 1

    args = arguments(argv)
    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    pulumi.runtime.configure(
        pulumi.runtime.Settings(
            project=args.project,
            stack=args.stack,
            monitor=args.monitor,
            engine=args.engine,
            parallel=args.parallel,
            dry_run=args.dry_run == "true",
            organization=args.organization,
            root_directory=args.root_directory,
        )
    )

    if args.pwd:
        os.chdir(args.pwd)
    program = os.path.abspath(args.program)
    program_dir = program if os.path.isdir(program) else os.path.dirname(program)
    if os.path.isdir(program) and not os.path.isfile(os.path.join(program, "__main__.py")):
        pulumi.log.error(f"{program} has no __main__.py: a Python program is a file, or a directory with __main__.py")
        return REPORTED
    sys.argv = [args.program, *args.args]
    # As `python PROGRAM` would have it: the program's directory first on the import path (not this script's).
    sys.path[0] = program_dir

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pool = ThreadPoolExecutor(max_workers=max(args.parallel, 1) * 4)
    loop.set_default_executor(pool)
    # A failed deployment leaves futures nobody awaited: asyncio's complaints about them are noise to the user.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(lambda: runpy.run_path(args.program, run_name="__main__")))
        return 0
    except pulumi.RunError as e:
        pulumi.log.error(str(e))
        return 1
    except Exception:  # anything the program raised: reported with the program's part of the traceback
        pulumi.log.error("Program failed with an unhandled exception:\n" + traceback_from(program_dir))
        return REPORTED
    finally:
        pool.shutdown(wait=True)
        loop.close()
        sys.stdout.flush()
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
