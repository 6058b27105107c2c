"""The domain of ft-advisor, pure: catalogs, cost estimators, decision rules and the
tool registry. Imports nothing from agent/ or tui/, and never litellm or textual."""
