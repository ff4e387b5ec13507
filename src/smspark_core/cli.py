"""The ``smspark`` command."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from smspark_core.plugins import PluginHost, Registry, get_plugin_host


def _plugins_report(host: PluginHost) -> str:
    registries: dict[str, Registry[Any]] = {
        "algorithms": host.algorithms,
        "serializers": host.serializers,
        "deserializers": host.deserializers,
        "local images": host.local_images,
    }
    lines = []
    for info in host.plugins.values():
        lines.append(f"{info.name}  ({info.package} {info.version})")
        for label, registry in registries.items():
            names = [n for n in registry.names() if registry.owner(n) == info.name]
            if names:
                lines.append(f"    {label}: {', '.join(names)}")
    for failure in host.failures:
        lines.append(f"{failure.name}  ({failure.package}) FAILED: {failure.error}")
    return "\n".join(lines)


def _run_local(workdir: str | None, region: str, spot_interruptions: int = 0) -> int:
    """Runs the local backend in the foreground until Ctrl-C (or SIGTERM)."""
    from smspark_core.local import LocalSageMaker  # says what to install if it is missing

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with LocalSageMaker(workdir, region=region) as backend:
        if spot_interruptions:
            backend.set_spot_interruptions(interruptions=spot_interruptions)
        print("# smspark local backend is running; paste these lines into another shell:")
        for key, value in backend.environment.items():
            print(f"export {key}={value}")
        print(f"# state: {backend.workdir}  (Ctrl-C stops it)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smspark", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("plugins", help="list installed plugins and what each registers")
    local = commands.add_parser("local", help="run the local SageMaker backend in the foreground")
    local.add_argument("--workdir", help="state directory (kept; reopening it resumes)")
    local.add_argument("--region", default="us-east-1")
    local.add_argument(
        "--spot-interruptions",
        type=int,
        default=0,
        metavar="N",
        help="interrupt every managed spot training job N times, each after its first "
        "checkpoint upload of the attempt (fault injection, to test resuming)",
    )
    args = parser.parse_args(argv)
    if args.command == "plugins":
        host = get_plugin_host()
        print(_plugins_report(host))
        return 1 if host.failures else 0
    if args.command == "local":
        return _run_local(args.workdir, args.region, args.spot_interruptions)
    return 2


if __name__ == "__main__":
    sys.exit(main())
