"""Severity and confidence scales, kept free of heavy imports so the command line starts fast."""

from __future__ import annotations

import enum


class Severity(str, enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: info 0 ... critical 4."""
        return _SEVERITY_RANK[self]

    def at_least(self, other: "Severity") -> bool:
        return self.rank >= other.rank


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Confidence(str, enum.Enum):
    """How an origin answer was reached, from strongest to weakest."""

    CURATED = "curated"
    REGISTRY = "registry"
    NAME_MATCH = "name-match"
    GUESS = "guess"
