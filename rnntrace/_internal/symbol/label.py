"""A step's label as data, and the one function that words it.

The engine records a `Label` (which phrase, the gate, what it refers to, the model part,
the time, the token, a note); printers call `label_text` and never search the words.

A phrase names the traced quantities as fields ``{h@t}`` (h at the label's time),
``{h@prev}``, ``{c@n}`` (at ``other``), ``{h@ref}``, ``{alpha@i}`` (at i), ``{h^enc@s}`` (the
encoder's), ``{L@}`` (no index), ``{@ref}`` (the quantity ``ref`` names: h_6, h_(t-1), x_t).
Written as ``h_3``, ``alpha_i``, ``h^enc_s``, ``L``; when the scenario's notation renames a
quantity or writes indices in brackets (``Label.spelling``, set with the trace's symbols), as
the terminal prints the renamed symbol: ``ψ_3``, ``ψ[3]``, ``ℒ``."""

from __future__ import annotations

import re
from dataclasses import field, replace
from typing import Any

from rnntrace._internal.records import record
from rnntrace._internal.symbol.rename import QUANTITIES, Renaming
from rnntrace._internal.symbol.text import text
from rnntrace._internal.symbol.tree import Name, PartMark, Scripted, param_symbol

PART_WORDS = {"": "", "fw.": " of the forward RNN", "bw.": " of the backward RNN",
              "enc.": " of the encoder", "dec.": " of the decoder"}  # fmt: skip
GATE_NAMES = {"f": "forget gate", "i": "input gate", "c": "candidate cell", "o": "output gate",
              "z": "update gate", "r": "reset gate", "h": "candidate state"}  # fmt: skip


def part_words(part: str) -> str:
    """`` of the encoder``, `` of layer 2``: the part in a label."""
    if part.startswith("l") and part[1:-1].isdigit():
        return f" of layer {part[1:-1]}"
    return PART_WORDS.get(part, "")


@record
class Label:
    """What a step is, as data: ``phrase`` is a key of `PHRASES`; the other fields fill it."""

    phrase: str
    part: str = ""  # the model part: "", "enc.", "dec.", "fw.", "bw.", "l2.", "att."
    time: int | None = None
    token: str | None = None  # the token read at this time
    gate: str = ""  # a gate's letter: "f", "z", ...
    ref: str = ""  # what it refers to: a parameter, a matrix, an activation, a head
    detail: str = ""  # a second reference
    other: int | None = None  # another step: the next step, an encoder position
    sequence: int | None = None  # the sequence, when the phrase names it
    value: float | None = None  # a number: a learning rate, a clipping norm
    notes: tuple[str, ...] = ()  # keys of NOTES, appended in order: "not_given", ...
    loss: int | None = None  # train.bptt_window: the step is of the loss at this t's own chain
    # the scenario's renames and index style (None: the default letters)
    spelling: Spelling | None = field(default=None, compare=False, repr=False)

    def with_note(self, note: str) -> Label:
        """This label ending with the note ``note`` (once)."""
        if not note or self.notes[-1:] == (note,):
            return self
        return replace(self, notes=(*self.notes, note))

    def of(self, part: str) -> Label:
        """This label in the model part ``part``."""
        return replace(self, part=part)


