"""The decision: the case profile, the article's rules (data/rules.json), decide, the prompt scaffold and the report."""
