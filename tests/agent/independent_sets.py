"""Client messages written by sessions that never saw the reader (agent/parsing.py), each
with the exact profile updates a careful consultant would record.

- SET_A and SET_B: written blind, then used to find the phrasing classes the reader
  missed (before: SET_A 33/60, SET_B 30/60; after: 60/60 each); the fixes were made by
  class, with their own variants in test_parsing_phrasings.py. Regression cases now.
- SET_C lives in bench/reader_held_out.py and was never used for tuning: it is the
  honest measure.
"""
from __future__ import annotations

SET_A: list[tuple[str, dict]] = [
    # requests_per_month
    ("We're seeing about 40k requests a month right now", {"requests_per_month": 40_000}),
    # requests_per_month (per day)
    ("roughly 2,000 tickets per day hit the queue", {"requests_per_month": 60_000}),
    # requests_per_month (per week, in words)
    ("around nine thousand queries a week", {"requests_per_month": 39_000}),
    # requests_per_month (M suffix, terse), horizon_months
    ("Traffic: 1.5M calls/month, 12-month horizon", {"requests_per_month": 1_500_000, "horizon_months": 12}),
    # requests_per_month (per year)
    ("We process about 2.4 million invoices a year.", {"requests_per_month": 200_000}),
    # budget_usd
    ("Budget is $120k all in.", {"budget_usd": 120_000}),
    # budget_usd (in words, hedged)
    ("We can probably stretch to fifty thousand dollars total for this project.", {"budget_usd": 50_000}),
    # budget_usd, horizon_months
    ("We have 30k to spend over the next 18 months", {"budget_usd": 30_000, "horizon_months": 18}),
    # labeled_examples (k suffix)
    ("we've got about 4k labeled examples", {"labeled_examples": 4_000}),
    # labeled_examples (negation: none)
    ("we don't have any labelled data yet", {"labeled_examples": 0}),
    # labeled_examples, data_quality (high)
    ("There are 15,000 question/answer pairs, every one reviewed by our compliance experts.",
     {"labeled_examples": 15_000, "data_quality": "high"}),
    # data_quality (low)
    ("honestly the labels are pretty noisy, nobody ever checked them", {"data_quality": "low"}),
    # data_quality (medium)
    ("The annotations are mostly right, we spot-checked a sample of them.", {"data_quality": "medium"}),
    # ml_team (none)
    ("None of us has ever fine-tuned anything, we're all web devs.", {"ml_team": "none"}),
    # ml_team (some), engineer_month_usd
    ("We've got one data scientist who has played with fine-tuning a bit; she costs us about $9,500 a month.",
     {"ml_team": "some", "engineer_month_usd": 9_500}),
    # ml_team (strong), tried (full_fine_tune)
    ("Our ML platform team trains and ships its own models every quarter, and they already tried a full "
     "fine-tune for this.", {"ml_team": "strong", "tried": ["full_fine_tune"]}),
    # deployment (own_cloud)
    ("Customer data may not leave our Azure tenant.", {"deployment": "own_cloud"}),
    # deployment (on_prem)
    ("Everything has to run on our own servers in the basement, air-gapped.", {"deployment": "on_prem"}),
    # deployment (on_device)
    ("The assistant must run locally on the phone, with no network.", {"deployment": "on_device"}),
    # deployment (any), model
    ("No data restrictions on our side, calling OpenAI's API is fine; we'd use gpt-4.1-mini.",
     {"deployment": "any", "model": "gpt-4.1-mini"}),
    # proprietary_data (true)
    ("The answers depend on our internal engineering wiki, none of which is public.", {"proprietary_data": True}),
    # proprietary_data (false)
    ("Everything it needs to know is public information, it's basically all on Wikipedia.",
     {"proprietary_data": False}),
    # knowledge_changes (daily), tried (tool_use)
    ("Prices change several times a day, so we already wired up a live price-lookup tool, but it's still flaky.",
     {"knowledge_changes": "daily", "tried": ["tool_use"]}),
    # knowledge_changes (weekly, typo)
    ("The product catalouge gets refreshed every week", {"knowledge_changes": "weekly"}),
    # knowledge_changes (monthly)
    ("our policies get revised about once a month", {"knowledge_changes": "monthly"}),
    # knowledge_changes (rarely)
    ("The regulations it covers barely change, maybe once or twice a year.", {"knowledge_changes": "rarely"}),
    # goals (hallucinations), current_failure_rate
    ("The model makes things up in maybe 30% of its answers.",
     {"goals": ["hallucinations"], "current_failure_rate": 0.3}),
    # goals (accuracy)
    ("Too many of its answers are simply wrong.", {"goals": ["accuracy"]}),
    # goals (business_context)
    ("It just doesn't get how our business works.", {"goals": ["business_context"]}),
    # goals (reasoning)
    ("It falls apart on multi-step logic, we need it to reason better.", {"goals": ["reasoning"]}),
    # goals (domain_knowledge), proprietary_data
    ("We want to teach it our proprietary drug-interaction data that no public model has seen.",
     {"goals": ["domain_knowledge"], "proprietary_data": True}),
    # goals (output_format), current_failure_rate
    ("Every reply has to be valid JSON that our parser accepts; right now 2.5% of them don't parse.",
     {"goals": ["output_format"], "current_failure_rate": 0.025}),
    # goals (jargon)
    ("it keeps misreading our internal acronyms and trade jargon", {"goals": ["jargon"]}),
    # goals (style)
    ("We want it to sound like our brand: warm, playful, short sentences.", {"goals": ["style"]}),
    # goals (style, jargon)
    ("Two things: it should write in our house tone, and it needs to understand underwriting terminology.",
     {"goals": ["style", "jargon"]}),
    # tried (prompt_engineering, few_shot)
    ("We already spent weeks on prompt engineering and few-shot examples, still not good enough.",
     {"tried": ["prompt_engineering", "few_shot"]}),
    # tried (rag)
    ("We tried RAG over the docs last quarter.", {"tried": ["rag"]}),
    # goals (output_format), tried (structured_outputs), current_failure_rate
    ("We need strict JSON. We tried structured outputs with a strict schema and around 4% of responses still "
     "come back broken.",
     {"goals": ["output_format"], "tried": ["structured_outputs"], "current_failure_rate": 0.04}),
    # tried (routing, smaller_model, distillation)
    ("We already tried routing simple questions to a cheaper model, swapping in a smaller model, and "
     "distillation; quality suffered each time.", {"tried": ["routing", "smaller_model", "distillation"]}),
    # tried (caching, batch_api)
    ("To cut costs we've already turned on prompt caching and moved the nightly jobs to the batch API.",
     {"tried": ["caching", "batch_api"]}),
    # tried (negation of rag, lora)
    ("We haven't tried RAG yet, only a quick LoRA experiment.", {"tried": ["lora"]}),
    # model (gpt-4o-mini)
    ("currently on gpt-4o mini", {"model": "gpt-4o-mini"}),
    # model (llama-3.1-70b)
    ("We're evaluating Llama 3.1 70B as the base model.", {"model": "llama-3.1-70b"}),
    # horizon_months, engineer_month_usd
    ("Let's compare costs over three years; assume $10k per engineer-month.",
     {"horizon_months": 36, "engineer_month_usd": 10_000}),
    # prompt_tokens (typo)
    ("Prompts are arround 1,200 tokens each", {"prompt_tokens": 1_200}),
    # goals (output_format), output_format_example (a pasted text template)
    ("Replies must use this exact template:\nSUBJECT: <subject>\nPRIORITY: <1-3>\nSUMMARY: <one sentence>",
     {"goals": ["output_format"],
      "output_format_example": "SUBJECT: <subject>\nPRIORITY: <1-3>\nSUMMARY: <one sentence>"}),
    # prompt_tokens, output_tokens
    ("Each call sends ~6k tokens of context and gets back maybe 400 tokens.",
     {"prompt_tokens": 6_000, "output_tokens": 400}),
    # current_failure_rate, target_failure_rate
    ("Right now about 12% of the summaries are rejected by reviewers; we'd like that under 5%.",
     {"current_failure_rate": 0.12, "target_failure_rate": 0.05}),
    # goals (hallucinations), target_failure_rate
    ("We need hallucinated facts down to under 1%.", {"goals": ["hallucinations"], "target_failure_rate": 0.01}),
    # current_failure_rate, target_failure_rate (ratios in words)
    ("it fails 1 in 20 times today; we'd accept one in two hundred",
     {"current_failure_rate": 0.05, "target_failure_rate": 0.005}),
    # engineer_month_usd
    ("An engineer costs us roughly $14k a month, fully loaded.", {"engineer_month_usd": 14_000}),
    # goals (output_format), output_format_example
    ('The output has to be exactly this shape: {"category": "billing", "urgency": "high"}',
     {"goals": ["output_format"], "output_format_example": '{"category": "billing", "urgency": "high"}'}),
    # requests_per_month, budget_usd, ml_team (typos)
    ("We get about 300k requets a month, budjet is 40k, and nobody on the team has trained a model.",
     {"requests_per_month": 300_000, "budget_usd": 40_000, "ml_team": "none"}),
    # goals (hallucinations), knowledge_changes, deployment (typo; EU residency)
    ("It halucinates policy numbers, the policies change weekly, and nothing may leave the EU.",
     {"goals": ["hallucinations"], "knowledge_changes": "weekly", "deployment": "own_cloud"}),
    # labeled_examples, data_quality (low), ml_team (some)
    ("We have 800 labelled emails but they're unchecked and inconsistent; two of our engineers know some ML.",
     {"labeled_examples": 800, "data_quality": "low", "ml_team": "some"}),
    # model, requests_per_month (per day), output_tokens
    ("We run Mistral 7B, about 10k requests a day, and answers average 300 tokens.",
     {"model": "mistral-7b", "requests_per_month": 300_000, "output_tokens": 300}),
    # deployment (on_prem, HIPAA), proprietary_data
    ("HIPAA: patient data has to stay on our own hardware, and the clinical protocols it answers from aren't "
     "public anywhere.", {"deployment": "on_prem", "proprietary_data": True}),
    # nothing extractable (pleasantries)
    ("Hi! Thanks for taking the time, looking forward to this.", {}),
    # nothing extractable (latency/cost wishes are not profile goals)
    ("Mostly we want it to be faster and cheaper.", {}),
    # nothing extractable (unknown volume, hedge)
    ("not sure about volumes yet, we'll know after the pilot", {}),
]


