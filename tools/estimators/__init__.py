"""Cost estimators, one module each: training, memory, inference, api_finetune, data_prep, maintenance, rag, and compare, which sums them per strategy."""
