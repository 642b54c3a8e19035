"""The update a trace ends with, each part a recorded step, in PyTorch's order:

1. with ``train.l2_penalty`` λ: the penalty L_penalty = λ Σ ‖W‖²_F over the trained weight
   matrices (loss phase, beside the data loss L, and L_total = L + L_penalty), and its
   gradient 2λW added to each of those matrices' gradients;
2. with ``train.clip`` c: the global norm ‖g‖ of all the gradients, the coefficient
   min(1, c/‖g‖) (with ``train.clip_eps`` ε: min(1, c/(‖g‖ + ε)), seed 001's code) and the
   scaled gradients;
3. with ``train.l2`` λ: weight decay, λθ added to each gradient;
4. with ``train.lr_schedule``: η of the epoch; with ``train.recurrent_decay`` λ_r: each
   recurrent matrix shrunk to (1 − λ_r) W;
5. the SGD step θ ← θ − η g.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnntrace._internal import cells
from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.engine.symbols import Symbols
from rnntrace._internal.scenario.model import Scenario
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import (
    Command,
    Delimited,
    Name,
    Primed,
    Symbol,
    op,
    paren,
    row,
    sub,
    upright,
)

UpdateOp = Callable[..., None]  # records one step of the update: (key, op, operands, symbol, label)


def grad_key(param: str) -> str:
    """The key of ∂L/∂param: ``dW_hh``, and for a part's parameter ``enc.dW_hh``."""
    part, dot, base = param.rpartition(".")
    return f"{part}{dot}d{base}"


def penalized(scenario: Scenario, params: list[str]) -> list[str]:
    """The parameters the L2 penalty covers: every weight matrix among ``params`` (W_xh,
    W_hh, W_hy, a gate's W_gx and W_gh or W_g, a fed-back W_yh, attention's W_a and U_a),
    not the vectors (biases, initial states, additive attention's v_a)."""
    return [key for key in params if np.ndim(scenario.params[key]) == 2]


def recurrent(scenario: Scenario, params: list[str]) -> dict[str, tuple[int, int] | None]:
    """The matrices recurrent weight decay shrinks: the cell's (H, H) matrices (W_hh; a
    gate's W_gh), whole (None), and of a concatenated W_g (H, H+D) its h columns (0, H)."""
    specs = cells.get(scenario.model.cell).param_specs()
    H = scenario.dims["H"]
    out: dict[str, tuple[int, int] | None] = {}
    for key in params:
        spec = specs.get(key.rpartition(".")[2])
        if spec is not None and spec.key.startswith("W") and spec.shape[0] == "H":
            if spec.shape[1] == "H":
                out[key] = None
            elif spec.shape[1] == "H+D":
                out[key] = (0, H)
    return out


def learning_rate(scenario: Scenario) -> float:
    """η of the epoch a trace shows (``train.epoch``): η_0, or the schedule's."""
    train = scenario.train
    if train.lr_schedule is None:
        return train.learning_rate
    return train.lr_schedule.rate(train.learning_rate, train.epoch)


def pre_clip_keys(scenario: Scenario, params: list[str]) -> list[str]:
    """The key of each parameter's gradient as clipping sees it: ∂L/∂θ, with the penalty's
    2λW for a penalized matrix."""
    marked = set(penalized(scenario, params)) if scenario.train.l2_penalty else set()
    return [f"{grad_key(p)}_penalty" if p in marked else grad_key(p) for p in params]


