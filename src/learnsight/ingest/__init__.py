"""Business data import: kinds, mappings, sources, rules and the loader."""
