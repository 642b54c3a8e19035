"""Analyses of a traced calculation: how gradients flow back through time (``gradflow``) and
whether the traced BPTT gradients agree with finite differences of the loss (``gradcheck``).

This layer reads a Trace and its Scenario and may re-trace the scenario (engine); it never
formats anything: the printers in ``rnntrace._internal.render.gradflow_*`` do that.
"""