PHRASES: dict[str, str] = {  # phrase -> its words, filled from a label's fields
    "total_loss_over_all_sequences": "total loss over all sequences",
    "gradient_of_the_total_loss_with_respect": (
        "gradient of the total loss with respect to {ref} (sum over sequences)"
    ),
    "gradient_of_the_lossseq_with_respect_to": "gradient of the loss{seq} with respect to {ref}",
    "exponentials_of_the_attention_scores_at": "exponentials of the attention scores at t = {t}",
    "sum_of_the_exponentials_of_the_scores_at": "sum of the exponentials of the scores at t = {t}",
    "attention_weights_at_t": "attention weights at t = {t}",
    "attention_scores_h_i_h_t_i_1_t": "attention scores {h@i} · {h@t}, i = 1..{t}",
    "attention_context_at_t_t_sum_of_alpha_i": (
        "attention context at t = {t}: sum of {alpha@i} {h@i}"
    ),
    "dl_dalpha_at_t_t_h_i_dz_t": "d{L@}/d{alpha@} at t = {t}: {h@i} · d{Z@t}",
    "dl_da_at_t_t_through_the_softmax": "d{L@}/d{A@} at t = {t}, through the softmax",
    "part_of_dh_t_as_the_query_of_the_scores": (
        "part of d{h@t} as the query of the scores at t = {t}"
    ),
    "part_of_dh_n_through_the_context_at_t_t": "part of d{h@n} through the context at t = {t}",
    "part_of_dh_n_as_a_key_of_the_scores_at_t": "part of d{h@n} as a key of the scores at t = {t}",
    "no_previous_output_at_step_1_zeros": "no previous output at step 1: zeros",
    "target_of_step_prev_fed_in_teacher_forci": "target of step {prev} fed in (teacher forcing)",
    "output_of_step_prev_fed_back_as_the_inpu": (
        "output of step {prev} fed back as the input of step {t}"
    ),
    "h_x_at_t_t": "[{h@}, {x@}] at t = {t}{part}",
    "gate_pre_activation_at_t_t": "{gate}{part}: pre-activation at t = {t}",
    "part_of_dx_t_through_the_gate": "part of d{x@t}{part} through the {gate}",
    "gradient_of_the_input_vector_of_token_t": (
        "gradient of the input vector{part} of {token!r} (t = {t})"
    ),
    "gate_w_g_h_x_at_t_t": "{gate}{part}: W_{g} [{h@}, {x@}] at t = {t}",
    "gate_input_term_w_gx_x_t": "{gate}{part}: input term W_{g}x {x@t}",
    "gate_recurrent_term_w_gh_h_at_t_t": "{gate}{part}: recurrent term W_{g}h {h@} at t = {t}",
    "contribution_of_t_t_to_dl_dw_g": "contribution of t = {t} to d{L@}/dW_{g}{part}",
    "contribution_of_t_t_to_dl_dw_gx": "contribution of t = {t} to d{L@}/dW_{g}x{part}",
    "contribution_of_t_t_to_dl_dw_gh": "contribution of t = {t} to d{L@}/dW_{g}h{part}",
    "1_z_t": "1 - {z@t}{part}",
    "what_is_kept_of_h_prev_at_t_t": "what is kept of {h@prev} at t = {t}{part}",
    "what_is_taken_from_the_candidate_at_t_t": "what is taken from the candidate at t = {t}{part}",
    "hidden_state_after_token_t_t": "hidden state{part} after {token!r} (t = {t})",
    "candidate_state_at_t_t": "candidate state at t = {t}{part}",
    "dl_dh_t": "d{L@}/d{h@t}{part}",
    "gradient_of_the_initial_state": "gradient of the initial state{part}",
    "dl_dh_t_candidate": "d{L@}/d{h~@t} (candidate){part}",
    "candidate_state_delta_at_t_t": "candidate state{part}: delta at t = {t}",
    "what_z_t_weighs_at_t_t": "what {z@t} weighs at t = {t}{part}",
    "dl_dz_t_update_gate": "d{L@}/d{z@t} (update gate){part}",
    "update_gate_delta_at_t_t": "update gate{part}: delta at t = {t}",
    "reset_gate_delta_at_t_t": "reset gate{part}: delta at t = {t}",
    "part_of_dh_t_kept_through_the_update_gat": (
        "part of d{h@t} kept through the update gate at step {n}{part}"
    ),
    "gate_at_t_t": "{gate}{part} at t = {t}",
    "reset_previous_state_at_t_t": "reset previous state at t = {t}{part}",
    "candidate_state_input_term_w_hx_x_t": "candidate state{part}: input term W_hx {x@t}",
    "candidate_state_recurrent_term_at_t_t": "candidate state{part}: recurrent term at t = {t}",
    "reset_recurrent_term_at_t_t": "reset recurrent term at t = {t}{part}",
    "candidate_state_pre_activation_at_t_t": "candidate state{part}: pre-activation at t = {t}",
    "dl_d_r_t_h_prev_through_the_candidate": (
        "d{L@}/d({r@t} * {h@prev}) through the candidate{part}"
    ),
    "dl_dr_t_reset_gate": "d{L@}/d{r@t} (reset gate){part}",
    "delta_of_w_hh_h_at_t_t": "delta of W_hh {h@} at t = {t}{part}",
    "part_of_dh_t_through_the_candidate_at_st": (
        "part of d{h@t} through the candidate at step {n}{part}"
    ),
    "recurrent_term_and_its_bias_at_t_t": "recurrent term and its bias at t = {t}{part}",
    "part_of_dh_t_from_step_n": "part of d{h@t} from step {n}{part}",
    "output_term_w_hy_ref": "output term W_hy {@ref}",
    "output_term_ref_w_hy": "output term {@ref} W_hy",  # model.layout rows
    "output_logits_at_t_t": "output logits at t = {t}",
    "ref_loss_at_t_t_target_detail": "{ref} loss at t = {t} (target {detail})",
    "loss_of_sequence": "loss of sequence {sequence}",
    "total_loss": "total loss",
    "contribution_of_t_t_to_dl_dw_hy": "contribution of t = {t} to d{L@}/dW_hy",
    "part_of_dref_from_the_output_at_t_t": "part of d{@ref} from the output at t = {t}",
    "part_of_the_output_error_at_t_t_from_fee": (
        "part of the output error at t = {t} from feeding {y@t} back"
    ),
    "exponentials_of_the_logits_at_t_t": "exponentials of the logits at t = {t}",
    "sum_of_the_exponentials_at_t_t": "sum of the exponentials at t = {t}",
    "softmax_output_at_t_t": "softmax output at t = {t}",
    "ref_output_at_t_t": "{ref} output at t = {t}",
    "output_error_at_t_t": "output error at t = {t}",
    "output_error_at_t_t_y_hat_target": "output error at t = {t} ({y_hat@} - target)",
    "dl_dy_hat_at_t_t": "d{L@}/d{y_hat@} at t = {t}",
    "output_error_at_t_t_through_the_ref": "output error at t = {t} (through the {ref})",
    "what_the_forget_gate_keeps_at_t_t": "what the forget gate keeps at t = {t}{part}",
    "what_the_input_gate_adds_at_t_t": "what the input gate adds at t = {t}{part}",
    "cell_state_after_token_t_t": "cell state{part} after {token!r} (t = {t})",
    "tanh_of_the_cell_state_at_t_t": "tanh of the cell state at t = {t}{part}",
    "dl_dog_t_output_gate": "d{L@}/d{og@t} (output gate){part}",
    "output_gate_delta_at_t_t": "output gate{part}: delta at t = {t}",
    "dl_dtanh_c_t": "d{L@}/dtanh({c@t}){part}",
    "part_of_dc_t_from_h_t": "part of d{c@t} from {h@t}{part}",
    "dl_dc_t": "d{L@}/d{c@t}{part}",
    "dl_df_t_forget_gate": "d{L@}/d{f@t} (forget gate){part}",
    "forget_gate_delta_at_t_t": "forget gate{part}: delta at t = {t}",
    "dl_di_t_input_gate": "d{L@}/d{i@t} (input gate){part}",
    "input_gate_delta_at_t_t": "input gate{part}: delta at t = {t}",
    "dl_dc_t_candidate": "d{L@}/d{c~@t} (candidate){part}",
    "candidate_cell_delta_at_t_t": "candidate cell{part}: delta at t = {t}",
    "gradient_of_the_initial_cell_state": "gradient of the initial cell state{part}",
    "part_of_dc_t_carried_from_c_n_through_th": (
        "part of d{c@t} carried from {c@n} through the forget gate{part}"
    ),
    "candidate_cell_state_at_t_t": "candidate cell state at t = {t}{part}",
    "previous_state_through_the_forget_gate_a": (
        "previous state through the forget gate at t = {t}{part}"
    ),
    "1_f_t": "1 - {f@t}{part}",
    "what_f_t_weighs_at_t_t": "what {f@t} weighs at t = {t}{part}",
    "part_of_df_t_through_the_interpolation": "part of d{f@t} through the interpolation{part}",
    "dl_d_f_t_h_prev_through_the_candidate": (
        "d{L@}/d({f@t} * {h@prev}) through the candidate{part}"
    ),
    "part_of_df_t_through_the_candidate": "part of d{f@t} through the candidate{part}",
    "part_of_dh_t_kept_through_the_forget_gat": (
        "part of d{h@t} kept through the forget gate at step {n}{part}"
    ),
    "input_term_ref_x_t": "input term {ref} {x@t}{part}",
    "recurrent_term_w_hh_h_prev": "recurrent term W_hh {h@prev}{part}",
    "input_term_x_t_ref": "input term {x@t} {ref}{part}",  # model.layout rows
    "recurrent_term_h_prev_w_hh": "recurrent term {h@prev} W_hh{part}",
    "pre_activation_at_t_t": "pre-activation at t = {t}{part}",
    "ref_derivative_at_t_t": "{ref} derivative at t = {t}{part}",
    "dl_dz_t": "d{L@}/d{z@t}{part}",
    "contribution_of_t_t_to_dl_dref": "contribution of t = {t} to d{L@}/d{ref}{part}",
    "contribution_of_t_t_to_dl_dw_hh": "contribution of t = {t} to d{L@}/dW_hh{part}",
    "part_of_dh_t_from_step_n_2": "part of d{h@t}{part} from step {n}",
    "decoder_input_at_t_t_previous_output_and": (
        "decoder input at t = {t}: previous output and context"
    ),
    "context_at_t_t_sum_of_alpha_s_h_enc_s": "context at t = {t}: sum of {alpha@s} {h^enc@s}",
    "part_of_the_decoder_s_input_gradient_for": "part of the decoder's input gradient for {y@prev}",
    "part_of_the_decoder_s_input_gradient_for_2": (
        "part of the decoder's input gradient for the context {c@t}"
    ),
    "dl_dalpha_at_t_t_h_enc_s_dc_t": "d{L@}/d{alpha@} at t = {t}: {h^enc@s} · d{c@t}",
    "dl_de_at_t_t_through_the_softmax": "d{L@}/d{e@} at t = {t}, through the softmax",
    "part_of_dh_dec_prev_as_the_attention_que": (
        "part of d{h^dec@prev} as the attention query at t = {t}"
    ),
    "contribution_of_t_t_state_n_to_dl_dref": "contribution of t = {t}, state {n} to d{L@}/d{ref}",
    "part_of_dh_enc_n_through_the_attention_k": (
        "part of d{h^enc@n} through the attention key at t = {t}"
    ),
    "attention_key_of_encoder_state_n": "attention key of encoder state {n}",
    "attention_the_query_s_term_at_t_t": "attention: the query's term at t = {t}",
    "attention_scores_v_a_tanh_at_t_t": "attention scores v_a · tanh(...) at t = {t}",
    "attention_scores_of_the_query_h_dec_prev": (
        "attention scores of the query {h^dec@prev} at t = {t}"
    ),
    "part_of_dh_enc_n_through_the_context_at": "part of d{h^enc@n} through the context at t = {t}",
    "attention_gradient_of_key_n_at_t_t": "attention: gradient of key {n} at t = {t}",
    "attention_pre_activation_for_encoder_sta": (
        "attention: pre-activation for encoder state {n} at t = {t}"
    ),
    "attention_tanh_for_state_n_at_t_t": "attention: tanh for state {n} at t = {t}",
    "contribution_of_t_t_to_dl_dv_a": "contribution of t = {t} to d{L@}/dv_a",
    "attention_dl_d_w_a_q_at_t_t": "attention: d{L@}/d(W_a {q@}) at t = {t}",
    "contribution_of_t_t_to_dl_dw_a": "contribution of t = {t} to d{L@}/dW_a",
    "attention_dl_da_for_state_n_at_t_t": "attention: d{L@}/d{a@} for state {n} at t = {t}",
    "attention_dl_dp_for_state_n_at_t_t": "attention: d{L@}/dp for state {n} at t = {t}",
    "truncated_bptt_k_ref_nothing_flows_back": (
        "truncated BPTT (k = {ref}): nothing flows back from step {n} to step {t}{part}"
    ),
    "output_of_the_layer_with_its_residual_co": (
        "output of the layer{part} with its residual connection at t = {t}"
    ),
    "gradient_of_the_residual_output_at_t_t": "gradient of the residual output at t = {t}{part}",
    "both_directions_states_at_t_t": "both directions' states at t = {t}",
    "gradient_of_the_input_vector_of_token_t_2": (
        "gradient of the input vector of {token!r} (t = {t})"
    ),
    "part_of_dh_ref_from_the_output_at_t_t": "part of d{h@ref}{part} from the output at t = {t}",
    "param": "{ref}{part}",
    "none": "",
    "global_norm": "global norm of all the gradients",
    "clipping_factor": "clipping factor min(1, {value:g} / norm)",
    "gradient_after_clipping": "gradient of {ref} after clipping",
    "gradient_with_weight_decay": "gradient of {ref} with L2 weight decay (lambda {value:g})",
    "sgd_step": "{ref} after one SGD step (learning rate {value:g})",
    "gradient_of_the_lossseq_with_respect_to_2": (
        "gradient of the loss{seq} with respect to {ref}: zero, no step uses it"
    ),
    "part_of_dh_through_the_gate_at_step_t": "part of d{h@}{part} through the {gate} at step {t}",
    "input_vector_of_token_t_t": "input vector of {token!r} (t = {t})",
    # seed 001's training techniques (issue 13)
    "l2_penalty": "L2 penalty {value:g} (sum of the squared norms of the weight matrices)",
    "loss_with_the_l2_penalty": "loss with the L2 penalty (data loss + penalty)",
    "gradient_with_the_l2_penalty": (
        "gradient of {ref} with the L2 penalty's 2 lambda {ref} (lambda {value:g})"
    ),
    "clipping_factor_eps": "clipping factor min(1, {value:g} / (norm + {detail}))",
    "learning_rate_of_the_epoch_time": (
        "learning rate of epoch {n}: time-based decay eta_0 / (1 + {value:g} (epoch - 1))"
    ),
    "learning_rate_of_the_epoch_exponential": (
        "learning rate of epoch {n}: exponential decay eta_0 {value:g}^(epoch - 1)"
    ),
    "recurrent_weight_decay": "{ref} shrunk by recurrent weight decay: (1 - {value:g}) {ref}",
    "recurrent_weight_decay_columns": (
        "{ref} shrunk by recurrent weight decay: its h columns 1 to {n} times (1 - {value:g})"
    ),
    "sgd_step_scheduled": "{ref} after one SGD step (the learning rate of epoch {n})",
    "bptt_window_cut": (
        "BPTT window (k = {ref}): the loss of step {n} is not backpropagated to step {t}{part}"
    ),
}
# -- skip connections and dropout (issue 13) ------------------------------------------------
PHRASES.update({
    "skip_weight": "skip weight alpha (model.skip)",
    "activation_before_the_skip_at_t_t": "f({z@t}){part}, before the skip connection",
    "skip_term_at_t_t": "skip connection{part}: alpha {h@prev} at t = {t}",
    "hidden_state_with_layer_skip_at_t_t": (
        "hidden state{part} at t = {t}: f({z@t}) plus the layer's input (layer skip)"
    ),
    "part_of_dh_t_through_the_skip_of_step_n": (
        "part of d{h@t}{part} through the skip connection of step {n}: alpha d{h@n}"
    ),
    "gradient_of_the_input_with_layer_skip": (
        "gradient of the input{part} at t = {t}: through W and the layer skip"
    ),
    "dropout_mask_at_t_t": (
        "dropout mask of {@ref}{part} at t = {t}: {m@} / (1 - p), {m@} ~ Bernoulli(1 - p), "
        "p = {value:g}"
    ),
    "dropout_mask_for_every_step": (
        "variational dropout mask of {@ref}{part}, one for every step: {m@} / (1 - p), "
        "{m@} ~ Bernoulli(1 - p), p = {value:g}"
    ),
    "after_dropout_at_t_t": "{@ref}{part} after dropout at t = {t}",
    "gradient_through_dropout_at_t_t": "d{L@}/d{@ref}{part} through the dropout mask at t = {t}",
    "gradient_of_the_dropped_state_from_step_n": (
        "d{L@}/d(dropped {h@t}){part}: what the gates of step {n} send back"
    ),
})  # fmt: skip


