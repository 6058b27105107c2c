"""Catalogs: GPUs, models, API offers, embeddings, availability (data/*.json, each entry with source and date), their loader, the cost defaults and the user's overrides."""
