"""The JSON Schema of scenario format version 1. The loader takes its allowed keys from here.

``SCHEMA`` is the whole schema; every cell's parameter keys are added to it when it is first
read (each cell's module imported), so that loading a scenario imports its own cell only."""

from __future__ import annotations

from typing import Any

from rnntrace._internal import cells
from rnntrace._internal.symbol.latex import latex
from rnntrace._internal.symbol.rename import INDEX_STYLE, INDEX_STYLES, QUANTITIES

_NUMBER = {"type": "number"}
_VECTOR = {"type": "array", "items": _NUMBER, "minItems": 1}
_MATRIX = {
    "oneOf": [
        {"type": "array", "items": _VECTOR, "minItems": 1},
        {**_VECTOR, "description": "a one-row matrix written flat"},
    ]
}
_TARGET = {
    "description": "class index, 0/1 (bce), a token of the one-hot vocabulary, or a vector "
    "(mse; ce: a distribution over the K classes)",
    "oneOf": [{"type": "number"}, {"type": "string"}, _VECTOR],
}


def _part_params() -> dict[str, Any]:
    specs = [(kind.title, kind.param_specs()) for kind in cells.kinds()]  # each cell's, once
    return {
        key: {
            **(_MATRIX if key.startswith("W") else _VECTOR),
            "description": _param_text(key, specs),
        }
        for key in cells.all_param_keys()
    }


def _param_text(key: str, specs: list[tuple[str, dict[str, Any]]]) -> str:
    """'LSTM, GRU: forget gate: input matrix, shape (H, D)' — the cells a key belongs to
    (``specs``: each cell's title and parameter specs)."""
    owners = [(title, params[key]) for title, params in specs if key in params]
    spec = owners[0][1]
    names = ", ".join(title for title, _ in owners)
    return f"{names}: {spec.text}, shape ({', '.join(spec.shape)})"


# The model keys that apply to one cell only (the cells' ``options``; a test checks): the
# loader refuses them for another cell without importing every cell.
CELL_OPTIONS = ("activation", "gru_variant", "update_gate")


def _enum(values: list[str], default: str, text: str) -> dict[str, Any]:
    return {"enum": values, "default": default, "description": text}


# notation (issue 13): a parameter's or a traced quantity's symbol, and the index style
_NOTATION: dict[str, Any] = {
    "type": "object",
    "description": "display symbol (LaTeX) per parameter key (a part's parameter: its base "
    "key, e.g. W_hh, or with the part's prefix, e.g. enc.W_hh) or per traced quantity "
    "(o, Z, A, h, ...: docs/scenario-format.md, 'Notation'); index_style: subscript (x_t) "
    "or bracket (x[t])",
    "properties": {
        INDEX_STYLE: _enum(list(INDEX_STYLES), "subscript", "how time indices are written: "
                           "subscript x_t, or bracket x[t] (seed 003)"),
        **{key: {"type": "string", "default": latex(symbol), "description": words}
           for key, (symbol, words) in QUANTITIES.items()},
    },
    "additionalProperties": {"type": "string"},
}  # fmt: skip
# every cell's parameter keys: added (every cell imported) when the whole schema or its params
# section is first asked for, not when a scenario is loaded (it reads its own cell's, issue 12)
_PART_PARAMS: dict[str, Any] = {}
_PART: dict[str, Any] = {"type": "object", "additionalProperties": False,
                         "properties": _PART_PARAMS}  # fmt: skip

