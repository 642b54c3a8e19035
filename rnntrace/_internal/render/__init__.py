"""Printers: one per output format. They read a Trace and nothing else."""
