"""Digests and alerts sent by e-mail and chat robots."""
