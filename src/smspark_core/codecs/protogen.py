"""Regenerates ``record_pb2.py`` from ``record.proto`` with the pinned protoc (grpcio-tools).

The generated module is committed so that users need no protoc; a test checks it is current.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from smspark_core.foundation.errors import SmsparkError

CODECS_DIR = Path(__file__).resolve().parent
PROTO_NAME = "record.proto"
GENERATED_NAME = "record_pb2.py"


def generate(out_dir: Path) -> Path:
    """Runs protoc on record.proto into ``out_dir`` and returns the generated file's path."""
    from grpc_tools import protoc  # test/dev dependency only

    status = protoc.main(
        ["protoc", f"-I{CODECS_DIR}", f"--python_out={out_dir}", str(CODECS_DIR / PROTO_NAME)]
    )
    if status != 0:
        raise SmsparkError(f"protoc failed with exit status {status} on {CODECS_DIR / PROTO_NAME}")
    return out_dir / GENERATED_NAME


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        generated = generate(Path(tmp))
        (CODECS_DIR / GENERATED_NAME).write_bytes(generated.read_bytes())
    print(f"wrote {CODECS_DIR / GENERATED_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
