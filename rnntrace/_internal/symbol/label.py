"""A step's label as data, and the one function that words it.

The engine records a `Label` (which phrase, the gate, what it refers to, the model part,
the time, the token, a note); printers call `label_text` and never search the words."""

from __future__ import annotations

from dataclasses import replace

from rnntrace._internal.records import record

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
    "attention_scores_h_i_h_t_i_1_t": "attention scores h_i · h_{t}, i = 1..{t}",
    "attention_context_at_t_t_sum_of_alpha_i": "attention context at t = {t}: sum of alpha_i h_i",
    "dl_dalpha_at_t_t_h_i_dz_t": "dL/dalpha at t = {t}: h_i · dZ_{t}",
    "dl_da_at_t_t_through_the_softmax": "dL/dA at t = {t}, through the softmax",
    "part_of_dh_t_as_the_query_of_the_scores": (
        "part of dh_{t} as the query of the scores at t = {t}"
    ),
    "part_of_dh_n_through_the_context_at_t_t": "part of dh_{n} through the context at t = {t}",
    "part_of_dh_n_as_a_key_of_the_scores_at_t": "part of dh_{n} as a key of the scores at t = {t}",
    "no_previous_output_at_step_1_zeros": "no previous output at step 1: zeros",
    "target_of_step_prev_fed_in_teacher_forci": "target of step {prev} fed in (teacher forcing)",
    "output_of_step_prev_fed_back_as_the_inpu": (
        "output of step {prev} fed back as the input of step {t}"
    ),
    "h_x_at_t_t": "[h, x] at t = {t}{part}",
    "gate_pre_activation_at_t_t": "{gate}{part}: pre-activation at t = {t}",
    "part_of_dx_t_through_the_gate": "part of dx_{t}{part} through the {gate}",
    "gradient_of_the_input_vector_of_token_t": (
        "gradient of the input vector{part} of {token!r} (t = {t})"
    ),
    "gate_w_g_h_x_at_t_t": "{gate}{part}: W_{g} [h, x] at t = {t}",
    "gate_input_term_w_gx_x_t": "{gate}{part}: input term W_{g}x x_{t}",
    "gate_recurrent_term_w_gh_h_at_t_t": "{gate}{part}: recurrent term W_{g}h h at t = {t}",
    "contribution_of_t_t_to_dl_dw_g": "contribution of t = {t} to dL/dW_{g}{part}",
    "contribution_of_t_t_to_dl_dw_gx": "contribution of t = {t} to dL/dW_{g}x{part}",
    "contribution_of_t_t_to_dl_dw_gh": "contribution of t = {t} to dL/dW_{g}h{part}",
    "1_z_t": "1 - z_{t}{part}",
    "what_is_kept_of_h_prev_at_t_t": "what is kept of h_{prev} at t = {t}{part}",
    "what_is_taken_from_the_candidate_at_t_t": "what is taken from the candidate at t = {t}{part}",
    "hidden_state_after_token_t_t": "hidden state{part} after {token!r} (t = {t})",
    "candidate_state_at_t_t": "candidate state at t = {t}{part}",
    "dl_dh_t": "dL/dh_{t}{part}",
    "gradient_of_the_initial_state": "gradient of the initial state{part}",
    "dl_dh_t_candidate": "dL/dh~_{t} (candidate){part}",
    "candidate_state_delta_at_t_t": "candidate state{part}: delta at t = {t}",
    "what_z_t_weighs_at_t_t": "what z_{t} weighs at t = {t}{part}",
    "dl_dz_t_update_gate": "dL/dz_{t} (update gate){part}",
    "update_gate_delta_at_t_t": "update gate{part}: delta at t = {t}",
    "reset_gate_delta_at_t_t": "reset gate{part}: delta at t = {t}",
    "part_of_dh_t_kept_through_the_update_gat": (
        "part of dh_{t} kept through the update gate at step {n}{part}"
    ),
    "gate_at_t_t": "{gate}{part} at t = {t}",
    "reset_previous_state_at_t_t": "reset previous state at t = {t}{part}",
    "candidate_state_input_term_w_hx_x_t": "candidate state{part}: input term W_hx x_{t}",
    "candidate_state_recurrent_term_at_t_t": "candidate state{part}: recurrent term at t = {t}",
    "reset_recurrent_term_at_t_t": "reset recurrent term at t = {t}{part}",
    "candidate_state_pre_activation_at_t_t": "candidate state{part}: pre-activation at t = {t}",
    "dl_d_r_t_h_prev_through_the_candidate": "dL/d(r_{t} * h_{prev}) through the candidate{part}",
    "dl_dr_t_reset_gate": "dL/dr_{t} (reset gate){part}",
    "delta_of_w_hh_h_at_t_t": "delta of W_hh h at t = {t}{part}",
    "part_of_dh_t_through_the_candidate_at_st": (
        "part of dh_{t} through the candidate at step {n}{part}"
    ),
    "recurrent_term_and_its_bias_at_t_t": "recurrent term and its bias at t = {t}{part}",
    "part_of_dh_t_from_step_n": "part of dh_{t} from step {n}{part}",
    "output_term_w_hy_ref": "output term W_hy {ref}",
    "output_term_ref_w_hy": "output term {ref} W_hy",  # model.layout rows
    "output_logits_at_t_t": "output logits at t = {t}",
    "ref_loss_at_t_t_target_detail": "{ref} loss at t = {t} (target {detail})",
    "loss_of_sequence": "loss of sequence {sequence}",
    "total_loss": "total loss",
    "contribution_of_t_t_to_dl_dw_hy": "contribution of t = {t} to dL/dW_hy",
    "part_of_dref_from_the_output_at_t_t": "part of d{ref} from the output at t = {t}",
    "part_of_the_output_error_at_t_t_from_fee": (
        "part of the output error at t = {t} from feeding y_{t} back"
    ),
    "exponentials_of_the_logits_at_t_t": "exponentials of the logits at t = {t}",
    "sum_of_the_exponentials_at_t_t": "sum of the exponentials at t = {t}",
    "softmax_output_at_t_t": "softmax output at t = {t}",
    "ref_output_at_t_t": "{ref} output at t = {t}",
    "output_error_at_t_t": "output error at t = {t}",
    "output_error_at_t_t_y_hat_target": "output error at t = {t} (y_hat - target)",
    "dl_dy_hat_at_t_t": "dL/dy_hat at t = {t}",
    "output_error_at_t_t_through_the_ref": "output error at t = {t} (through the {ref})",
    "what_the_forget_gate_keeps_at_t_t": "what the forget gate keeps at t = {t}{part}",
    "what_the_input_gate_adds_at_t_t": "what the input gate adds at t = {t}{part}",
    "cell_state_after_token_t_t": "cell state{part} after {token!r} (t = {t})",
    "tanh_of_the_cell_state_at_t_t": "tanh of the cell state at t = {t}{part}",
    "dl_dog_t_output_gate": "dL/dog_{t} (output gate){part}",
    "output_gate_delta_at_t_t": "output gate{part}: delta at t = {t}",
    "dl_dtanh_c_t": "dL/dtanh(c_{t}){part}",
    "part_of_dc_t_from_h_t": "part of dc_{t} from h_{t}{part}",
    "dl_dc_t": "dL/dc_{t}{part}",
    "dl_df_t_forget_gate": "dL/df_{t} (forget gate){part}",
    "forget_gate_delta_at_t_t": "forget gate{part}: delta at t = {t}",
    "dl_di_t_input_gate": "dL/di_{t} (input gate){part}",
    "input_gate_delta_at_t_t": "input gate{part}: delta at t = {t}",
    "dl_dc_t_candidate": "dL/dc~_{t} (candidate){part}",
    "candidate_cell_delta_at_t_t": "candidate cell{part}: delta at t = {t}",
    "gradient_of_the_initial_cell_state": "gradient of the initial cell state{part}",
    "part_of_dc_t_carried_from_c_n_through_th": (
        "part of dc_{t} carried from c_{n} through the forget gate{part}"
    ),
    "candidate_cell_state_at_t_t": "candidate cell state at t = {t}{part}",
    "previous_state_through_the_forget_gate_a": (
        "previous state through the forget gate at t = {t}{part}"
    ),
    "1_f_t": "1 - f_{t}{part}",
    "what_f_t_weighs_at_t_t": "what f_{t} weighs at t = {t}{part}",
    "part_of_df_t_through_the_interpolation": "part of df_{t} through the interpolation{part}",
    "dl_d_f_t_h_prev_through_the_candidate": "dL/d(f_{t} * h_{prev}) through the candidate{part}",
    "part_of_df_t_through_the_candidate": "part of df_{t} through the candidate{part}",
    "part_of_dh_t_kept_through_the_forget_gat": (
        "part of dh_{t} kept through the forget gate at step {n}{part}"
    ),
    "input_term_ref_x_t": "input term {ref} x_{t}{part}",
    "recurrent_term_w_hh_h_prev": "recurrent term W_hh h_{prev}{part}",
    "input_term_x_t_ref": "input term x_{t} {ref}{part}",  # model.layout rows
    "recurrent_term_h_prev_w_hh": "recurrent term h_{prev} W_hh{part}",
    "pre_activation_at_t_t": "pre-activation at t = {t}{part}",
    "ref_derivative_at_t_t": "{ref} derivative at t = {t}{part}",
    "dl_dz_t": "dL/dz_{t}{part}",
    "contribution_of_t_t_to_dl_dref": "contribution of t = {t} to dL/d{ref}{part}",
    "contribution_of_t_t_to_dl_dw_hh": "contribution of t = {t} to dL/dW_hh{part}",
    "part_of_dh_t_from_step_n_2": "part of dh_{t}{part} from step {n}",
    "decoder_input_at_t_t_previous_output_and": (
        "decoder input at t = {t}: previous output and context"
    ),
    "context_at_t_t_sum_of_alpha_s_h_enc_s": "context at t = {t}: sum of alpha_s h^enc_s",
    "part_of_the_decoder_s_input_gradient_for": "part of the decoder's input gradient for y_{prev}",
    "part_of_the_decoder_s_input_gradient_for_2": (
        "part of the decoder's input gradient for the context c_{t}"
    ),
    "dl_dalpha_at_t_t_h_enc_s_dc_t": "dL/dalpha at t = {t}: h^enc_s · dc_{t}",
    "dl_de_at_t_t_through_the_softmax": "dL/de at t = {t}, through the softmax",
    "part_of_dh_dec_prev_as_the_attention_que": (
        "part of dh^dec_{prev} as the attention query at t = {t}"
    ),
    "contribution_of_t_t_state_n_to_dl_dref": "contribution of t = {t}, state {n} to dL/d{ref}",
    "part_of_dh_enc_n_through_the_attention_k": (
        "part of dh^enc_{n} through the attention key at t = {t}"
    ),
    "attention_key_of_encoder_state_n": "attention key of encoder state {n}",
    "attention_the_query_s_term_at_t_t": "attention: the query's term at t = {t}",
    "attention_scores_v_a_tanh_at_t_t": "attention scores v_a · tanh(...) at t = {t}",
    "attention_scores_of_the_query_h_dec_prev": (
        "attention scores of the query h^dec_{prev} at t = {t}"
    ),
    "part_of_dh_enc_n_through_the_context_at": "part of dh^enc_{n} through the context at t = {t}",
    "attention_gradient_of_key_n_at_t_t": "attention: gradient of key {n} at t = {t}",
    "attention_pre_activation_for_encoder_sta": (
        "attention: pre-activation for encoder state {n} at t = {t}"
    ),
    "attention_tanh_for_state_n_at_t_t": "attention: tanh for state {n} at t = {t}",
    "contribution_of_t_t_to_dl_dv_a": "contribution of t = {t} to dL/dv_a",
    "attention_dl_d_w_a_q_at_t_t": "attention: dL/d(W_a q) at t = {t}",
    "contribution_of_t_t_to_dl_dw_a": "contribution of t = {t} to dL/dW_a",
    "attention_dl_da_for_state_n_at_t_t": "attention: dL/da for state {n} at t = {t}",
    "attention_dl_dp_for_state_n_at_t_t": "attention: dL/dp for state {n} at t = {t}",
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
    "part_of_dh_ref_from_the_output_at_t_t": "part of dh_{ref}{part} from the output at t = {t}",
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
    "part_of_dh_through_the_gate_at_step_t": "part of dh{part} through the {gate} at step {t}",
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
    "activation_before_the_skip_at_t_t": "f(z_{t}){part}, before the skip connection",
    "skip_term_at_t_t": "skip connection{part}: alpha h_{prev} at t = {t}",
    "hidden_state_with_layer_skip_at_t_t": (
        "hidden state{part} at t = {t}: f(z_{t}) plus the layer's input (layer skip)"
    ),
    "part_of_dh_t_through_the_skip_of_step_n": (
        "part of dh_{t}{part} through the skip connection of step {n}: alpha dh_{n}"
    ),
    "gradient_of_the_input_with_layer_skip": (
        "gradient of the input{part} at t = {t}: through W and the layer skip"
    ),
    "dropout_mask_at_t_t": (
        "dropout mask of {ref}{part} at t = {t}: m / (1 - p), m ~ Bernoulli(1 - p), p = {value:g}"
    ),
    "dropout_mask_for_every_step": (
        "variational dropout mask of {ref}{part}, one for every step: m / (1 - p), "
        "m ~ Bernoulli(1 - p), p = {value:g}"
    ),
    "after_dropout_at_t_t": "{ref}{part} after dropout at t = {t}",
    "gradient_through_dropout_at_t_t": "dL/d{ref}{part} through the dropout mask at t = {t}",
    "gradient_of_the_dropped_state_from_step_n": (
        "dL/d(dropped h_{t}){part}: what the gates of step {n} send back"
    ),
})  # fmt: skip


# -- the decoder's separate context and scheduled sampling (issue 13) ---------------------------
PHRASES.update({
    "context_term_w_ch_c_t": "context term W_ch c_{t}{part} (context separate)",
    "contribution_of_t_t_to_dl_dw_ch": "contribution of t = {t} to dL/dW_ch{part}",
    "context_gradient_through_w_ch_at_t_t": "dL/dc_{t}: W_ch^T dz_{t} of the decoder",
    "sampling_coin_at_t_t": (
        "scheduled sampling coin at t = {t}: 1 feeds the target y_{prev}, 0 the prediction "
        "(probability {value:g} of 1)"
    ),
    "target_of_step_prev_fed_if_the_coin_is_1": "target of step {prev} (fed in if the coin is 1)",
    "input_at_t_t_by_the_coin": (
        "input at t = {t}: the target y_{prev} if the coin is 1, else the one-hot argmax of "
        "y_hat_{prev} (no gradient through it)"
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
    return PHRASES[label.phrase].format(**fields) + own + "".join(NOTES[n] for n in label.notes)