# -- the decoder's separate context and scheduled sampling (issue 13) ---------------------------
PHRASES.update({
    "context_term_w_ch_c_t": "context term W_ch {c@t}{part} (context separate)",
    "contribution_of_t_t_to_dl_dw_ch": "contribution of t = {t} to d{L@}/dW_ch{part}",
    "context_gradient_through_w_ch_at_t_t": "d{L@}/d{c@t}: W_ch^T d{z@t} of the decoder",
    "sampling_coin_at_t_t": (
        "scheduled sampling coin at t = {t}: 1 feeds the target {y@prev}, 0 the prediction "
        "(probability {value:g} of 1)"
    ),
    "given_sampling_coin_at_t_t": (
        "scheduled sampling coin at t = {t} (given): 1 feeds the target {y@prev}, 0 the "
        "prediction"
    ),
    "target_of_step_prev_fed_if_the_coin_is_1": "target of step {prev} (fed in if the coin is 1)",
    "input_at_t_t_by_the_coin": (
        "input at t = {t}: the target {y@prev} if the coin is 1, else the one-hot argmax of "
        "{y_hat@prev} (no gradient through it)"
    ),
})  # fmt: skip


# ---------------------------------------------------------------------------------------------
NOTES: dict[str, str] = {  # note -> the words it appends
    "not_given": " (not given: zero)",
    "drawn": " (drawn by params.init)",
    "init_zero": " (params.init: zero)",
    "init_forget": " (params.init: forget_bias)",
    "constant_weights": " [attention weights held constant: not the exact gradient]",
    "from_loss": " (from the loss)",
    "encoder_decoder": " (encoder-decoder)",
}