# Seed 001's training techniques (issue 13): docs/scenario-format.md, "Training techniques".
_TRAIN_TECHNIQUES: dict[str, Any] = {
    "lr_schedule": {
        "type": ["object", "null"],
        "additionalProperties": False,
        "required": ["kind", "decay"],
        "default": None,
        "description": "the learning rate of epoch N (N = 1, 2, ...): "
        "time: eta_0 / (1 + r (N - 1)); exponential: eta_0 r^(N - 1); none: eta_0 every epoch",
        "properties": {
            "kind": _enum(["time", "exponential"], "time", "time-based or exponential decay"),
            "decay": {"type": "number", "minimum": 0, "description": "r (exponential: 0 < r <= 1)"},
        },
    },
    "l2_penalty": {
        "type": "number",
        "minimum": 0,
        "default": 0,
        "description": "lambda: the loss gains lambda * (sum of the squared Frobenius norms of the "
        "trained weight matrices, biases and initial states excluded); gradient 2 lambda W",
    },
    "recurrent_decay": {
        "type": "number",
        "minimum": 0,
        "exclusiveMaximum": 1,
        "default": 0,
        "description": "lambda_r: each recurrent matrix W (W_hh, a gate's W_gh, the h columns of a "
        "concatenated W_g) is updated as (1 - lambda_r) W - eta grad",
    },
    "clip_eps": {
        "type": "number",
        "minimum": 0,
        "default": 0,
        "description": "epsilon of the clipping coefficient min(1, clip / (norm + epsilon))",
    },
    "bptt_window": {
        "type": ["integer", "null"],
        "minimum": 1,
        "default": None,
        "description": "k: each loss L_t is backpropagated through at most k steps "
        "(dL_t/dh_(t-k) taken as 0); none: every loss through all steps",
    },
}

# -- skip connections and dropout (issue 13) ------------------------------------------------
_RATE = {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0}
_MASK = {"type": "array", "items": {"enum": [0, 1]}, "minItems": 1}
_MASKS = {"oneOf": [_MASK, {"type": "array", "items": _MASK, "minItems": 1}],
          "description": "one 0/1 mask per time step (variational: one mask)"}  # fmt: skip
_LAYER_LIST: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "maxItems": 8,
    "items": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "skip": {
                "type": "boolean",
                "default": False,
                "description": "simple RNN: h_t^(l) = f(z_t^(l)) + h_t^(l-1) (seed 001), the "
                "state with the skip is the one that recurs; h_t^(0) = x_t",
            }
        },
    },
}
_SKIP_DROPOUT: dict[str, Any] = {
    "skip": {
        "type": "number",
        "default": 0,
        "description": "simple RNN: h_t = f(W_xh x_t + W_hh h_(t-1) + b_h) + skip * h_(t-1) "
        "(seed 001, skip connections)",
    },
    "dropout": {
        "type": "object",
        "additionalProperties": False,
        "description": "dropout (topology standard), inverted: a kept entry is scaled by "
        "1/(1 - p); off with --eval",
        "properties": {
            "input": {**_RATE, "description": "p of x_t (the first layer's input)"},
            "output": {**_RATE, "description": "p of what the output layer reads (h_t of "
                       "the top layer, or the self-attention context)"},
            "recurrent": {**_RATE, "description": "simple RNN: p of h_(t-1) as W_hh reads "
                          "it (a fresh mask each step)"},
            "variational": {"type": "boolean", "default": False,
                            "description": "one mask per sequence for all steps"},
            "seed": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1, "default": 0,
                     "description": "masks drawn with numpy.random.default_rng([seed, epoch, "
                     "sequence, kind, layer, t]) (see docs/scenario-format.md)"},
            "masks": {
                "type": "object",
                "additionalProperties": False,
                "description": "given masks instead of drawn ones",
                "properties": {"input": _MASKS, "recurrent": _MASKS, "output": _MASKS},
            },
        },
    },
}  # fmt: skip


def allowed_keys_of(section: str, key: str) -> list[str]:
    """The keys allowed in an object under a section's key (model.dropout, model.layers[*])."""
    node = schema_of(section)["properties"][key]
    node = next((n for n in node.get("oneOf", [node]) if n.get("type") in ("object", "array")),
                node)  # fmt: skip
    if node.get("type") == "array":
        node = node["items"]
    return list(node["properties"])


