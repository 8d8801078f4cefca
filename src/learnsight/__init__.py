"""Learnsight: customer-education analytics on a conformant xAPI Learning Record Store."""

__version__ = "0.1.0"
