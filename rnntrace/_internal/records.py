"""``record``: a dataclass whose methods are shared functions, not code compiled per class.

``dataclasses.dataclass`` writes the ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__`` and ``__delattr__`` of each class as source text and compiles it when its
module is imported: about a millisecond a class, and ``rnntrace run`` imports some fifty
(issue 12: ``run`` measured against the import floor). ``record`` lets ``dataclass`` do
everything else (the fields, their defaults, ``fields()``, ``replace()``, ``asdict()``,
``__match_args__``, slots) and gives the class methods made from closures over its field
list, which cost nothing to compile. They behave as the generated ones: positional or
keyword arguments, defaults and default factories, ``__post_init__``, equality of the
same class field by field (fields with ``compare=False`` left out), a hash of the same
fields when frozen, ``Name(field=value, ...)`` as the repr, and ``FrozenInstanceError``
on assignment to a frozen record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from operator import attrgetter
from reprlib import recursive_repr
from types import MemberDescriptorType
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, overload

__all__ = ["record"]

if TYPE_CHECKING:
    from typing import dataclass_transform
else:

    def dataclass_transform(**kwargs: Any) -> Callable[[Any], Any]:
        return lambda decorator: decorator


T = TypeVar("T", bound=type)
_MISSING = dataclasses.MISSING


@overload
def record(cls: T, /) -> T: ...
@overload
def record(*, frozen: bool = True, eq: bool = True, slots: bool = False) -> Callable[[T], T]: ...
@dataclass_transform(frozen_default=True)
def record(cls: Any = None, /, *, frozen: bool = True, eq: bool = True, slots: bool = False) -> Any:
    """``@record`` (frozen), ``@record(frozen=False)``, ``@record(eq=False)`` (identity
    equality), ``@record(slots=True)``: as ``@dataclass`` with the same options."""

    def make(cls: Any) -> Any:
        cls = dataclasses.dataclass(cls, init=False, repr=False, eq=False, slots=slots)
        fields = dataclasses.fields(cls)
        own = cls.__dict__
        _add(cls, "__init__", _init(cls, fields))
        _add(cls, "__repr__", _repr(tuple(f.name for f in fields if f.repr)))
        if eq:
            compared = tuple(f.name for f in fields if f.compare)
            _add(cls, "__eq__", _eq(compared))
            if "__hash__" not in own or own["__hash__"] is None:
                hashed = tuple(f.name for f in fields if f.hash or (f.hash is None and f.compare))
                cls.__hash__ = _hash(hashed) if frozen else None
        if frozen:
            names = frozenset(f.name for f in fields)
            _add(cls, "__setattr__", _frozen_setattr(cls, names))
            _add(cls, "__delattr__", _frozen_delattr(cls, names))
            if slots:  # pickle and copy set the fields past the frozen __setattr__
                for name, method in (("__getstate__", _getstate), ("__setstate__", _setstate)):
                    if name not in own:
                        setattr(cls, name, method)
        return cls

    return make if cls is None else make(cls)


def _add(cls: Any, name: str, method: Any) -> None:
    """Give ``cls`` the method (made for it) unless its body defines one, as dataclass does."""
    if name not in cls.__dict__:
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)


def _init(cls: Any, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    names = tuple(f.name for f in fields if f.init)
    known = frozenset(names)
    count = len(names)
    defaults = {f.name: f.default for f in fields if f.init and f.default is not _MISSING}
    factories = [(f.name, f.default_factory) for f in fields if f.init and _made(f)]
    later = [(f.name, f.default, f.default_factory) for f in fields if not f.init]
    # n positional arguments and no keywords: the defaults of the fields after the n-th,
    # when none of them is made by a factory (``Step(...)`` without its last fields)
    tails: dict[int, tuple[Any, ...]] = {count: ()}
    for n in range(count - 1, -1, -1):
        if names[n] not in defaults:
            break
        tails[n] = (defaults[names[n]], *tails[n + 1])
    post_init = hasattr(cls, "__post_init__")
    # the fields go into the instance's __dict__ in one step, unless they are slots
    in_dict = bool(fields) and not any(  # a slot class without fields has no __dict__
        isinstance(getattr(cls, f.name, None), MemberDescriptorType) for f in fields
    )
    setter = object.__setattr__
    title = f"{cls.__qualname__}.__init__()"

    def refuse(args: tuple[Any, ...], kwargs: dict[str, Any]) -> NoReturn:
        """The TypeError of a call with wrong arguments, as for a dataclass."""
        if len(args) > count:
            raise TypeError(
                f"{title} takes {count + 1} positional arguments but {len(args) + 1} were given"
            )
        for name in kwargs:
            if name not in known:
                raise TypeError(f"{title} got an unexpected keyword argument {name!r}")
            if name in names[: len(args)]:
                raise TypeError(f"{title} got multiple values for argument {name!r}")
        given = {*names[: len(args)], *kwargs, *defaults, *(name for name, _ in factories)}
        missing = next(name for name in names if name not in given)
        raise TypeError(f"{title} missing required argument: {missing!r}")

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Each field's value: from the arguments, else its default or default factory."""
        values = dict(defaults)
        values.update(zip(names, args))
        if kwargs:
            if not known.issuperset(kwargs) or not kwargs.keys().isdisjoint(names[: len(args)]):
                refuse(args, kwargs)
            values.update(kwargs)
        for name, factory in factories:
            if name not in values:
                values[name] = factory()  # type: ignore[operator]
        if len(values) != count or len(args) > count:
            refuse(args, kwargs)
        return values

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        pairs: Iterable[tuple[str, Any]] | None
        if kwargs:  # every field by keyword, in order (``StepFlow(time=..., ...)``): as given
            pairs = kwargs.items() if not args and tuple(kwargs) == names else None
        else:
            tail = tails.get(len(args))  # in order: nothing to look up
            pairs = None if tail is None else zip(names, args + tail)
        if pairs is None:
            pairs = bind(args, kwargs).items()
        if in_dict:
            self.__dict__.update(pairs)
        else:
            for name, value in pairs:
                setter(self, name, value)
        for name, default, factory in later:
            if factory is not _MISSING:
                setter(self, name, factory())
            elif default is not _MISSING:
                setter(self, name, default)
        if post_init:
            self.__post_init__()

    return __init__


def _made(field: dataclasses.Field[Any]) -> bool:
    """True when a field's default is made by a factory, for each record anew."""
    return field.default_factory is not _MISSING


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    @recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__qualname__}({shown})"

    return __repr__


def _values(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The values of the named fields of a record, as a tuple (one C call)."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    return attrgetter(*names) if names else lambda self: ()


def _eq(names: tuple[str, ...]) -> Callable[[Any, object], Any]:
    values = _values(names)

    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return values(self) == values(other)

    return __eq__


def _hash(names: tuple[str, ...]) -> Callable[[Any], int]:
    values = _values(names)

    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def _frozen_setattr(cls: Any, names: frozenset[str]) -> Callable[[Any, str, Any], None]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    return __setattr__


def _frozen_delattr(cls: Any, names: frozenset[str]) -> Callable[[Any, str], None]:
    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __delattr__


def _getstate(self: Any) -> list[Any]:
    """The fields of a frozen record with slots, for pickle and copy."""
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(dataclasses.fields(self), state):
        object.__setattr__(self, f.name, value)