class Spelling:
    """How the labels of a trace write its quantities: the scenario's ``Renaming``."""

    _ACCENTED = {"c~": "c_tilde", "h~": "h_tilde"}  # a label's letters -> the quantity key

    def __init__(self, renaming: Renaming) -> None:
        self.renaming = renaming
        self._seen: dict[tuple[str, str], str] = {}
        params = renaming.params
        bases = sorted({key.rsplit(".", 1)[-1] for key in params}, key=len, reverse=True)
        # a parameter's key in a label's words (dL/dW_hy, enc.W_hh, W_hy h_6), a part's maybe
        self._param = (re.compile(r"(?:(?<=/d)|(?<![\w.]))(?:(\w+)\.)?("
                                  + "|".join(map(re.escape, bases)) + r")(?![\w])")
                       if bases else None)  # fmt: skip

    def parameters(self, words: str, part: str) -> str:
        """``words`` with the keys of renamed parameters written as their symbols print in
        the terminal (W_hy -> V, dL/dW_hy -> dL/dV); a key without its part (W_hh in a
        label of the encoder) takes the part's own entry when it has one."""
        if self._param is None:
            return words
        params = self.renaming.params

        def spelled(match: re.Match[str]) -> str:
            prefix, key = match[1], match[2]
            if prefix:
                full = f"{prefix}.{key}"
                return text(param_symbol(params, full)) if full in params or key in params else (
                    match[0])  # fmt: skip
            symbol = params.get(part + key) if part else None
            symbol = symbol if symbol is not None else params.get(key)
            return match[0] if symbol is None else text(symbol)

        return self._param.sub(spelled, words)

    def word(self, name: str, index: str, written: str = "") -> str:
        """Quantity ``name`` (``h``, ``c~``, ``h^enc``, ``L``) at ``index`` ('' for none);
        ``written``: as the label writes it by default (else h_3)."""
        hit = self._seen.get((name, index))
        if hit is None:
            hit = self._seen[name, index] = self._word(name, index, written)
        return hit

    def _word(self, name: str, index: str, written: str) -> str:
        letter, _, mark = name.partition("^")
        key = self._ACCENTED.get(letter, letter)
        renaming = self.renaming
        if key not in renaming.renamed and not (renaming.bracket and index):
            return written or _written(name, index)
        if not index:
            return text(renaming.names[key]) + (f"^{mark}" if mark else "")
        tree = Scripted(QUANTITIES[key][0], sub=Name(index),
                        sup=PartMark(mark + ".") if mark else None, sup_first=True)  # fmt: skip
        return text(renaming.apply(tree))


