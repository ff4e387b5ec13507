"""Constructor keywords under two spellings.

The original's Python classes take keywords that smspark first spelled otherwise: its
deserializers take snake_case ones
(``KMeansProtobufResponseRowDeserializer(distance_to_cluster_column_name=...)``), which
ported programs pass, while saved pipelines hold smspark's camelCase names in their codec
configuration; ``CreatedResources(model_name=...)`` and
``SageMakerResourceCleanup(sagemakerClient)`` likewise. ``keyword_aliases`` keeps both
spellings working.
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

        wrapper.keyword_aliases = dict(aliases)  # type: ignore[attr-defined]  # for tools
        return wrapper  # type: ignore[return-value]

    return decorate