def record_update(rec: Recorder, scenario: Scenario, sym: Symbols, grads: list[str]) -> None:
    """The steps of the update (see the module's docstring)."""
    train = scenario.train
    final = {param: grad_key(param) for param in grads}

    def update_op(key: str, name: str, operands: list[str], symbol: Symbol, label: Label,
                  **info: object) -> None:  # fmt: skip
        rec.op(key, name, operands, phase="update", symbol=symbol, sequence=False,
               label=label, info=info)  # fmt: skip

    if train.l2_penalty and grads:
        _penalty(rec, scenario, sym, final, update_op)
    if train.clip is not None and grads:
        update_op("grad_norm", "global_norm", list(final.values()), Delimited("norm", Name("g")),
                  Label("global_norm"))  # fmt: skip
        eps = {"eps": train.clip_eps} if train.clip_eps else {}
        label = (
            Label("clipping_factor_eps", value=train.clip, detail=f"{train.clip_eps:g}")
            if eps
            else Label("clipping_factor", value=train.clip)
        )
        update_op("clip_factor", "clip_factor", ["grad_norm"], Command("kappa"), label,
                  max_norm=train.clip, **eps)  # fmt: skip
        for param, key in final.items():
            update_op(
                f"{key}_clipped",
                "scale_by",
                ["clip_factor", key],
                row(Command("kappa"), rec.trace[key].symbol),
                Label("gradient_after_clipping", ref=param),
            )
            final[param] = f"{key}_clipped"
    if train.l2:
        for param, key in final.items():
            update_op(f"{grad_key(param)}_decay", "decay", [key, param],
               paren(rec.trace[key].symbol, op("+"), Name(f"{train.l2:g}"), sym[param]),
               Label("gradient_with_weight_decay", ref=param, value=train.l2),
               weight=train.l2)  # fmt: skip
            final[param] = f"{grad_key(param)}_decay"
    _step(rec, scenario, sym, final, update_op)


def _penalty(rec: Recorder, scenario: Scenario, sym: Symbols, final: dict[str, str],
             update_op: UpdateOp) -> None:  # fmt: skip
    """L_penalty = λ Σ ‖W‖²_F and L_total (loss phase), then 2λW added to each gradient."""
    weight = scenario.train.l2_penalty
    matrices = penalized(scenario, list(final))
    if not matrices:
        return
    rec.op("L_penalty", "l2_penalty", matrices, phase="loss", sequence=False,
           symbol=sub("L", upright("penalty")), label=Label("l2_penalty", value=weight),
           info={"weight": weight})  # fmt: skip
    if "L" in rec.trace:
        rec.op("L_total", "add", ["L", "L_penalty"], phase="loss", sequence=False,
               symbol=sub("L", upright("total")),
               label=Label("loss_with_the_l2_penalty"))  # fmt: skip
    for param in matrices:
        key = final[param]
        update_op(f"{key}_penalty", "penalty_grad", [key, param],
                  paren(rec.trace[key].symbol, op("+"), Name(f"{2 * weight:g}"), sym[param]),
                  Label("gradient_with_the_l2_penalty", ref=param, value=weight),
                  weight=weight)  # fmt: skip
        final[param] = f"{key}_penalty"


def _step(rec: Recorder, scenario: Scenario, sym: Symbols, final: dict[str, str],
          update_op: UpdateOp) -> None:  # fmt: skip
    """η of the epoch (a schedule), the shrunk recurrent matrices, and θ − η g."""
    train = scenario.train
    lr = train.learning_rate
    schedule = train.lr_schedule
    if schedule is not None and final:
        label = (
            Label("learning_rate_of_the_epoch_time", other=train.epoch, value=schedule.decay)
            if schedule.kind == "time"
            else Label("learning_rate_of_the_epoch_exponential", other=train.epoch,
                       value=schedule.decay)
        )  # fmt: skip
        update_op("eta", "lr_schedule", [], sub(Command("eta"), train.epoch), label,
                  learning_rate=lr, kind=schedule.kind, decay=schedule.decay,
                  epoch=train.epoch)  # fmt: skip
    shrunk = recurrent(scenario, list(final)) if train.recurrent_decay else {}
    rate = train.recurrent_decay
    for param, key in final.items():
        base = param
        if param in shrunk:
            cols = shrunk[param]
            symbol: Symbol = row(paren(Name("1"), op("-"), Name(f"{rate:g}")), sym[param])
            label = Label("recurrent_weight_decay", ref=param, value=rate)
            if cols is None:
                update_op(f"{param}_shrunk", "shrink", [param], symbol, label, rate=rate)
            else:
                update_op(f"{param}_shrunk", "shrink", [param], symbol,
                          Label("recurrent_weight_decay_columns", ref=param, value=rate,
                                other=cols[1]), rate=rate, cols=cols)  # fmt: skip
            base = f"{param}_shrunk"
        if schedule is not None:
            update_op(f"{param}_new", "sgd_scheduled", [base, key, "eta"], Primed(sym[param]),
                      Label("sgd_step_scheduled", ref=param, other=train.epoch))  # fmt: skip
        else:
            update_op(f"{param}_new", "sgd", [base, key], Primed(sym[param]),
                      Label("sgd_step", ref=param, value=lr), learning_rate=lr)  # fmt: skip
