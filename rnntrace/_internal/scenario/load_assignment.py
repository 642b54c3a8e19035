"""The scenario's ``assignment`` section: which quantities a worksheet asks, their points.

The patterns are checked against the trace's keys later (``rnntrace.assignment``), so each
is kept with the place it was written, for a message that points at it."""

from __future__ import annotations

import yaml

from rnntrace._internal.scenario.model import AssignmentSpec
from rnntrace._internal.scenario.model_more import Place
from rnntrace._internal.scenario.schema import allowed_keys, choices
from rnntrace._internal.scenario.yamldoc import YamlDoc

MAX_POINTS = 1000.0


class AssignmentReader:
    """Reads the ``assignment`` section (for the loader, when a file has one)."""

    doc: YamlDoc

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc

    def assignment(self, entry: tuple[yaml.Node, yaml.Node]) -> AssignmentSpec:
        """The validated section."""
        doc = self.doc
        fields = doc.mapping(entry[1], "assignment", allowed_keys("assignment"))
        ask: list[tuple[str, Place]] = []
        if "ask" in fields:
            nodes = doc.sequence(fields["ask"][1], "assignment.ask", "a list of keys")
            if not nodes:
                doc.fail(fields["ask"][1], "assignment.ask", "expected keys, found an empty list")
            for i, node in enumerate(nodes):
                pattern = doc.text(node, f"assignment.ask[{i}]", "a key or pattern").strip()
                if not pattern:
                    doc.fail(node, f"assignment.ask[{i}]", "expected a key, found nothing")
                ask.append((pattern, self._place(node)))
        points: list[tuple[str, float, Place]] = []
        if "points" in fields:
            for pattern, (key_node, node) in doc.mapping(
                fields["points"][1], "assignment.points"
            ).items():
                path = f"assignment.points.{pattern}"
                value = doc.number(node, path)
                if not 0 <= value <= MAX_POINTS:
                    doc.fail(node, path, f"expected points from 0 to 1000, found {value}")
                points.append((pattern, value, self._place(key_node)))
        credit = "full"
        if "carried_credit" in fields:
            credit = doc.choice(
                fields["carried_credit"][1],
                "assignment.carried_credit",
                choices("assignment", "carried_credit"),
            )
        return AssignmentSpec(tuple(ask), tuple(points), credit)

    def _place(self, node: yaml.Node) -> Place:
        return Place(self.doc.file, node.start_mark.line + 1, node.start_mark.column + 1)