# ---------------------------------------------------------------------------------------------
_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://rnntrace.invalid/scenario-v1.json",
    "title": "rnntrace scenario, format version 1",
    "type": "object",
    "additionalProperties": False,
    "required": ["input", "sequences", "params"],
    "properties": {
        "version": {"const": 1, "default": 1, "description": "format version"},
        "title": {"type": "string", "description": "shown in reports (default: file name)"},
        "description": {"type": "string", "description": "shown in reports and worksheets"},
        "input": {
            "type": "object",
            "description": "exactly one of embeddings, one_hot, vectors",
            "additionalProperties": False,
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {
                "embeddings": {
                    "type": "object",
                    "description": "token -> vector; all of one length D",
                    "additionalProperties": _VECTOR,
                },
                "one_hot": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "vocabulary; token k becomes the k-th unit vector",
                },
                "vectors": {
                    "const": True,
                    "description": "sequences give raw input vectors under `inputs`",
                },
            },
        },
        "sequences": {
            "type": "array",
            "minItems": 1,
            "description": "traced one after another; gradients are summed over all",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "tokens": {
                        "description": "a string (split on whitespace) or a list of tokens",
                        "oneOf": [
                            {"type": "string"},
                            {"type": "array", "items": {"type": ["string", "number"]}},
                        ],
                    },
                    "split": _enum(["words", "chars"], "words", "how a tokens string is split"),
                    "steps": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "generate / encoder_decoder without targets: how "
                        "many steps to generate",
                    },
                    "inputs": {
                        "type": "array",
                        "items": _VECTOR,
                        "description": "input vectors (with input.vectors)",
                    },
                    "label": {**_TARGET, "description": "target of a many-to-one model"},
                    "targets": {
                        "oneOf": [{"type": "string"}, {"type": "array", "items": _TARGET}],
                        "description": "per-step targets of a many-to-many model",
                    },
                },
            },
        },
        "model": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "cell": _enum(cells.names(), cells.default_name(), "the recurrent cell"),
                "activation": _enum(
                    ["tanh", "relu", "sigmoid"], "tanh", "hidden activation (model.cell rnn only)"
                ),
                "output": _enum(["last", "every", "none"], "last", "where outputs are computed"),
                "head": _enum(
                    ["identity", "sigmoid", "softmax"], "identity", "output nonlinearity"
                ),
                "loss": _enum(["bce", "ce", "mse", "none"], "none", "loss at each output"),
                "gru_variant": _enum(
                    ["reset_before", "reset_after"],
                    "reset_before",
                    "GRU: reset gate applied to h_(t-1) before the recurrent product "
                    "(textbook), or after it, with a recurrent bias b_hh (PyTorch, cuDNN)",
                ),
                "topology": _enum(
                    ["standard", "generate", "encoder_decoder", "bidirectional"],
                    "standard",
                    "standard: one RNN (or stacked ones) over the sequence; generate: one "
                    "input, outputs fed back as the next inputs; encoder_decoder: an encoder "
                    "RNN, its last state starting a decoder RNN; bidirectional: forward and "
                    "backward RNNs, hidden states concatenated",
                ),
                "layers": {
                    "oneOf": [{"type": "integer", "minimum": 1, "maximum": 8}, _LAYER_LIST],
                    "default": 1,
                    "description": "stacked layers (topology standard); their "
                    "parameters go under params.layers. A list of layers ({skip: true}) "
                    "counts them and says which have a skip connection",
                },
                "residual": {
                    "type": "boolean",
                    "default": False,
                    "description": "stacked layers: each layer above the first adds "
                    "its input to its output",
                },
                "attention": _enum(
                    ["none", "self", "dot", "general", "additive"],
                    "none",
                    "self: attention over the hidden states (topology standard); dot, general, "
                    "additive: encoder-decoder attention",
                ),  # its mapping form {kind, context}: _ATTENTION_MAPPING below
                "attention_gradient": _enum(
                    ["exact", "constant_weights"],
                    "exact",
                    "exact: backpropagate through the attention weights; constant_weights: hold "
                    "them constant (a textbook simplification; labelled in every step it changes)",
                ),
                "teacher_forcing": {
                    "type": "boolean",
                    "default": False,
                    "description": "generate / encoder_decoder: feed the "
                    "targets as the next inputs instead of the outputs",
                },
                "update_gate": _enum(
                    ["new", "keep_old"],
                    "new",
                    "GRU: h_t = (1 - z) * h_(t-1) + z * candidate (new, textbook), or "
                    "h_t = (1 - z) * candidate + z * h_(t-1) (keep_old, PyTorch)",
                ),
                **_SKIP_DROPOUT,
            },
        },
        "params": {
            "type": "object",
            "additionalProperties": False,
            "description": "canonical parameter names of the cell (see model.cell); biases, "
            "h_0 and c_0 may be omitted (zero, not trained). The gates of a gated cell may be "
            "written separately (W_fx, W_fh) or concatenated (W_f acting on [h_(t-1), x_t])",
            "properties": {  # the cells' parameter keys first (``_with_cells``)
                "W_yh": {
                    **_MATRIX,
                    "description": "topology generate, simple RNN: the matrix "
                    "a fed-back output goes through, shape (H, K)",
                },
                "layers": {
                    "type": "array",
                    "items": _PART,
                    "minItems": 2,
                    "description": "stacked layers' parameters, bottom first",
                },
                "forward": {**_PART, "description": "bidirectional: the forward RNN"},
                "backward": {**_PART, "description": "bidirectional: the backward RNN"},
                "encoder": {**_PART, "description": "encoder_decoder: the encoder"},
                "decoder": {
                    **_PART,
                    "description": "encoder_decoder: the decoder (it reads "
                    "[previous output, context]; no h_0: it starts from the encoder's "
                    "last state). With model.attention.context separate, W_xh reads the "
                    "previous output alone and W_ch (H, H) the context",
                },
                "attention": {
                    "type": "object",
                    "additionalProperties": False,
                    "description": "encoder-decoder attention: W_a (general: (H_dec, H_enc); "
                    "additive: (A, H_dec)), U_a (A, H_enc) and v_a (A) (additive)",
                    "properties": {"W_a": _MATRIX, "U_a": _MATRIX, "v_a": _VECTOR},
                },
            },
        },
        "notation": _NOTATION,
        "train": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "learning_rate": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "default": 0.1,
                    "description": "SGD step size",
                },
                "epochs": {"type": "integer", "minimum": 1, "default": 1},
                "bptt": {
                    "oneOf": [{"const": "full"}, {"type": "integer", "minimum": 1}],
                    "default": "full",
                    "description": "full, or k for truncated BPTT",
                },
                "l2": {
                    "type": "number",
                    "minimum": 0,
                    "default": 0,
                    "description": "L2 weight decay: lambda * theta is added to each gradient",
                },
                "clip": {
                    "type": ["number", "null"],
                    "exclusiveMinimum": 0,
                    "description": "gradient-norm clipping threshold",
                },
                **_TRAIN_TECHNIQUES,
            },
        },
        "assignment": {
            "type": "object",
            "additionalProperties": False,
            "description": "the questions of the worksheet (rnntrace export) and their points",
            "properties": {
                "ask": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                    "description": "keys or shell patterns of the quantities to ask for "
                    "(h_2, 'dW_*'; display names such as W_ho work too); default: the hidden "
                    "states, outputs, losses, gradients and updated parameters",
                },
                "points": {
                    "type": "object",
                    "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1000},
                    "description": "points per question, by key or shell pattern ('dW_*': 2); "
                    "the last matching entry wins; 1 point a question otherwise",
                },
                "carried_credit": _enum(
                    ["full", "half", "none"],
                    "full",
                    "marks for an answer that is right for the student's own earlier "
                    "(wrong) values",
                ),
            },
        },
        "vary": {
            "type": "object",
            "additionalProperties": False,
            "description": "what differs between the students' variants (rnntrace vary)",
            "properties": {
                "params": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "parameter keys whose entries are drawn (default: every "
                    "given weight matrix)",
                },
                "embeddings": {
                    "type": "boolean",
                    "default": True,
                    "description": "draw the embeddings (or the input vectors)",
                },
                "tokens": {
                    "type": "boolean",
                    "default": False,
                    "description": "draw each sequence's tokens from the vocabulary",
                },
                "labels": {
                    "type": "boolean",
                    "default": False,
                    "description": "draw each sequence's class label",
                },
                "grid": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["decimals", "min", "max"],
                    "description": "the numbers drawn: decimals, from min to max (default: "
                    "each varied item's own decimals and range)",
                    "properties": {
                        "decimals": {"type": "integer", "minimum": 0, "maximum": 6},
                        "min": {"type": "number"},
                        "max": {"type": "number"},
                    },
                },
                "fixed": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "parameters, or tokens of the embeddings, kept as written",
                },
                "saturation": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "default": 3.0,
                    "description": "the largest |pre-activation| allowed into tanh or sigmoid",
                },
                "max_draws": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1000},
            },
        },
        "textgen": {
            "type": "object",
            "description": "written by rnntrace textgen train: how the model was trained and "
            "where training stands (for --resume); every other command ignores it",
        },
        "numbers": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "decimals": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 12,
                    "default": 4,
                    "description": "decimals shown (and carried, in rounded mode)",
                },
                "carry": _enum(
                    ["exact", "rounded"],
                    "exact",
                    "exact: float64 throughout; rounded: every intermediate rounded to "
                    "`decimals` before it is used again, as by hand",
                ),
                "round_terms": {
                    "type": "boolean",
                    "default": False,
                    "description": "in rounded mode, round each product term before summing",
                },
            },
        },
    },
}


