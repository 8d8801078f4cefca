"""The KPI engine: every KPI of the glossary as an Ibis expression, on any Ibis engine."""