def _written(name: str, index: str) -> str:
    """A quantity as a label writes it by default: h_3, alpha_i, h^enc_s, L."""
    return f"{name}_{index}" if index else name


_NAMED = re.compile(r"([A-Za-z]+~?)(?:_\((\S+)\)|_(\w+))?")  # h_6, h_(t-1), x_t, h
_LETTERS = frozenset(QUANTITIES) | {"c~", "h~"}


class _Fields(dict[str, Any]):
    """A phrase's fields, and its quantities ``{h@t}`` worded when the phrase asks."""

    def __init__(self, fields: dict[str, Any], label: Label) -> None:
        super().__init__(fields)
        self.label = label

    def __missing__(self, name: str) -> str:
        quantity, at, where = name.partition("@")
        if not at:
            raise KeyError(name)
        label = self.label
        if not quantity:  # {@ref}: the quantity named by a step's key, h_6, h_(t-1), x_t
            named = _NAMED.fullmatch(label.ref)
            if label.spelling is None or named is None or named[1] not in _LETTERS:
                return label.ref
            return label.spelling.word(named[1], named[2] or named[3] or "", label.ref)
        t = label.time
        index = {"t": t, "prev": None if t is None else t - 1, "n": label.other,
                 "ref": label.ref}.get(where, where)  # fmt: skip
        index = "" if index is None else str(index)
        spelling = label.spelling
        return _written(quantity, index) if spelling is None else spelling.word(quantity, index)


def label_text(item: object) -> str:
    """The label of a step (or of a `Label`) in words: the one place labels are worded."""
    label = getattr(item, "tag", item)
    assert isinstance(label, Label), label
    t = label.time
    fields = {
        "part": part_words(label.part),
        "t": t,
        "prev": None if t is None else t - 1,
        "token": label.token,
        "g": label.gate,
        "gate": GATE_NAMES.get(label.gate, ""),
        "ref": label.ref,
        "detail": label.detail,
        "n": label.other,
        "sequence": label.sequence,
        "value": label.value,
        "seq": f" of sequence {label.sequence}" if label.sequence else "",
    }
    own = ""
    if label.loss is not None and label.phrase != "bptt_window_cut":
        own = f" (for the loss of step {label.loss} only)"
    words = PHRASES[label.phrase].format_map(_Fields(fields, label))
    if label.spelling is not None:
        words = label.spelling.parameters(words, label.part)
    return words + own + "".join(NOTES[n] for n in label.notes)
