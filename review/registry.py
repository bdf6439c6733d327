"""One registry for every kind of plug-in class (post checks, account checks): a name → class mapping that a class
joins with a decorator."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(dict[str, type[T]], Generic[T]):
    """Classes by their `name`; `register` is the decorator that adds one. A plain dict otherwise (tests pop)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind  # "check", "account check": how errors name the classes

    def register(self, cls: type[T]) -> type[T]:
        """Class decorator: add `cls` under its `name`; a second class with that name is an error.

        The same class registered again (a module imported twice, under its own name and through an entry point)
        replaces the first silently: its qualified name is the same.
        """
        name = getattr(cls, "name", "")
        if not name:
            raise ValueError(f"{self.kind} {cls.__name__} has no name")
        existing = self.get(name)
        if existing is not None and existing is not cls and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"two {self.kind}s are named {name!r}: {existing.__module__} and {cls.__module__}")
        self[name] = cls
        return cls
