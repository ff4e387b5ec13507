"""Constructor keywords under two spellings.

The original's Python classes take keywords that smspark first spelled otherwise: its
deserializers take snake_case ones
(``KMeansProtobufResponseRowDeserializer(distance_to_cluster_column_name=...)``), which
ported programs pass, while saved pipelines hold smspark's camelCase names in their codec
configuration; ``CreatedResources(model_name=...)`` and
``SageMakerResourceCleanup(sagemakerClient)`` likewise. ``keyword_aliases`` keeps both
spellings working, and ``attribute_aliases`` does the same for the instance attributes that
the original's codecs kept under their keyword names (``deserializer.score_column_name``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

Init = TypeVar("Init", bound=Callable[..., None])
Cls = TypeVar("Cls", bound=type)


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


def attribute_aliases(**aliases: str) -> Callable[[Cls], Cls]:
    """Decorates a class so that each ``alias`` is a read-write attribute for the attribute
    it names (``score_column_name`` for ``scoreColumnName``): one value under two names."""

    def decorate(cls: Cls) -> Cls:
        for alias, name in aliases.items():

            def get(self: Any, _name: str = name) -> Any:
                return getattr(self, _name)

            def put(self: Any, value: Any, _name: str = name) -> None:
                setattr(self, _name, value)

            setattr(cls, alias, property(get, put, doc=f"``{name}``, as the original named it."))
        return cls

    return decorate