# -- the losses' options (issue 13) -----------------------------------------------------------
_SCHEMA["properties"]["model"]["properties"].update(
    {
        "mse_scale": _enum(
            ["mean", "half"],
            "mean",
            "loss mse: mean, L_t = (1/K) sum_k (y_hat_k - y_k)^2; half, L_t = 1/2 "
            "||y_hat - y||^2 (seed 001), whose output error is y_hat - y",
        ),
        "output_error": _enum(
            ["together", "chain"],
            "together",
            "loss bce or ce: together, dL/do = y_hat - y in one step; chain, two recorded "
            "steps: dL/dy_hat (bce: -y/y_hat + (1 - y)/(1 - y_hat), ce: -y/y_hat), then "
            "through the head (seed 000)",
        ),
    }
)

# -- the row-vector layout (issue 13): docs/scenario-format.md, "Layout" ------------------------
_SCHEMA["properties"]["model"]["properties"]["layout"] = _enum(
    ["columns", "rows"],
    "columns",
    "columns: column vectors, W_xh x_t with W_xh of shape (H, D), W_hy (K, H); rows: row "
    "vectors as Keras writes them, x_t W_xh with W_xh of shape (D, H), h_t W_hh, h_t W_hy with "
    "W_hy (H, K); the simple RNN with topology standard, one layer, no attention",
)


