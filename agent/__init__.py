"""The consultation: its state and storage, and the advisors that drive it (LLM over
litellm, rule-only offline, scripted mock). The only package that imports litellm,
lazily, in agent/provider.py."""
