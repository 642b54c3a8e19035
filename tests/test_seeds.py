"""Seed 000's two worked examples, number by number.

The independent references are the hand numbers of /work/shared/seeds/000_ccc7e6fe2a6df852.txt
("seed line N" below), written here as literals:

* the sentiment example (lines 300-1040; scenarios/sentiment.yaml): embedding 3, hidden 3,
  sigmoid output, BCE, forward pass and the last two BPTT steps of "i love this book its
  amazing", numbers rounded to 3 decimals;
* "I love AI" (lines 1240-1503; scenarios/i-love-ai.yaml): input 2, hidden 3, two outputs and
  a softmax, forward only, every product rounded to 3 decimals before adding.

Three kinds of test:

(a) our ops, re-evaluated on the *seed's own* operand values, reproduce every seed number whose
    arithmetic is right, and give the corrected number (not the seed's) where the seed slipped;
(b) our full rounded chain equals the seed where nothing upstream slipped, the corrected value
    where the seed itself slipped, and a hand-rounded value (listed in the scenario file's
    comments) where the seed inherited an earlier slip;
(c) exact mode (float64) against a plain-numpy RNN written here, gradients by finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.numbers import round_array
from rnntrace._internal.ops import evaluate
from rnntrace._internal.scenario import load_scenario
from rnntrace._internal.scenario.model import NumberPolicy
from rnntrace._internal.trace import Trace

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SENTIMENT = SCENARIOS / "sentiment.yaml"
I_LOVE_AI = SCENARIOS / "i-love-ai.yaml"


def arr(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=float)


# =============================================================================================
# Sentiment example, "i love this book its amazing" (label 1), as the seed writes it.
# Keys of this sequence carry the prefix "s1." (the scenario has two reviews).
# =============================================================================================

S_W_XH = [[0.2, 0.4, 0.1], [0.1, 0.3, 0.5], [0.4, 0.2, 0.3]]  # seed line 332
S_W_HH = [[0.3, 0.2, 0.1], [0.5, 0.4, 0.2], [0.1, 0.3, 0.4]]  # seed line 334
S_B_H = [0.1, 0.1, 0.1]  # seed line 336
S_W_HO = [[0.3, 0.2, 0.4]]  # seed line 340
S_B_O = [0.1]  # seed line 342
S_X = {  # seed lines 384, 434, 511, 585, 663, 737 (the embedding table, lines 313-321)
    1: [0.1, 0.2, 0.3],
    2: [0.4, 0.1, 0.5],
    3: [0.3, 0.2, 0.1],
    4: [0.6, 0.1, 0.4],
    5: [0.1, 0.3, 0.6],
    6: [0.5, 0.4, 0.2],
}
S_ZX = {  # W_xh x_t: seed lines 400, 450, 527, 601, 679, 753
    1: [0.13, 0.22, 0.17],
    2: [0.17, 0.32, 0.33],
    3: [0.15, 0.14, 0.19],
    4: [0.20, 0.29, 0.38],
    5: [0.20, 0.40, 0.28],
    6: [0.28, 0.27, 0.34],
}
S_ZH = {  # W_hh h_{t-1}: seed lines 479, 556, 630, 708, 782
    2: [0.156, 0.289, 0.221],
    3: [0.300, 0.559, 0.452],
    4: [0.346, 0.642, 0.501],
    5: [0.4015, 0.746, 0.591],
    6: [0.426, 0.791, 0.615],
}
S_Z = {  # seed lines 407, 486, 563, 637, 715, 789
    1: [0.23, 0.32, 0.27],
    2: [0.426, 0.709, 0.651],
    3: [0.55, 0.799, 0.742],
    4: [0.646, 1.032, 0.981],
    5: [0.7015, 1.246, 0.971],
    6: [0.806, 1.161, 1.055],
}
S_H = {  # seed lines 414, 492, 569, 643, 721, 795
    1: [0.226, 0.309, 0.263],
    2: [0.402, 0.61, 0.572],
    3: [0.501, 0.663, 0.630],
    4: [0.570, 0.775, 0.755],
    5: [0.605, 0.847, 0.75],
    6: [0.667, 0.821, 0.784],
}
S_OH6_TERMS = [0.200, 0.164, 0.314]  # seed line 809: 0.3 x 0.667, 0.2 x 0.821, 0.4 x 0.784
S_OH6 = [0.678]  # seed line 815: 0.200 + 0.164 + 0.314 (before "+ 0.1")
S_O6 = [0.778]  # seed line 815
S_Y6 = [0.685]  # seed line 821
S_L = 0.377  # seed line 831: -log(0.685)
S_DL_DY = [-1.46]  # seed line 846: -1/0.685
S_DY_DZ = [0.216]  # seed line 851: 0.685 x 0.315
S_DO = [-0.316]  # seed line 859 (and dL/db_o, line 871)
S_DW_HO = [[-0.211, -0.259, -0.248]]  # seed line 867
S_DH6 = [-0.095, -0.063, -0.126]  # seed line 879
S_DHDZ6 = [0.555, 0.325, 0.386]  # seed line 889: 1 - h_6^2
S_DZ6 = [-0.053, -0.020, -0.049]  # seed lines 895, 917
S_DW_XH6 = [  # seed lines 929-931: delta z_6 x_6^T, left at 4 decimals
    [-0.0265, -0.0212, -0.0106],
    [-0.0100, -0.0080, -0.0040],
    [-0.0245, -0.0196, -0.0098],
]
S_DW_HH6 = [  # seed lines 955-957: delta z_6 h_5^T
    [-0.032, -0.045, -0.040],
    [-0.012, -0.017, -0.015],
    [-0.030, -0.041, -0.037],
]
S_DH5_TERMS = [  # seed lines 1014-1016: the rounded products of W_hh^T delta z_6
    [-0.016, -0.010, -0.005],
    [-0.011, -0.008, -0.015],
    [-0.005, -0.004, -0.020],
]
S_DH5 = [-0.031, -0.034, -0.029]  # seed line 1020
S_DHDZ5 = [0.634, 0.281, 0.438]  # seed line 1031: 1 - h_5^2
S_DZ5 = [-0.020, -0.010, -0.013]  # seed line 1037

# The corrections (listed at the top of scenarios/sentiment.yaml): the seed's step re-done
# from the seed's own operands, rounded half up to 3 decimals.
S_H1_OK = [0.226, 0.310, 0.264]  # tanh(0.32) = 0.3095, tanh(0.27) = 0.2636
S_H4_OK = [0.569, 0.775, 0.753]  # tanh(0.646) = 0.5690, tanh(0.981) = 0.753498
S_ZH5_OK = [0.402, 0.746, 0.592]  # 0.4015 unrounded; 0.057 + 0.2325 + 0.302 = 0.5915
S_H5_OK = [0.605, 0.847, 0.749]  # tanh(0.971) = 0.7491
S_L_OK = 0.378  # -log(0.685) = 0.3783
S_DO_OK = [-0.315]  # -1.46 x 0.216 = -0.31536
S_DHDZ6_OK = [0.555, 0.326, 0.385]  # 1 - 0.821^2 = 0.32596, 1 - 0.784^2 = 0.38534
S_DW_HH6_OK = [  # -0.049 x 0.847 = -0.041503
    [-0.032, -0.045, -0.040],
    [-0.012, -0.017, -0.015],
    [-0.030, -0.042, -0.037],
]
S_DHDZ5_OK = [0.634, 0.283, 0.438]  # 1 - 0.847^2 = 0.282591

# =============================================================================================
# "I love AI" (one sequence: keys without prefix), as the seed writes it.
# =============================================================================================

A_W_XH = [[0.5, -0.3], [0.2, 0.8], [-0.4, 0.1]]  # seed lines 1246-1248
A_W_HH = [[0.6, -0.2, 0.3], [0.1, 0.7, -0.1], [-0.3, 0.4, 0.5]]  # seed lines 1251-1253
A_W_HY = [[0.9, 0.2, -0.4], [-0.5, 0.6, 0.8]]  # seed lines 1256-1257
A_B_H = [0.1, -0.2, 0.0]  # seed line 1263
A_B_Y = [0.0, 0.0]  # seed line 1264
A_X = {1: [0.8, 0.3], 2: [0.9, 0.7], 3: [0.6, 0.4]}  # seed lines 1274-1276
# seed lines: W_xh x_t 1295/1358/1427, W_hh h_{t-1} 1304/1376/1445, z_t 1311/1382/1451,
# h_t 1322/1393/1462
A_ZX = {1: [0.31, 0.40, -0.29], 2: [0.24, 0.74, -0.29], 3: [0.18, 0.44, -0.20]}
A_ZH = {1: [0.0, 0.0, 0.0], 2: [0.109, 0.205, -0.178], 3: [-0.005, 0.529, -0.093]}
A_Z = {1: [0.41, 0.20, -0.29], 2: [0.449, 0.745, -0.468], 3: [0.275, 0.769, -0.293]}
A_H = {1: [0.388, 0.197, -0.282], 2: [0.422, 0.633, -0.437], 3: [0.268, 0.646, -0.285]}
A_O = {1: [0.501, -0.302], 2: [0.682, -0.181], 3: [0.484, 0.026]}  # seed lines 1339, 1408, 1477
A_E3 = [1.622, 1.026]  # seed line 1482: exp(0.484), exp(0.026)
A_S3 = 2.648  # seed line 1483
A_Y3 = [0.612, 0.388]  # seed line 1486 (and 1503)
A_TERMS = {  # the rounded products of each row, seed lines 1333-1475
    ("oh", 1): [[0.349, 0.039, 0.113], [-0.194, 0.118, -0.226]],
    ("zh", 2): [[0.233, -0.039, -0.085], [0.039, 0.138, 0.028], [-0.116, 0.079, -0.141]],
    ("oh", 2): [[0.380, 0.127, 0.175], [-0.211, 0.380, -0.350]],
    ("zh", 3): [[0.253, -0.127, -0.131], [0.042, 0.443, 0.044], [-0.127, 0.253, -0.219]],
    ("oh", 3): [[0.241, 0.129, 0.114], [-0.134, 0.388, -0.228]],
}

# Corrections (listed at the top of scenarios/i-love-ai.yaml).
A_H2_OK = [0.421, 0.632, -0.437]  # tanh(0.449) = 0.4211, tanh(0.745) = 0.6322
A_E3_OK = [1.623, 1.026]  # exp(0.484) = 1.62255
A_Y3_OK = [0.613, 0.387]  # 1.622/2.648 = 0.61254, 1.026/2.648 = 0.38746


# =============================================================================================
# The hand steps: which of our steps does the seed's step, on which of the seed's numbers.
# =============================================================================================


@dataclass(frozen=True)
class HandStep:
    """One number (vector, matrix) the seed computes, and how to re-do it with our ops."""

    name: str
    example: str  # "sentiment" | "ilai"
    key: str | None  # our step with the same op; None for a step we do not record
    operands: tuple[Any, ...]  # the seed's own operand values
    seed: Any  # the seed's number as written
    line: int
    round_terms: bool = False  # does the seed round each product before adding here?
    decimals: int = 3  # the precision the seed writes
    correct: Any = None  # for a slip: the right number from the same operands
    op: str | None = None  # only when key is None
    info: dict[str, Any] = field(default_factory=dict)  # only when key is None


def _sentiment_steps() -> list[HandStep]:
    s: list[HandStep] = []
    for t in range(1, 7):
        s.append(
            HandStep(
                f"W_xh x_{t}",
                "sentiment",
                f"s1.zx_{t}",
                (S_W_XH, S_X[t]),
                S_ZX[t],
                line=[400, 450, 527, 601, 679, 753][t - 1],
            )
        )
    s.append(HandStep("z_1", "sentiment", "s1.z_1", (S_ZX[1], [0, 0, 0], S_B_H), S_Z[1], 407))
    s.append(HandStep("h_1", "sentiment", "s1.h_1", (S_Z[1],), S_H[1], 414, correct=S_H1_OK))
    zh_lines = {2: 479, 3: 556, 4: 630, 5: 708, 6: 782}
    z_lines = {2: 486, 3: 563, 4: 637, 5: 715, 6: 789}
    h_lines = {2: 492, 3: 569, 4: 643, 5: 721, 6: 795}
    h_ok = {4: S_H4_OK, 5: S_H5_OK}
    for t in range(2, 7):
        s.append(
            HandStep(
                f"W_hh h_{t - 1}",
                "sentiment",
                f"s1.zh_{t}",
                (S_W_HH, S_H[t - 1]),
                S_ZH[t],
                zh_lines[t],
                correct=S_ZH5_OK if t == 5 else None,
            )
        )
        # z_5 is exact at 4 decimals on the seed's unrounded 0.4015
        s.append(
            HandStep(
                f"z_{t}",
                "sentiment",
                f"s1.z_{t}",
                (S_ZX[t], S_ZH[t], S_B_H),
                S_Z[t],
                z_lines[t],
                decimals=4 if t == 5 else 3,
            )
        )
        s.append(
            HandStep(
                f"h_{t}",
                "sentiment",
                f"s1.h_{t}",
                (S_Z[t],),
                S_H[t],
                h_lines[t],
                correct=h_ok.get(t),
            )
        )
    s += [
        HandStep(
            "W_ho * h_6 (products)",
            "sentiment",
            None,
            (S_W_HO[0], S_H[6]),
            S_OH6_TERMS,
            809,
            op="hadamard",
        ),
        HandStep(
            "W_ho h_6", "sentiment", "s1.oh_6", (S_W_HO, S_H[6]), S_OH6, 815, round_terms=True
        ),
        HandStep("o_6 = W_ho h_6 + b_o", "sentiment", "s1.o_6", (S_OH6, S_B_O), S_O6, 815),
        HandStep("y_6", "sentiment", "s1.y_6", (S_O6,), S_Y6, 821),
        HandStep("L", "sentiment", "s1.L_6", (S_Y6, S_O6), S_L, 831, correct=S_L_OK),
        HandStep("dL/dy_6 = -1/y_6", "sentiment", None, ([-1.0], S_Y6), S_DL_DY, 846, op="divide"),
        HandStep(
            "y_6(1 - y_6)",
            "sentiment",
            None,
            (S_Y6,),
            S_DY_DZ,
            851,
            op="activation_derivative",
            info={"activation": "sigmoid"},
        ),
        HandStep(
            "delta_o = dL/dy x y(1 - y)",
            "sentiment",
            None,
            (S_DL_DY, S_DY_DZ),
            S_DO,
            859,
            op="hadamard",
            correct=S_DO_OK,
        ),
        HandStep("dL/dW_ho", "sentiment", "s1.dW_hy_6", (S_DO, S_H[6]), S_DW_HO, 867),
        HandStep("delta h_6", "sentiment", "s1.dh_out_6", (S_W_HO, S_DO), S_DH6, 879),
        HandStep(
            "1 - h_6^2", "sentiment", "s1.dhdz_6", (S_H[6],), S_DHDZ6, 889, correct=S_DHDZ6_OK
        ),
        HandStep("delta z_6", "sentiment", "s1.dz_6", (S_DH6, S_DHDZ6), S_DZ6, 895),
        HandStep(
            "delta z_6 x_6^T", "sentiment", "s1.dW_xh_6", (S_DZ6, S_X[6]), S_DW_XH6, 929, decimals=4
        ),
        HandStep(
            "delta z_6 h_5^T",
            "sentiment",
            "s1.dW_hh_6",
            (S_DZ6, S_H[5]),
            S_DW_HH6,
            955,
            correct=S_DW_HH6_OK,
        ),
        # the seed rounds these products before adding (lines 1014-1016)
        HandStep(
            "delta h_5", "sentiment", "s1.dh_next_5", (S_W_HH, S_DZ6), S_DH5, 1020, round_terms=True
        ),
        HandStep(
            "1 - h_5^2", "sentiment", "s1.dhdz_5", (S_H[5],), S_DHDZ5, 1031, correct=S_DHDZ5_OK
        ),
        HandStep("delta z_5", "sentiment", "s1.dz_5", (S_DH5, S_DHDZ5), S_DZ5, 1037),
    ]
    return s


def _ilai_steps() -> list[HandStep]:
    s: list[HandStep] = []
    lines = {  # zx, zh, z, h, o
        1: (1295, 1304, 1311, 1322, 1339),
        2: (1358, 1376, 1382, 1393, 1408),
        3: (1427, 1445, 1451, 1462, 1477),
    }
    h_prev = {1: [0.0, 0.0, 0.0], 2: A_H[1], 3: A_H[2]}
    for t in range(1, 4):
        zx, zh, z, h, o = lines[t]
        s += [
            HandStep(f"W_xh x_{t}", "ilai", f"zx_{t}", (A_W_XH, A_X[t]), A_ZX[t], zx, True),
            HandStep(f"W_hh h_{t - 1}", "ilai", f"zh_{t}", (A_W_HH, h_prev[t]), A_ZH[t], zh, True),
            HandStep(f"z_{t}", "ilai", f"z_{t}", (A_ZX[t], A_ZH[t], A_B_H), A_Z[t], z, True),
            HandStep(
                f"h_{t}",
                "ilai",
                f"h_{t}",
                (A_Z[t],),
                A_H[t],
                h,
                True,
                correct=A_H2_OK if t == 2 else None,
            ),
            HandStep(f"W_hy h_{t}", "ilai", f"oh_{t}", (A_W_HY, A_H[t]), A_O[t], o, True),
        ]
    s += [
        HandStep("o_1 = W_hy h_1 + b_y", "ilai", "o_1", (A_O[1], A_B_Y), A_O[1], 1339, True),
        HandStep("exp(o_3)", "ilai", "e_3", (A_O[3],), A_E3, 1482, True, correct=A_E3_OK),
        HandStep("sum of exps", "ilai", "S_3", (A_E3,), A_S3, 1483, True),
        HandStep("softmax", "ilai", "y_3", (A_E3, A_S3), A_Y3, 1486, True, correct=A_Y3_OK),
    ]
    return s


HAND_STEPS = _sentiment_steps() + _ilai_steps()
RIGHT = [pytest.param(h, id=f"{h.example}:{h.name}") for h in HAND_STEPS if h.correct is None]
SLIPS = [pytest.param(h, id=f"{h.example}:{h.name}") for h in HAND_STEPS if h.correct is not None]


@pytest.fixture(scope="module")
def rounded_traces() -> dict[str, Trace]:
    """The bundled files traced under their own number policy (rounded, 3 decimals)."""
    return {
        "sentiment": trace_scenario(load_scenario(SENTIMENT)),
        "ilai": trace_scenario(load_scenario(I_LOVE_AI)),
    }


def redo(hand: HandStep, traces: dict[str, Trace]) -> np.ndarray:
    """Our op for the seed's step, evaluated on the seed's operands, rounded as the seed writes."""
    if hand.key is None:
        op, info = hand.op, hand.info
    else:
        step = traces[hand.example][hand.key]
        op, info = step.op, step.info
        assert len(step.operands) == len(hand.operands), (step.operands, hand.operands)
    assert op is not None
    value = evaluate(op, [arr(x) for x in hand.operands], info, 3 if hand.round_terms else None)
    return round_array(value, hand.decimals)


# ---- (a) our ops against the seed's hand arithmetic ------------------------------------------


@pytest.mark.parametrize("hand", RIGHT)
def test_op_on_seed_operands_reproduces_seed_number(hand: HandStep, rounded_traces) -> None:
    got = redo(hand, rounded_traces)
    assert got.shape == arr(hand.seed).shape, f"seed line {hand.line}"
    np.testing.assert_array_equal(got, arr(hand.seed), err_msg=f"seed line {hand.line}")


@pytest.mark.parametrize("hand", SLIPS)
def test_op_on_seed_operands_gives_the_correction_where_the_seed_slipped(
    hand: HandStep, rounded_traces
) -> None:
    got = redo(hand, rounded_traces)
    assert not np.array_equal(arr(hand.correct), arr(hand.seed)), "not a slip"
    np.testing.assert_array_equal(got, arr(hand.correct), err_msg=f"seed line {hand.line}")


def test_every_seed_number_is_checked_once() -> None:
    seen = [(h.example, h.key or h.name) for h in HAND_STEPS]
    assert len(seen) == len(set(seen))
    # sentiment: 8 + 5 x 3 forward to h_6, 17 from the output to delta z_5; I love AI: 15 + 4
    assert len(HAND_STEPS) == 40 + 19


@pytest.mark.parametrize("where", list(A_TERMS))
def test_rounded_products_match_the_seeds_written_terms_in_i_love_ai(where) -> None:
    kind, t = where
    matrix, vector = (A_W_HY, A_H[t]) if kind == "oh" else (A_W_HH, A_H[t - 1])
    for row, seed_terms in zip(matrix, A_TERMS[where], strict=True):
        got = round_array(evaluate("hadamard", [arr(row), arr(vector)], {}, None), 3)
        np.testing.assert_array_equal(got, arr(seed_terms))


def test_rounded_products_match_the_seeds_written_terms_of_delta_h5() -> None:
    # W_hh^T delta z_6, row by row
    for row, seed_terms in zip(arr(S_W_HH).T, S_DH5_TERMS, strict=True):
        got = round_array(evaluate("hadamard", [row, arr(S_DZ6)], {}, None), 3)
        np.testing.assert_array_equal(got, arr(seed_terms))


def test_delta_h5_needs_the_seeds_rounded_products() -> None:
    # Seed lines 1014-1020 round each product: -0.011 - 0.008 - 0.015 = -0.034. Adding the
    # products unrounded (-0.0106 - 0.0080 - 0.0147 = -0.0333) gives -0.033 instead.
    plain = round_array(evaluate("matvec", [arr(S_W_HH), arr(S_DZ6)], {"transpose": True}, None), 3)
    np.testing.assert_array_equal(plain, [-0.031, -0.033, -0.029])


def test_our_output_error_y_minus_label_agrees_with_the_seeds_two_step_method(
    rounded_traces,
) -> None:
    # The seed: dL/dy = -1/y = -1.46, y(1 - y) = 0.216, delta_o = -1.46 x 0.216 (-0.31536).
    # Ours: delta_o = y - 1 on the seed's y_6 = 0.685. Same third decimal once the seed's
    # -0.316 (seed line 859) is corrected.
    step = rounded_traces["sentiment"]["s1.do_6"]
    ours = round_array(evaluate(step.op, [arr(S_Y6)], step.info, None), 3)
    np.testing.assert_array_equal(ours, S_DO_OK)
    assert ours[0] != S_DO[0]
    # and the seed's chain rule through our sigmoid_back op, unrounded y(1 - y)
    through = evaluate("sigmoid_back", [arr(S_DL_DY), arr(S_Y6)], {}, None)
    np.testing.assert_array_equal(round_array(through, 3), S_DO_OK)


# ---- (b) our rounded chain against the seed ------------------------------------------------

# Where nothing upstream slipped, our chain carries the seed's number.
CHAIN_EQUALS_SEED = [
    *[("sentiment", f"s1.zx_{t}", S_ZX[t]) for t in range(1, 7)],
    ("sentiment", "s1.z_1", S_Z[1]),
    ("sentiment", "s1.zh_4", S_ZH[4]),  # the h_1 slip has died out by W_hh h_3
    ("sentiment", "s1.z_4", S_Z[4]),
    ("sentiment", "s1.o_6", S_O6),
    ("sentiment", "s1.y_6", S_Y6),
    ("sentiment", "s1.dh_6", S_DH6),
    ("sentiment", "s1.dh_5", S_DH5),
    ("sentiment", "s1.dz_5", S_DZ5),
    *[("ilai", f"zx_{t}", A_ZX[t]) for t in range(1, 4)],
    *[
        ("ilai", f"{name}_1", value)
        for name, value in (
            ("zh", A_ZH[1]),
            ("z", A_Z[1]),
            ("h", A_H[1]),
            ("oh", A_O[1]),
            ("o", A_O[1]),
        )
    ],
    ("ilai", "zh_2", A_ZH[2]),
    ("ilai", "z_2", A_Z[2]),
]

# Where the seed itself slipped (and nothing upstream did), our chain carries the correction.
CHAIN_EQUALS_CORRECTION = [
    ("sentiment", "s1.h_1", S_H1_OK, S_H[1]),
    ("sentiment", "s1.h_4", S_H4_OK, S_H[4]),
    ("sentiment", "s1.h_5", S_H5_OK, S_H[5]),  # z_5 differs (0.701, 1.245) but h_5 does not
    ("sentiment", "s1.L_6", S_L_OK, S_L),
    ("sentiment", "s1.L", S_L_OK, S_L),
    ("sentiment", "s1.do_6", S_DO_OK, S_DO),
    ("sentiment", "s1.db_y", S_DO_OK, S_DO),  # dL/db_o, seed line 871
    ("ilai", "h_2", A_H2_OK, A_H[2]),
    ("ilai", "y_3", A_Y3_OK, A_Y3),
]

# Where the seed inherited an earlier slip: our value, re-done by hand (3 decimals, half up)
# along our chain, as listed in the scenario files' comments; never the seed's.
CHAIN_INHERITED = [
    ("sentiment", "s1.zh_2", [0.156, 0.290, 0.221], S_ZH[2]),
    ("sentiment", "s1.z_2", [0.426, 0.710, 0.651], S_Z[2]),
    ("sentiment", "s1.h_2", [0.402, 0.611, 0.572], S_H[2]),
    ("sentiment", "s1.zh_3", [0.300, 0.560, 0.452], S_ZH[3]),
    ("sentiment", "s1.z_3", [0.550, 0.800, 0.742], S_Z[3]),
    ("sentiment", "s1.h_3", [0.501, 0.664, 0.630], S_H[3]),
    ("sentiment", "s1.zh_5", [0.401, 0.745, 0.591], S_ZH[5]),
    ("sentiment", "s1.z_5", [0.701, 1.245, 0.971], S_Z[5]),
    ("sentiment", "s1.zh_6", [0.426, 0.791, 0.614], S_ZH[6]),
    ("sentiment", "s1.z_6", [0.806, 1.161, 1.054], S_Z[6]),
    ("sentiment", "s1.h_6", [0.667, 0.821, 0.783], S_H[6]),
    ("sentiment", "s1.dW_hy_6", [[-0.210, -0.259, -0.247]], S_DW_HO),
    ("sentiment", "s1.dhdz_6", [0.555, 0.326, 0.387], S_DHDZ6),
    ("sentiment", "s1.dz_6", [-0.053, -0.021, -0.049], S_DZ6),
    (
        "sentiment",
        "s1.dW_hh_6",
        [[-0.032, -0.045, -0.040], [-0.013, -0.018, -0.016], [-0.030, -0.042, -0.037]],
        S_DW_HH6,
    ),
    ("sentiment", "s1.dhdz_5", [0.634, 0.283, 0.439], S_DHDZ5),
    ("ilai", "oh_2", [0.680, -0.182], A_O[2]),
    ("ilai", "zh_3", [-0.004, 0.528, -0.092], A_ZH[3]),
    ("ilai", "z_3", [0.276, 0.768, -0.292], A_Z[3]),
    ("ilai", "h_3", [0.269, 0.646, -0.284], A_H[3]),
    ("ilai", "oh_3", [0.485, 0.026], A_O[3]),
    ("ilai", "e_3", [1.624, 1.026], A_E3),
    ("ilai", "S_3", 2.650, A_S3),
]


def test_bundled_files_carry_numbers_as_the_seed_does() -> None:
    assert load_scenario(SENTIMENT).numbers == NumberPolicy(3, "rounded", False)
    assert load_scenario(I_LOVE_AI).numbers == NumberPolicy(3, "rounded", True)


@pytest.mark.parametrize(
    ("example", "key", "seed"), CHAIN_EQUALS_SEED, ids=[f"{e}:{k}" for e, k, _ in CHAIN_EQUALS_SEED]
)
def test_rounded_chain_equals_seed_where_nothing_upstream_slipped(
    example, key, seed, rounded_traces
) -> None:
    np.testing.assert_array_equal(rounded_traces[example].value(key), arr(seed))


@pytest.mark.parametrize(
    ("example", "key", "correct", "seed"),
    CHAIN_EQUALS_CORRECTION,
    ids=[f"{e}:{k}" for e, k, _, _ in CHAIN_EQUALS_CORRECTION],
)
def test_rounded_chain_equals_the_correction_where_the_seed_slipped(
    example, key, correct, seed, rounded_traces
) -> None:
    got = rounded_traces[example].value(key)
    np.testing.assert_array_equal(got, arr(correct))
    assert not np.array_equal(got, arr(seed))


@pytest.mark.parametrize(
    ("example", "key", "ours", "seed"),
    CHAIN_INHERITED,
    ids=[f"{e}:{k}" for e, k, _, _ in CHAIN_INHERITED],
)
def test_rounded_chain_differs_from_seed_where_it_inherited_a_slip(
    example, key, ours, seed, rounded_traces
) -> None:
    got = rounded_traces[example].value(key)
    np.testing.assert_array_equal(got, arr(ours))
    assert not np.array_equal(got, arr(seed))


def test_rounded_chain_row_2_of_delta_z6_x6_differs_from_the_seed_by_delta_z6(
    rounded_traces,
) -> None:
    # the seed writes these at 4 decimals: compare the unrounded products
    full = round_array(rounded_traces["sentiment"]["s1.dW_xh_6"].value, 4)
    expected = arr(S_DW_XH6).copy()
    expected[1] = [-0.0105, -0.0084, -0.0042]  # -0.021 x [0.5, 0.4, 0.2]
    np.testing.assert_array_equal(full, expected)


def test_rounded_chain_rounds_exact_decimal_ties_up_review_2(rounded_traces) -> None:
    # Not in the seed (it does not work review 2), but the same convention: dz_2 = 0.015 at
    # the third entry, x_2 ('hate') = 0.7 at the first, so the product is 0.0105 exactly.
    tr = rounded_traces["sentiment"]
    assert tr.value("s2.dz_2")[2] == 0.015 and tr.value("s2.x_2")[0] == 0.7
    assert tr.value("s2.dW_xh_2")[2, 0] == 0.011


# ---- (c) exact mode against plain numpy ------------------------------------------------------

EXACT = NumberPolicy(decimals=3, carry="exact")
REVIEWS = {  # seed lines 313-321 and 287-288
    "s1": (
        [
            [0.1, 0.2, 0.3],
            [0.4, 0.1, 0.5],
            [0.3, 0.2, 0.1],
            [0.6, 0.1, 0.4],
            [0.1, 0.3, 0.6],
            [0.5, 0.4, 0.2],
        ],
        1.0,
    ),
    "s2": ([[0.1, 0.2, 0.3], [0.7, 0.8, 0.1], [0.3, 0.2, 0.1], [0.6, 0.1, 0.4]], 0.0),
}


def np_params() -> dict[str, np.ndarray]:
    return {
        "W_xh": arr(S_W_XH),
        "W_hh": arr(S_W_HH),
        "b_h": arr(S_B_H),
        "W_hy": arr(S_W_HO),
        "b_y": arr(S_B_O),
    }


def np_review(p: dict[str, np.ndarray], xs: list[list[float]], label: float):
    """Plain numpy forward pass: (last hidden state, sigmoid output, BCE loss)."""
    h = np.zeros(3)
    for x in xs:
        h = np.tanh(p["W_xh"] @ arr(x) + p["W_hh"] @ h + p["b_h"])
    o = p["W_hy"] @ h + p["b_y"]
    y = 1.0 / (1.0 + np.exp(-o))
    loss = -(label * np.log(y) + (1.0 - label) * np.log(1.0 - y))
    return h, y, float(loss[0])


def np_total_loss(p: dict[str, np.ndarray]) -> float:
    return sum(np_review(p, xs, label)[2] for xs, label in REVIEWS.values())


@pytest.fixture(scope="module")
def exact_sentiment() -> Trace:
    return trace_scenario(load_scenario(SENTIMENT), EXACT)


def test_exact_forward_of_review_1_matches_numpy(exact_sentiment) -> None:
    h6, y6, loss = np_review(np_params(), *REVIEWS["s1"])
    np.testing.assert_allclose(exact_sentiment["s1.h_6"].value, h6, rtol=0, atol=1e-12)
    np.testing.assert_allclose(exact_sentiment["s1.y_6"].value, y6, rtol=0, atol=1e-12)
    np.testing.assert_allclose(exact_sentiment["s1.L"].value, loss, rtol=0, atol=1e-12)
    # exact numbers are carried as computed, not rounded
    np.testing.assert_array_equal(exact_sentiment["s1.h_6"].carried, h6)
    # exactly, h_6 = 0.667, 0.821, 0.783 as in our rounded chain: the seed's 0.784 (line 795)
    # comes from its h_5 slip, not from rounding along the way
    np.testing.assert_array_equal(round_array(h6, 3), [0.667, 0.821, 0.783])
    assert round(float(y6[0]), 3) == 0.685 and round(loss, 3) == 0.378


def test_exact_forward_of_review_2_and_total_loss_match_numpy(exact_sentiment) -> None:
    h4, y4, loss2 = np_review(np_params(), *REVIEWS["s2"])
    np.testing.assert_allclose(exact_sentiment["s2.h_4"].value, h4, rtol=0, atol=1e-12)
    np.testing.assert_allclose(exact_sentiment["s2.y_4"].value, y4, rtol=0, atol=1e-12)
    np.testing.assert_allclose(exact_sentiment["s2.L"].value, loss2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        exact_sentiment["L"].value, np_total_loss(np_params()), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("param", ["W_xh", "W_hh", "b_h", "W_hy", "b_y"])
def test_exact_gradients_summed_over_both_reviews_match_finite_differences(
    param, exact_sentiment
) -> None:
    p = np_params()
    numeric = np.zeros_like(p[param])
    eps = 1e-6
    for idx in np.ndindex(p[param].shape):
        up = {k: v.copy() for k, v in p.items()}
        down = {k: v.copy() for k, v in p.items()}
        up[param][idx] += eps
        down[param][idx] -= eps
        numeric[idx] = (np_total_loss(up) - np_total_loss(down)) / (2 * eps)
    np.testing.assert_allclose(exact_sentiment[f"d{param}"].value, numeric, rtol=0, atol=1e-8)


def test_exact_output_error_of_review_1_is_y_minus_label(exact_sentiment) -> None:
    _, y6, _ = np_review(np_params(), *REVIEWS["s1"])
    np.testing.assert_allclose(exact_sentiment["s1.do_6"].value, y6 - 1.0, rtol=0, atol=1e-12)
    # the seed's route, -1/y x y(1 - y), is the same number
    np.testing.assert_allclose((-1.0 / y6) * y6 * (1.0 - y6), y6 - 1.0, rtol=0, atol=1e-12)


def test_exact_i_love_ai_matches_numpy() -> None:
    tr = trace_scenario(load_scenario(I_LOVE_AI), EXACT)
    h = np.zeros(3)
    for t in range(1, 4):
        h = np.tanh(arr(A_W_XH) @ arr(A_X[t]) + arr(A_W_HH) @ h + arr(A_B_H))
        o = arr(A_W_HY) @ h + arr(A_B_Y)
        y = np.exp(o) / np.exp(o).sum()
        np.testing.assert_allclose(tr[f"h_{t}"].value, h, rtol=0, atol=1e-12)
        np.testing.assert_allclose(tr[f"o_{t}"].value, o, rtol=0, atol=1e-12)
        if t == 3:  # model.head_steps: [3], the softmax at t = 3 only (as the notes)
            np.testing.assert_allclose(tr[f"y_{t}"].value, y, rtol=0, atol=1e-12)
        else:
            assert f"y_{t}" not in tr
    # carried exactly, the softmax at t = 3 is 0.613, 0.387 too
    np.testing.assert_array_equal(round_array(y, 3), [0.613, 0.387])
