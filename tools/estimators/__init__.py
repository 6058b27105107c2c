"""Cost estimators, one module each: training, memory, inference, api_finetune, data_prep, maintenance, rag, and compare, which sums them per strategy.

Importing the package registers every estimator as a tool (tools.contract's @tool), in
the order the CLI and /estimate list them."""
from tools.estimators import training, memory, api_finetune, inference, data_prep, maintenance, rag  # noqa: F401, I001
from tools.estimators import compare  # noqa: F401