# -- params.init: parameters drawn at load time (issue 13) ------------------------------------
INIT: dict[str, Any] = {  # params.init
    "type": "object",
    "additionalProperties": False,
    "required": ["scheme", "hidden"],
    "description": "draw the parameters when the scenario is loaded, from "
    "numpy.random.default_rng(seed), in the order of the cell's parameters (see "
    "docs/scenario-format.md); entries given beside init replace their draws",
    "properties": {
        "scheme": {
            "enum": ["xavier", "orthogonal"],
            "description": "xavier: each weight matrix N(0, gain^2/n), n its columns (W_hh: "
            "1/H, seed 001); orthogonal: each recurrent H x H matrix gain * Q, Q orthogonal "
            "(spectral radius gain), the others as xavier with gain 1",
        },
        "seed": {"type": "integer", "minimum": 0, "default": 0, "description": "the seed"},
        "gain": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 1.0,
            "description": "xavier: the standard deviation's factor; orthogonal: the "
            "spectral radius of the recurrent matrices",
        },
        "forget_bias": {
            "type": "number",
            "default": 0.0,
            "description": "LSTM, MGU: the forget-gate bias b_f (seed 001: 1.0); other "
            "biases are zero",
        },
        "hidden": {
            "oneOf": [
                {"type": "integer", "minimum": 1},
                {"type": "array", "items": {"type": "integer", "minimum": 1}},
            ],
            "description": "the hidden size H (stacked layers: one number, or one per layer)",
        },
        "outputs": {
            "type": "integer",
            "minimum": 1,
            "description": "the number of outputs K (default: the rows of a given W_hy; "
            "topology generate: D; else what the labels or targets tell)",
        },
        "attention_size": {
            "type": "integer",
            "minimum": 1,
            "description": "additive attention: A, the rows of W_a and U_a (default H)",
        },
        "form": {
            "enum": ["separate", "concatenated"],
            "default": "separate",
            "description": "gated cells: the gates' matrices written separately (W_fx, W_fh) "
            "or concatenated (W_f = [W_fh, W_fx], the same draws)",
        },
    },
}
_SCHEMA["properties"]["params"]["properties"]["init"] = INIT


