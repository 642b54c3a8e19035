"""The op registry (``rnntrace/_internal/ops/registry.py``): every op's forward rule against numpy
written here, every local derivative against central finite differences, the compiled tape's form
of every op against ``evaluate``, and compiled.py writing no numerical op of its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from rnntrace._internal.engine import compiled
from rnntrace._internal.numbers import round_array
from rnntrace._internal.ops import (
    ACTIVATIONS,
    DEFINITIONS,
    SCOPE,
    activation,
    activation_derivative,
    evaluate,
)
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.trace import Step

RNG = np.random.default_rng(12)
W = RNG.normal(size=(3, 5))
U = RNG.normal(size=5)
V = RNG.normal(size=5)
P = np.array([0.1, 0.2, 0.3, 0.15, 0.25])  # probabilities
T = np.array([0.0, 1.0, 0.0, 0.0, 0.0])
B = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
Q = np.array([0.5, 0.0, 0.3, 0.2, 0.0])  # a target distribution


def _softmax(o):
    e = np.exp(o - o.max())
    return e / e.sum()


# op -> (operands, info, the value written here with numpy)
CASES: dict[str, list[tuple[list[np.ndarray], dict, object]]] = {
    "matvec": [
        ([W, U], {}, W @ U),
        ([W, U[:3]], {"transpose": True}, W.T @ U[:3]),
        ([W, U[:2]], {"cols": (1, 3)}, W[:, 1:3] @ U[:2]),
    ],
    "vecmat": [  # the row layout's x W and x Wᵀ
        ([U[: W.shape[0]], W], {}, U[: W.shape[0]] @ W),
        ([U[: W.shape[1]], W], {"transpose": True}, U[: W.shape[1]] @ W.T),
    ],
    "add": [([U], {}, U.copy()), ([U, V, P], {}, U + V + P), ([U] * 3000, {}, U * 3000)],
    "hadamard": [([U, V], {}, U * V)],
    "outer": [([U[:3], V], {}, np.outer(U[:3], V))],
    "activation": [
        ([U], {"activation": "tanh"}, np.tanh(U)),
        ([U], {"activation": "sigmoid"}, 1 / (1 + np.exp(-U))),
        ([U], {"activation": "relu"}, np.where(U > 0, U, 0.0)),
    ],
    "activation_derivative": [
        ([P], {"activation": "tanh"}, 1 - P**2),
        ([P], {"activation": "sigmoid"}, P - P**2),
        ([U], {"activation": "relu"}, (U > 0) * 1.0),
    ],
    "identity": [([U], {}, U.copy())],
    "sigmoid": [([U * 40], {}, 1 / (1 + np.exp(-U * 40)))],
    # the shift recorded is the tracer's (softmax_shift), which the tape recomputes when run
    "exp": [([U], {}, np.exp(U)), ([U + 40], {"shift": U.max() + 40}, np.exp(U - U.max()))],
    "total": [([U], {}, U.sum())],
    "divide": [([U, np.asarray(2.5)], {}, U / 2.5)],
    "bce": [
        (
            [1 / (1 + np.exp(-U)), U],
            {"target": B, "from_logits": True},
            -np.sum(B * np.log(1 / (1 + np.exp(-U))) + (1 - B) * np.log(1 / (1 + np.exp(U)))),
        ),
        (
            [P, U],
            {"target": B, "from_logits": False},
            -np.sum(B * np.log(P) + (1 - B) * np.log(1 - P)),
        ),
    ],  # fmt: skip
    "ce": [
        ([_softmax(U), U], {"index": 1, "from_logits": True}, -np.log(_softmax(U)[1])),
        ([P, U], {"index": 3, "from_logits": False}, -np.log(0.15)),
        # a target distribution Q: −Σ_k Q_k log ŷ_k, the terms of Q_k = 0 left out
        (
            [_softmax(U), U],
            {"target": Q, "soft": True, "from_logits": True},
            -np.sum(Q * np.log(_softmax(U))),
        ),
        (
            [P, U],
            {"target": Q, "soft": True, "from_logits": False},
            -(0.5 * np.log(0.1) + 0.3 * np.log(0.3) + 0.2 * np.log(0.15)),
        ),
    ],  # fmt: skip
    "mse": [
        ([U], {"target": V}, ((U - V) ** 2).sum() / 5),
        ([U], {"target": V, "mse_scale": "half"}, 0.5 * ((U - V) ** 2).sum()),
    ],
    "bce_grad": [([P], {"target": B}, P - B)],
    "ce_grad": [([P], {"target": T}, P - T)],
    "mse_grad": [
        ([U], {"target": V}, 2 * (U - V) / 5),
        ([U], {"target": V, "mse_scale": "half"}, U - V),
    ],
    "bce_dyhat": [([P], {"target": B}, -B / P + (1 - B) / (1 - P))],
    "ce_dyhat": [([P], {"target": Q}, np.array([-0.5 / 0.1, 0.0, -0.3 / 0.3, -0.2 / 0.15, 0.0]))],
    "sigmoid_back": [([U, P], {}, U * P * (1 - P))],
    "softmax_back": [([U, P], {}, P * U - P * (U @ P))],
    "sgd": [([W, W * 2], {"learning_rate": 0.25}, W - 0.5 * W)],
    "concat": [([U, np.asarray(7.0)], {}, np.array([*U, 7.0]))],
    "tanh_back": [([U, P], {}, U * (1 - P * P))],
    "one_minus": [([P], {}, 1 - P)],
    "subtract": [([U, V], {}, U - V)],
    "dots": [([U, V, P, U], {}, np.array([V @ U, P @ U, U @ U]))],
    "weighted_sum": [([P[:3], U, V, W[0]], {}, P[0] * U + P[1] * V + P[2] * W[0])],
    "scale": [([P, U], {"index": 2}, 0.3 * U)],
    "slice": [([U], {"start": 1, "stop": 4}, U[1:4])],
    "global_norm": [([W, U], {}, np.sqrt((W**2).sum() + (U**2).sum()))],
    "clip_factor": [
        ([np.asarray(10.0)], {"max_norm": 5.0}, 0.5),
        ([np.asarray(1.0)], {"max_norm": 5.0}, 1.0),
        ([np.asarray(10.0)], {"max_norm": 5.0, "eps": 0.5}, 5.0 / 10.5),  # seed 001's code
        ([np.asarray(4.9)], {"max_norm": 5.0, "eps": 0.2}, 5.0 / 5.1),
    ],
    "scale_by": [([np.asarray(0.5), W], {}, W / 2)],
    "decay": [([U, V], {"weight": 0.01}, U + V / 100)],
    "cut": [([], {"size": 4}, np.zeros(4))],
    "zeros": [([], {"shape": [2, 3]}, np.zeros((2, 3)))],
    # scheduled sampling (issue 13): the target when the coin is 1, else onehot(argmax)
    "feed": [
        (
            [np.asarray(1.0), np.array([0.0, 1.0, 0.0]), np.array([0.5, 0.2, 0.3])],
            {},
            np.array([0.0, 1.0, 0.0]),
        ),
        (
            [np.asarray(0.0), np.array([0.0, 1.0, 0.0]), np.array([0.2, 0.1, 0.7])],
            {},
            np.array([0.0, 0.0, 1.0]),
        ),
        (
            [np.asarray(0.0), np.array([1.0, 0.0, 0.0]), np.array([0.4, 0.4, 0.2])],
            {},
            np.array([1.0, 0.0, 0.0]),
        ),  # a tie: the first largest entry
    ],
    # seed 001's training techniques (issue 13)
    "l2_penalty": [
        ([W, W[:2, :2]], {"weight": 0.1}, 0.1 * ((W**2).sum() + (W[:2, :2] ** 2).sum()))
    ],
    "penalty_grad": [([W * 2, W], {"weight": 0.25}, W * 2 + 0.5 * W)],
    "lr_schedule": [
        ([], {"kind": "time", "learning_rate": 0.5, "decay": 0.25, "epoch": 5}, 0.5 / 2.0),
        ([], {"kind": "exponential", "learning_rate": 0.5, "decay": 0.5, "epoch": 4}, 0.0625),
        ([], {"kind": "time", "learning_rate": 0.5, "decay": 0.25, "epoch": 1}, 0.5),
    ],
    "sgd_scheduled": [([W, W * 2, np.asarray(0.25)], {}, W - 0.5 * W)],
    "shrink": [
        ([W], {"rate": 0.1}, 0.9 * W),
        ([W], {"rate": 0.5, "cols": (0, 3)}, np.concatenate((W[:, :3] / 2, W[:, 3:]), axis=1)),
    ],
}
ALL = [(op, n) for op, cases in CASES.items() for n in range(len(cases))]


def test_every_op_of_the_registry_has_a_case_here():
    assert set(CASES) == set(DEFINITIONS)


@pytest.mark.parametrize(("op", "n"), ALL)
def test_forward_equals_numpy_written_here(op, n):
    args, info, want = CASES[op][n]
    got = evaluate(op, args, info, None)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_evaluate_gives_a_value_of_its_own():
    for op, args, info in [("identity", [U], {}), ("add", [U], {}),
                           ("slice", [U], {"start": 0, "stop": 2})]:  # fmt: skip
        out = evaluate(op, args, info, None)
        assert not np.shares_memory(out, args[0]), op


def test_hand_rounding_rounds_each_product_of_a_matvec():
    matrix = np.array([[0.15, 0.7], [0.25, 0.25]])
    vector = np.array([0.07, 0.3])
    # by hand: 0.0105 -> 0.011 (half away from zero), 0.21; 0.0175 -> 0.018, 0.075
    assert evaluate("matvec", [matrix, vector], {}, 3).tolist() == [0.221, 0.093]
    products = round_array(matrix * vector, 3)
    assert evaluate("matvec", [matrix, vector], {}, 3).tolist() == products.sum(axis=1).tolist()


def test_hand_rounding_rounds_each_product_of_a_vecmat():
    matrix = np.array([[0.15, 0.25], [0.7, 0.25]])  # (D, H): column j is what x meets
    vector = np.array([0.07, 0.3])
    # by hand, column 1: 0.07×0.15 = 0.0105 -> 0.011, 0.3×0.7 = 0.21; column 2: 0.0175 ->
    # 0.018, 0.075
    assert evaluate("vecmat", [vector, matrix], {}, 3).tolist() == [0.221, 0.093]
    assert evaluate("vecmat", [vector, matrix.T], {"transpose": True}, 3).tolist() == [
        0.221,
        0.093,
    ]


def test_stable_forms_do_not_overflow():
    big = np.array([-800.0, 800.0])
    assert evaluate("sigmoid", [big], {}, None).tolist() == [0.0, 1.0]
    assert evaluate("ce", [np.array([0.0, 1.0]), big], {"index": 1, "from_logits": True},
                    None) == 0.0  # fmt: skip
    with np.errstate(all="raise"):
        assert float(evaluate("ce", [np.array([1.0, 0.0]), big], {"index": 1}, None)) == np.inf


def _central(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_equals_central_differences(name):
    z = np.array([-2.0, -0.7, -0.1, 0.3, 1.1, 2.5])  # relu: away from its kink
    arg = activation(name, z) if ACTIVATIONS[name].of_output else z
    np.testing.assert_allclose(
        activation_derivative(name, arg),
        _central(lambda v: activation(name, v), z),
        rtol=1e-8,
        atol=1e-9,
    )


def test_activation_derivative_rejects_an_unknown_name():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        activation_derivative("swish", U)


@pytest.mark.parametrize("op", sorted(n for n, d in DEFINITIONS.items() if d.derivative))
def test_local_derivatives_equal_central_differences(op):
    definition = DEFINITIONS[op]
    x = np.array([-1.5, -0.2, 0.4, 1.3])

    def forward(v):
        return evaluate(op, [v], {}, None)

    source = definition.derivative("x", "y")  # type: ignore[misc]
    derivative = eval(source, dict(SCOPE), {"x": x, "y": forward(x)})  # noqa: S307
    np.testing.assert_allclose(
        np.broadcast_to(derivative, x.shape), _central(forward, x), rtol=1e-8
    )


def _step(op: str, operands: tuple[str, ...], info: dict) -> Step:
    value = np.zeros(())
    return Step(key="out", symbol="out", time=None, sequence=None, phase="forward", op=op,
                operands=operands, value=value, carried=value, tag=Label("none"),
                info=info)  # fmt: skip


# a tape is exact: its losses are from the logits, so the cases of a loss from ŷ have no tape
TAPED = [(op, n) for op, n in ALL if CASES[op][n][1].get("from_logits") is not False]


@pytest.mark.parametrize(("op", "n"), TAPED)
@pytest.mark.parametrize("fast", [False, True])
def test_the_compiled_form_equals_evaluate(op, n, fast):
    """Both tapes' lines of each op (gradflow's exact one, training's fast one) against the
    value ``evaluate`` records; the exact tape equal to the bit except where ``evaluate`` has
    a forward of its own (hand rounding, a traced order of sums) and the losses."""
    args, info, _ = CASES[op][n]
    names = [f"a{k}" for k in range(len(args))]
    step = _step(op, tuple(names), info)
    scope = dict(SCOPE)

    def const(value):
        scope[f"c{len(scope)}"] = value
        return f"c{len(scope) - 1}"

    source = compiled.expression(step, names, const, fast=fast)
    got = np.asarray(eval(source, scope, dict(zip(names, args))), dtype=float)  # noqa: S307
    want = evaluate(op, args, info, None)
    if fast or op in ("bce", "ce") or DEFINITIONS[op].forward is not None:
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
    else:
        assert got.tolist() == want.tolist(), source


def test_the_step_function_of_gradflow_is_the_tracer_to_the_bit():
    args, info = [U * 30], {"activation": "sigmoid"}
    function = compiled.step_function([_step("activation", ("z",), info)], ["z"])
    assert function(*args)[0].tolist() == evaluate("activation", args, info, None).tolist()


COMPILED = Path(compiled.__file__)
# The numerical functions an op is made of: only ops.py writes them.
MATHS = re.compile(r"\bnp\.(exp|log|log1p|logaddexp|tanh|maximum|minimum|sqrt|mean|dot|outer|"
                   r"concatenate|where|clip)\b|\bsigmoid\b|\bsoftmax\b|\btanh\b")  # fmt: skip


def test_compiled_py_defines_no_numerical_op_of_its_own():
    """Its lines come from the ops' definitions: no maths function written in its code
    (strings that are not docs or messages, numpy attributes) and no function named after
    an op (the old ``_sigmoid``, ``_softmax_shift``, ``_activation``, ``_derivative``)."""
    tree = ast.parse(COMPILED.read_text(encoding="utf-8"))
    prose = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)):
            prose.add(ast.get_docstring(node, clean=False))
        if isinstance(node, ast.Raise):
            prose.update(c.value for c in ast.walk(node) if isinstance(c, ast.Constant))
    code = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and node.value not in prose]  # fmt: skip
    attributes = [f"np.{node.attr}" for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id == "np"]  # fmt: skip
    functions = [node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    assert len(code) > 50 and "np.eye" in attributes  # the check sees the generator's lines
    assert not [text for text in code + attributes if MATHS.search(text)]
    assert not [name for name in functions if MATHS.search(name.strip("_"))
                or name in ("_activation", "_derivative", "_softmax_shift")]  # fmt: skip
