"""Scenario files: reading, validating and describing them."""

from rnntrace.scenario.load import load_scenario, parse_scenario
from rnntrace.scenario.model import Scenario, Sequence

__all__ = ["Scenario", "Sequence", "load_scenario", "parse_scenario"]
