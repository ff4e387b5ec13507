"""Constructor keywords under two spellings.

The original's Python deserializers take snake_case keywords
(``KMeansProtobufResponseRowDeserializer(distance_to_cluster_column_name=...)``), which ported
programs pass; smspark first spelled them in camelCase, which saved pipelines hold in their
codec configuration. ``keyword_aliases`` makes the original's spelling the signature and keeps
the other working.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

Init = TypeVar("Init", bound=Callable[..., None])


def keyword_aliases(**aliases: str) -> Callable[[Init], Init]:
    """Decorates ``__init__`` so that each ``alias=`` keyword is passed on as the keyword it
    names; giving both spellings is a ``TypeError`` naming them."""

    def decorate(init: Init) -> Init:
        @functools.wraps(init)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
            for alias, name in aliases.items():
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(
                            f"{type(self).__name__}() got both {name!r} and its alias {alias!r}"
                        )
                    kwargs[name] = kwargs.pop(alias)
            init(self, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
