"""The ``smspark`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from smspark_core.plugins import PluginHost, get_plugin_host


def _plugins_report(host: PluginHost) -> str:
    registries = {
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smspark", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("plugins", help="list installed plugins and what each registers")
    args = parser.parse_args(argv)
    if args.command == "plugins":
        host = get_plugin_host()
        print(_plugins_report(host))
        return 1 if host.failures else 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
