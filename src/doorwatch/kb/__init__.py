"""The provenance knowledge base: who made a chip, device or program, where, and who owns the maker."""

from doorwatch.kb.base import Answer, KnowledgeBase

__all__ = ["Answer", "KnowledgeBase"]
