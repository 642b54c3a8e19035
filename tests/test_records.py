"""``record`` behaves as ``dataclasses.dataclass`` with the same options: each test builds one
class body twice, once with the standard library's decorator (the oracle), and compares."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from rnntrace._internal.records import record


def body(name: str) -> type:
    """A fresh class with required fields, defaults, a default factory and a post-init."""

    class Point:
        x: int
        y: str = "a"
        tags: tuple[str, ...] = ()
        seen: list[int] = field(default_factory=list, compare=False, repr=False)
        total: int = field(default=0, init=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "total", self.x * 2)

    Point.__name__ = Point.__qualname__ = name
    return Point


def pair(**options: bool) -> tuple[type, type]:
    standard = dataclass(frozen=options.get("frozen", True), eq=options.get("eq", True),
                         slots=options.get("slots", False))(body("Point"))  # fmt: skip
    ours = record(**options)(body("Point"))
    return standard, ours


ARGUMENTS = [((1,), {}), ((1, "b"), {}), ((), {"x": 3, "tags": ("t",)}), ((2,), {"y": "c"})]


@pytest.mark.parametrize("options", [{}, {"slots": True}, {"frozen": False}, {"eq": False}])
def test_a_record_is_built_compared_and_shown_as_the_dataclass_is(options):
    standard, ours = pair(**options)
    assert [f.name for f in dataclasses.fields(ours)] == [
        f.name for f in dataclasses.fields(standard)
    ]
    assert ours.__match_args__ == standard.__match_args__
    for args, kwargs in ARGUMENTS:
        a, b = standard(*args, **kwargs), ours(*args, **kwargs)
        assert repr(b) == repr(a)
        assert dataclasses.asdict(b) == dataclasses.asdict(a)
        same = ours(*args, **kwargs)
        assert (b == same) == (a == standard(*args, **kwargs))
        assert (b == ours(9)) == (a == standard(9))
        if options.get("frozen", True) and options.get("eq", True):
            assert hash(b) == hash(same)
            b.seen.append(1)  # compare=False: not compared, not hashed
            assert b == same and hash(b) == hash(same)
        assert b.total == a.total
        assert dataclasses.replace(b, y="z").y == "z"
        assert dataclasses.replace(b, y="z").total == a.total
    assert (ours.__hash__ is None) == (standard.__hash__ is None)


def test_a_record_of_another_class_is_not_equal():
    _, ours = pair()
    _, other = pair()
    assert ours(1) != other(1)
    assert ours(1) != (1, "a", ())


@pytest.mark.parametrize("slots", [False, True])
def test_a_frozen_record_refuses_assignment_as_the_dataclass_does(slots):
    standard, ours = pair(slots=slots)
    for cls in (standard, ours):
        point = cls(1)
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'x'"):
            point.x = 2
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'x'"):
            del point.x


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [
        ((), {}, "missing required argument: 'x'"),
        ((1, "b", (), [], 5), {}, "takes 5 positional arguments but 6 were given"),
        ((1,), {"x": 2}, "got multiple values for argument 'x'"),
        ((1,), {"z": 2}, "got an unexpected keyword argument 'z'"),
        ((1,), {"total": 2}, "got an unexpected keyword argument 'total'"),
    ],
)
def test_wrong_arguments_raise_type_errors_as_for_the_dataclass(args, kwargs, words):
    standard, ours = pair()
    with pytest.raises(TypeError):
        standard(*args, **kwargs)
    with pytest.raises(TypeError, match=words):
        ours(*args, **kwargs)


@pytest.mark.parametrize("slots", [False, True])
def test_a_frozen_record_copies_and_pickles(slots):
    ours = record(slots=slots)(body("Point"))
    globals()["Point"] = ours  # pickle finds the class by its module and name
    try:
        point = ours(4, "q", ("t",))
        for clone in (copy.copy(point), copy.deepcopy(point), pickle.loads(pickle.dumps(point))):
            assert clone == point and clone.total == 8
    finally:
        del globals()["Point"]


def test_methods_written_in_the_class_body_are_kept():
    @record
    class Loud:
        word: str

        def __repr__(self) -> str:
            return self.word.upper()

    assert repr(Loud("hi")) == "HI"


def test_a_default_factory_makes_a_new_value_for_each_record():
    _, ours = pair()
    assert ours(1).seen is not ours(1).seen


def test_a_slot_record_without_fields_is_built_as_the_dataclass_is():
    class Base:
        __slots__ = ()

    @record(slots=True)
    class Mark(Base):
        """No fields (symbol.tree's Space)."""

    @dataclass(frozen=True, slots=True)
    class Same(Base):
        pass

    assert Mark() == Mark() and hash(Mark()) == hash(Mark())
    assert repr(Mark()).endswith("Mark()") and repr(Same()).endswith("Same()")
    assert not hasattr(Mark(), "__dict__") and not hasattr(Same(), "__dict__")
    with pytest.raises(TypeError):
        Mark(1)


@pytest.mark.parametrize("slots", [False, True])
def test_arguments_in_order_take_the_trailing_defaults_as_the_dataclass_does(slots):
    def made(decorator):
        @decorator
        class Step:
            key: str
            time: int = 0
            part: str = ""
            given: bool = True

        return Step

    standard, ours = made(dataclass(frozen=True, slots=slots)), made(record(slots=slots))
    for args in [("h",), ("h", 2), ("h", 2, "enc."), ("h", 2, "enc.", False)]:
        assert dataclasses.astuple(ours(*args)) == dataclasses.astuple(standard(*args))
        assert (
            repr(ours(*args)).partition("Step(")[2] == repr(standard(*args)).partition("Step(")[2]
        )
    every = {"key": "h", "time": 2, "part": "enc.", "given": False}  # by keyword, in order
    for kwargs in [every, dict(reversed(every.items())), {"key": "h", "part": "x"}]:
        assert dataclasses.astuple(ours(**kwargs)) == dataclasses.astuple(standard(**kwargs))
    if not slots:
        assert list(vars(ours(**every))) == list(every)
    for args, kwargs in [((), {}), (("h", 2, "enc.", False, 5), {}),
                         ((), {**every, "size": 1}), (("h",), every)]:  # fmt: skip
        with pytest.raises(TypeError):
            standard(*args, **kwargs)
        with pytest.raises(TypeError):
            ours(*args, **kwargs)
