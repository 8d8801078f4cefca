"""The demo company: a deterministic synthetic software vendor whose training effects are known.

generate.py runs it; docs/demo.md describes the model. Modules, in the order a company is made:
world (reference data), company (accounts, people), catalog (product, academy), learning and
lifecycle (told together as a story), then crm, support, usage, surveys and reference (the
tables), statements (xAPI), truth (ground_truth.json) and tables (bulk writes).
"""
