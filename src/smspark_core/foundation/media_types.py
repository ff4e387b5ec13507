"""The media types SageMaker containers speak, in one place: the client codecs, the staging
formats, the local images' request and response handling and the plugins all use these."""

from __future__ import annotations

PROTOBUF = "application/x-recordio-protobuf"
CSV = "text/csv"
TEXT_LIBSVM = "text/x-libsvm"
JSON = "application/json"
JSONLINES = "application/jsonlines"
# The spellings SageMaker's containers take for LibSVM and Parquet training channels.
LIBSVM_TYPES = ("text/libsvm", "text/x-libsvm", "libsvm")
PARQUET_TYPES = ("application/x-parquet", "parquet")


def media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """``"text/csv; label_size=0"`` as ``("text/csv", {"label_size": "0"})``; the type is
    lower-cased, as media types compare case-insensitively."""
    if not content_type:
        return "", {}
    base, *parameters = (part.strip() for part in content_type.split(";"))
    params = {}
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        params[key.strip().lower()] = value.strip()
    return base.lower(), params
