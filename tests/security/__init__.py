"""Adversary and operator tests for docs/security.md (issue 12): each reproduces an attack or a mistake."""
