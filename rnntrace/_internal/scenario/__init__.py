"""Scenario files: reading, validating and describing them."""

from rnntrace._internal.scenario.load import load_scenario, parse_scenario
from rnntrace._internal.scenario.model import Scenario, Sequence

__all__ = ["Scenario", "Sequence", "load_scenario", "parse_scenario"]