SET_B: list[tuple[str, dict]] = [
    # goals (output_format), output_format_example (a pasted text template)
    ("Each answer must be in exactly this format:\nVERDICT: <approve|reject>\nREASON: <short reason>",
     {"goals": ["output_format"], "output_format_example": "VERDICT: <approve|reject>\nREASON: <short reason>"}),
    # requests_per_month (per day, in words)
    ("We answer about three thousand chats a day", {"requests_per_month": 90_000}),
    # requests_per_month (per week, k suffix)
    ("maybe 15k docs a week go through it", {"requests_per_month": 65_000}),
    # requests_per_month (M suffix), horizon_months
    ("Expecting 4M requests monthly at launch, and we plan over a 12-month horizon.",
     {"requests_per_month": 4_000_000, "horizon_months": 12}),
    # requests_per_month (per year)
    ("We'd run it on roughly 600k contracts per year.", {"requests_per_month": 50_000}),
    # budget_usd (in words)
    ("Our total budget is 200 thousand USD.", {"budget_usd": 200_000}),
    # budget_usd (hedged, tight)
    ("budget's tight - maybe $8k, all in", {"budget_usd": 8_000}),
    # budget_usd, horizon_months
    ("Over a two-year window we can put 90k into this.", {"budget_usd": 90_000, "horizon_months": 24}),
    # labeled_examples (typo)
    ("We've collected around 25,000 labelled tikets.", {"labeled_examples": 25_000}),
    # labeled_examples (zero)
    ("zero labelled examples at the moment", {"labeled_examples": 0}),
    # labeled_examples, data_quality (high)
    ("Our 3,200 examples were each double-checked by senior lawyers.",
     {"labeled_examples": 3_200, "data_quality": "high"}),
    # data_quality (low)
    ("The example data is a mess: scraped, unreviewed, full of mistakes.", {"data_quality": "low"}),
    # data_quality (medium)
    ("Label quality is decent - mostly correct, but we've only spot-checked it.", {"data_quality": "medium"}),
    # ml_team (none), engineer_month_usd
    ("We have no ML engineers at all, so it'd be my own time, roughly $6k a month.",
     {"ml_team": "none", "engineer_month_usd": 6_000}),
    # ml_team (some)
    ("A couple of our backend engineers have done an ML course and fine-tuned a BERT once.", {"ml_team": "some"}),
    # ml_team (strong), tried (lora)
    ("We have a dedicated ML research team that fine-tunes models routinely; they already trained a LoRA for "
     "this.", {"ml_team": "strong", "tried": ["lora"]}),
    # deployment (own_cloud)
    ("Data must stay in our own AWS account.", {"deployment": "own_cloud"}),
    # deployment (on_prem)
    ("It has to be hosted in our own data centre, on premises.", {"deployment": "on_prem"}),
    # deployment (on_device)
    ("It needs to run on-device, inside our iPad app.", {"deployment": "on_device"}),
    # deployment (any), model
    ("We're fine sending data to OpenAI; right now we use gpt-4o-mini.",
     {"deployment": "any", "model": "gpt-4o-mini"}),
    # proprietary_data (true)
    ("It has to answer from our own sales playbooks, which exist nowhere outside the company.",
     {"proprietary_data": True}),
    # proprietary_data (false)
    ("It's all general knowledge, nothing proprietary.", {"proprietary_data": False}),
    # knowledge_changes (daily, hourly), tried (tool_use)
    ("Inventory levels change hourly; we already hooked up a live stock-lookup tool.",
     {"knowledge_changes": "daily", "tried": ["tool_use"]}),
    # knowledge_changes (weekly)
    ("the rate sheet is updated weekly", {"knowledge_changes": "weekly"}),
    # knowledge_changes (monthly)
    ("Our product docs change roughly every month.", {"knowledge_changes": "monthly"}),
    # knowledge_changes (rarely)
    ("The underlying facts are pretty stable, they change a few times a year at most.",
     {"knowledge_changes": "rarely"}),
    # goals (hallucinations), current_failure_rate
    ("It invents citations in around 15% of answers.",
     {"goals": ["hallucinations"], "current_failure_rate": 0.15}),
    # goals (accuracy)
    ("We need more accurate answers, it gets too many questions wrong.", {"goals": ["accuracy"]}),
    # goals (business_context)
    ("We want it to understand our business: our customers, how we sell, how we operate.",
     {"goals": ["business_context"]}),
    # goals (reasoning)
    ("It can't reason through the eligibility rules step by step.", {"goals": ["reasoning"]}),
    # goals (domain_knowledge), proprietary_data
    ("We want to teach it our in-house chip design knowledge that isn't published anywhere.",
     {"goals": ["domain_knowledge"], "proprietary_data": True}),
    # goals (output_format), target_failure_rate
    ("Output must follow our XML template exactly, and we need fewer than 0.5% malformed.",
     {"goals": ["output_format"], "target_failure_rate": 0.005}),
    # goals (jargon)
    ("It doesn't understand the shorthand our radiologists use.", {"goals": ["jargon"]}),
    # goals (style)
    ("Responses need to be in a formal, legal-sounding tone.", {"goals": ["style"]}),
    # goals (accuracy, hallucinations)
    ("Two problems: it gets facts wrong, and it sometimes invents whole products.",
     {"goals": ["accuracy", "hallucinations"]}),
    # tried (prompt_engineering, rag, full_fine_tune)
    ("We've tried better prompts, RAG and even a full fine-tune; none was enough.",
     {"tried": ["prompt_engineering", "rag", "full_fine_tune"]}),
    # tried (few_shot)
    ("we tried stuffing a few examples into the prompt (few-shot)", {"tried": ["few_shot"]}),
    # goals (output_format), tried (structured_outputs), current_failure_rate
    ("Output has to match our JSON schema. Grammar-constrained decoding is already on and still 3 in 100 "
     "outputs fail validation.",
     {"goals": ["output_format"], "tried": ["structured_outputs"], "current_failure_rate": 0.03}),
    # tried (smaller_model, distillation)
    ("We already tried switching to a smaller model, and distillation too; quality dropped too much.",
     {"tried": ["smaller_model", "distillation"]}),
    # tried (routing, caching, batch_api)
    ("We route easy questions to a cheaper model, cache the system prompt and push overnight work through the "
     "batch API already.", {"tried": ["routing", "caching", "batch_api"]}),
    # tried (negations of rag and fine-tuning, prompt_engineering)
    ("No RAG, no fine-tuning so far - just prompts, and we've iterated on those a lot.",
     {"tried": ["prompt_engineering"]}),
    # model (qwen2.5-7b)
    ("We're leaning towards Qwen2.5 7B.", {"model": "qwen2.5-7b"}),
    # model (llama-3.1-8b)
    ("base model would be Llama 3.1 8B", {"model": "llama-3.1-8b"}),
    # horizon_months, engineer_month_usd
    ("Plan for 6 months; our engineers cost about $11,500 per month.",
     {"horizon_months": 6, "engineer_month_usd": 11_500}),
    # prompt_tokens (typo)
    ("Typical promt is ~2.5k tokens.", {"prompt_tokens": 2_500}),
    # output_tokens
    ("Outputs run long, around 2,000 tokens per answer.", {"output_tokens": 2_000}),
    # prompt_tokens, output_tokens
    ("Input is a page of text, say 500 tokens, and the output is a one-line label of about 10 tokens.",
     {"prompt_tokens": 500, "output_tokens": 10}),
    # current_failure_rate (ratio in words)
    ("About one in ten extractions fails our QA check today.", {"current_failure_rate": 0.1}),
    # target_failure_rate
    ("We'd be happy with a 3% failure rate.", {"target_failure_rate": 0.03}),
    # current_failure_rate, target_failure_rate
    ("We're at 7% failures and need to get below 2%.",
     {"current_failure_rate": 0.07, "target_failure_rate": 0.02}),
    # engineer_month_usd (not a budget)
    ("Price an engineer-month at $9k.", {"engineer_month_usd": 9_000}),
    # goals (output_format), output_format_example
    ('Every answer must match this JSON exactly: {"sku": "A-123", "qty": 4, "in_stock": true}',
     {"goals": ["output_format"], "output_format_example": '{"sku": "A-123", "qty": 4, "in_stock": true}'}),
    # requests_per_month, budget_usd, ml_team (terse, abbreviations)
    ("2M reqs/mo, budget ~150k, we've got 3 ML engs who fine-tune models regularly",
     {"requests_per_month": 2_000_000, "budget_usd": 150_000, "ml_team": "strong"}),
    # goals (hallucinations), tried (rag), knowledge_changes, deployment (own_cloud)
    ("It still makes stuff up after we added RAG, the data changes every day, and we can only use our own GCP "
     "project.",
     {"goals": ["hallucinations"], "tried": ["rag"], "knowledge_changes": "daily", "deployment": "own_cloud"}),
    # labeled_examples, data_quality (medium), ml_team (none)
    ("We've got 1.5k labeled samples, mostly fine with a few errors; no one on staff knows ML.",
     {"labeled_examples": 1_500, "data_quality": "medium", "ml_team": "none"}),
    # model, requests_per_month (per week), prompt_tokens
    ("Using gpt-4.1-mini, ~6,000 requests a week, prompts around 800 tokens.",
     {"model": "gpt-4.1-mini", "requests_per_month": 26_000, "prompt_tokens": 800}),
    # deployment (EU residency), proprietary_data, goals (style)
    ("Our customer data can't leave Europe, the knowledge base is internal-only, and the bot has to sound like "
     "our mascot.", {"deployment": "own_cloud", "proprietary_data": True, "goals": ["style"]}),
    # nothing extractable (pleasantries)
    ("Sounds good, what do you need from me next?", {}),
    # nothing extractable (latency is not a profile goal)
    ("Latency matters a lot to us, sub-second would be ideal.", {}),
    # nothing extractable (vague future plans)
    ("We might add more use cases later, hard to say.", {}),
]