# -- seed 001's decoder context, scheduled sampling, seed 000's head at chosen steps -------------
_ATTENTION_MAPPING: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["kind"],
    "description": "encoder-decoder attention with the form of the decoder's input",
    "properties": {
        "kind": _enum(["dot", "general", "additive"], "dot", "the scores, as model.attention"),
        "context": _enum(
            ["concatenated", "separate"],
            "concatenated",
            "concatenated: the decoder reads [y_(t-1), c_t] through W_xh; separate (seed 001): "
            "h_t = f(W_hh h_(t-1) + W_ch c_t + W_xh y_(t-1) + b_h), W_ch (params.decoder.W_ch, "
            "shape (H, H)) its own matrix (simple RNN decoder)",
        ),
    },
}
_MODEL = _SCHEMA["properties"]["model"]["properties"]
_ATTENTION_NAMES = _MODEL["attention"]
_MODEL["attention"] = {
    "oneOf": [{"enum": _ATTENTION_NAMES["enum"]}, _ATTENTION_MAPPING],
    "default": "none",
    "description": _ATTENTION_NAMES["description"]
    + "; or {kind, context} (docs/scenario-format.md)",
}
_MODEL["head_steps"] = {
    "type": "array",
    "items": {"type": "integer", "minimum": 1},
    "minItems": 1,
    "uniqueItems": True,
    "default": None,
    "description": "model.output every: the head (sigmoid or softmax) only at these steps, the "
    "logits o_t at every step (seed 000, 'I love AI'); a loss is taken at these steps only",
}
_SCHEMA["properties"]["train"]["properties"]["scheduled_sampling"] = {
    "type": ["object", "null"],
    "additionalProperties": False,
    "default": None,
    "description": "topologies generate and encoder_decoder with a loss: at step t >= 2 feed the "
    "true y_(t-1) when the coin xi_t is 1 (probability epsilon0 * decay^t), else the one-hot "
    "argmax of y_hat_(t-1); no gradient flows through the fed input",
    "properties": {
        "epsilon0": {"type": "number", "minimum": 0, "maximum": 1, "default": 1,
                     "description": "epsilon_0"},
        "decay": {"type": "number", "minimum": 0, "maximum": 1, "default": 1,
                  "description": "lambda"},
        "seed": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1, "default": 0,
                 "description": "coins drawn with numpy.random.default_rng([seed, epoch, "
                 "sequence, t]).random() < epsilon0 * decay^t (train: again every epoch)"},
        "coins": {
            "description": "given coins instead of drawn ones: one 0/1 per fed step t = 2..T "
            "(a list of such lists, one per sequence); the same every epoch",
            "oneOf": [_MASK, {"type": "array", "items": _MASK, "minItems": 1}],
        },
    },
}  # fmt: skip


def schema_of(section: str) -> dict[str, Any]:
    """The schema of a top-level section ('model', 'train', ...; 'params' with every cell's
    parameter keys)."""
    if section == "params":
        _with_cells()
    node: dict[str, Any] = _SCHEMA["properties"][section]
    return node


def _with_cells() -> dict[str, Any]:
    """The whole schema, with every cell's parameter keys (each cell's module imported) at the
    head of ``params`` and of each part's parameters; added once."""
    if not _PART_PARAMS:
        _PART_PARAMS.update(_part_params())
        params = _SCHEMA["properties"]["params"]
        params["properties"] = {**_PART_PARAMS, **params["properties"]}
    return _SCHEMA


def __getattr__(name: str) -> Any:
    """``SCHEMA``: the whole schema (``rnntrace schema``), made complete when first asked for."""
    if name == "SCHEMA":
        return _with_cells()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def allowed_keys(section: str) -> list[str]:
    """The keys allowed in a section: '' (top level), 'input', 'sequences', 'model', ..."""
    if section == "":
        return list(_SCHEMA["properties"])
    node = schema_of(section)
    if node.get("type") == "array":
        node = node["items"]
    return list(node["properties"])


def choices(section: str, key: str) -> list[str]:
    """The allowed values of an enumerated key."""
    node = schema_of(section)
    if node.get("type") == "array":
        node = node["items"]
    entry = node["properties"][key]
    entry = next((n for n in entry.get("oneOf", [entry]) if "enum" in n), entry)
    return list(entry["enum"])


def default(section: str, key: str) -> Any:
    """The documented default of a key."""
    return schema_of(section)["properties"][key]["default"]
