"""Held-out client messages for bench/reader.py: written by a session that never saw the
reader nor the earlier sets, and never used to tune it (only its share is looked at).
Do not tune the reader against these: write new phrasings of a missed class instead.
"""
from __future__ import annotations

SET_C: list[tuple[str, dict]] = [
    # requests_per_month (per day, k suffix, tilde hedge)
    ("we're looking at ~4k requests/day once it's live",
     {"requests_per_month": 120_000}),
    # goals (hallucinations), tried (rag; typo "retreival")
    ("Bot keeps making up refund policies even after we hooked it up to retreival over our help center",
     {"goals": ["hallucinations"], "tried": ["rag"]}),
    # prompt_tokens only (trap: mentions prompts, not tried prompt_engineering)
    ("fwiw our prompts are about 900 tokens each",
     {"prompt_tokens": 900}),
    # model only (trap: naming gpt-4o is not tried smaller_model)
    ("We use gpt-4o for everything right now.",
     {"model": "gpt-4o"}),
    # deployment any (trap: "no restrictions on data" is not labeled_examples 0)
    ("No restrictions on data - compliance is fine with any cloud API.",
     {"deployment": "any"}),
    # nothing: small talk
    ("Hi! Thanks for taking the time, looking forward to chatting.",
     {}),
    # nothing: a question
    ("Quick q: is fine-tuning usually cheaper than RAG in the long run?",
     {}),
    # labeled_examples, data_quality (high)
    ("We have 3,200 Q&A pairs, every one reviewed by two senior paralegals.",
     {"labeled_examples": 3_200, "data_quality": "high"}),
    # data_quality (low)
    ("the labels we have are pretty noisy tbh, nobody ever checked them",
     {"data_quality": "low"}),
    # knowledge_changes (weekly)
    ("Our price list changes every Monday.",
     {"knowledge_changes": "weekly"}),
    # knowledge_changes (rarely)
    ("The regulations it needs to know only get revised once or twice a year.",
     {"knowledge_changes": "rarely"}),
    # proprietary_data (True), knowledge_changes (monthly)
    ("All of this lives in our internal Confluence, none of it is public, and we push a new "
     "revision of it roughly once a month.",
     {"proprietary_data": True, "knowledge_changes": "monthly"}),
    # budget_usd (M suffix), horizon_months (words)
    ("We can put 1.2M behind this over the next three years.",
     {"budget_usd": 1_200_000, "horizon_months": 36}),
    # ml_team (strong)
    ("We have an in-house ML platform team of 12 that already trains and serves our own models.",
     {"ml_team": "strong"}),
    # ml_team (some)
    ("one of our backend devs did a couple of fine-tuning side projects, that's about the extent "
     "of our ML expertise",
     {"ml_team": "some"}),
    # ml_team (none) (trap: engineers, but no ML)
    ("We're 6 software engineers, nobody has any ML background.",
     {"ml_team": "none"}),
    # deployment (on_prem)
    ("Everything has to run on our own servers in the data centre - the bank won't allow anything external.",
     {"deployment": "on_prem"}),
    # deployment (own_cloud, HIPAA + own tenant)
    ("Patient data can't leave our Azure tenant (HIPAA).",
     {"deployment": "own_cloud"}),
    # deployment (on_device)
    ("The assistant must work on the phone itself, there's no network connection out in the field.",
     {"deployment": "on_device"}),
    # deployment (own_cloud, data residency by country)
    ("customer data is not allowed to leave Germany",
     {"deployment": "own_cloud"}),
    # goals (output_format), current_failure_rate ("1 in 20"), target_failure_rate
    ("About 1 in 20 of the JSON objects it returns won't parse; we need that under 1%.",
     {"goals": ["output_format"], "current_failure_rate": 0.05, "target_failure_rate": 0.01}),
    # goals (output_format), tried (structured_outputs), current_failure_rate
    ("Even with JSON-schema-enforced structured outputs, about 3% of responses still break our format checks.",
     {"goals": ["output_format"], "tried": ["structured_outputs"], "current_failure_rate": 0.03}),
    # target_failure_rate only (terse)
    ("Target: no more than 0.5% bad outputs.",
     {"target_failure_rate": 0.005}),
    # goals (style)
    ("We want replies that sound like our brand - playful, a bit cheeky, never corporate.",
     {"goals": ["style"]}),
    # goals (jargon)
    ("It keeps misreading our drilling abbreviations like BHA, ROP and MWD.",
     {"goals": ["jargon"]}),
    # goals (reasoning) (trap: "4 rules" is no count field)
    ("it falls apart on anything that needs several steps of logic, like working out eligibility from 4 rules",
     {"goals": ["reasoning"]}),
    # goals (business_context)
    ("the model just doesn't understand how our business works - our products, our processes, "
     "who our customers are",
     {"goals": ["business_context"]}),
    # goals (domain_knowledge), proprietary_data (True)
    ("It needs to know our proprietary formulation data, which no public model has ever seen.",
     {"goals": ["domain_knowledge"], "proprietary_data": True}),
    # proprietary_data (False)
    ("Everything it needs is already on public government websites.",
     {"proprietary_data": False}),
    # tried (prompt_engineering, rag) (trap: "two months" is not a horizon)
    ("We've spent about two months iterating on the system prompt, then bolted on RAG over the wiki, "
     "and it's plateaued.",
     {"tried": ["prompt_engineering", "rag"]}),
    # tried (lora, few_shot) (trap: "8 examples in the prompt" is not labeled_examples; "llama" names no catalog model)
    ("tried a quick LoRA on llama and few-shot prompting (like 8 examples in the prompt), neither was good enough",
     {"tried": ["lora", "few_shot"]}),
    # tried (full_fine_tune)
    ("Last year we did a full fine-tune of an open model; it was expensive and barely better.",
     {"tried": ["full_fine_tune"]}),
    # tried (tool_use)
    ("We gave it a calculator tool and a live inventory lookup but it still fumbles.",
     {"tried": ["tool_use"]}),
    # tried (smaller_model)
    ("We tried swapping to a smaller model to save money and quality tanked.",
     {"tried": ["smaller_model"]}),
    # tried (distillation)
    ("We already distilled our big model into a little one, it lost too much quality.",
     {"tried": ["distillation"]}),
    # tried (caching, batch_api)
    ("Cost-wise we've already done prompt caching and moved the nightly jobs to the batch API, still too expensive.",
     {"tried": ["caching", "batch_api"]}),
    # tried (routing)
    ("We already route the easy tickets to a cheaper model and it's still too pricey.",
     {"tried": ["routing"]}),
    # nothing: negation of tried
    ("We haven't tried RAG or any fine-tuning yet.",
     {}),
    # nothing: hypothetical LoRA
    ("We were thinking about maybe trying LoRA at some point?",
     {}),
    # engineer_month_usd (per month)
    ("An engineer costs us roughly $14k/month fully loaded.",
     {"engineer_month_usd": 14_000}),
    # engineer_month_usd (per year -> /12)
    ("A dev here costs about $180k a year, loaded.",
     {"engineer_month_usd": 15_000}),
    # horizon_months
    ("Let's compare over 18 months.",
     {"horizon_months": 18}),
    # output_tokens
    ("Answers are short - usually around 60 tokens.",
     {"output_tokens": 60}),
    # prompt_tokens, output_tokens (k suffix, in/out)
    ("Each call is ~2.5k tokens in and ~400 out.",
     {"prompt_tokens": 2_500, "output_tokens": 400}),
    # model (llama-3.1-70b), deployment (on_prem)
    ("We self-host Llama 3.1 70B on our own GPUs and it has to stay that way.",
     {"model": "llama-3.1-70b", "deployment": "on_prem"}),
    # model (mistral-7b)
    ("considering mistral 7b since it's cheap to run",
     {"model": "mistral-7b"}),
    # model (gpt-4o-mini), requests_per_month (M suffix)
    ("we're on gpt-4o-mini, ~1.5M calls a month",
     {"model": "gpt-4o-mini", "requests_per_month": 1_500_000}),
    # requests_per_month (per week -> x52/12)
    ("Traffic is about 6k conversations a week.",
     {"requests_per_month": 26_000}),
    # requests_per_month (per year -> /12, million in words)
    ("We process 2.4 million claims a year.",
     {"requests_per_month": 200_000}),
    # requests_per_month ("half a million"; trap: "Q3")
    ("expect half a million queries per month by Q3",
     {"requests_per_month": 500_000}),
    # labeled_examples (number in words)
    ("We have about two and a half thousand labelled tickets.",
     {"labeled_examples": 2_500}),
    # labeled_examples (0, negation)
    ("We haven't labelled anything yet.",
     {"labeled_examples": 0}),
    # labeled_examples (k suffix), data_quality (medium) (trap: "a few hundred")
    ("~12k tagged examples, mostly right - we spot-checked a few hundred.",
     {"labeled_examples": 12_000, "data_quality": "medium"}),
    # nothing: numbers that are no profile facts
    ("We're a team of 40 at a company founded in 2015, based in Lisbon.",
     {}),
    # nothing: "tried" that is no technique
    ("I tried to explain the problem to our CTO but he wants an outside opinion.",
     {}),
    # email: goals (hallucinations), requests_per_month, labeled_examples (0), ml_team (none); typo "halucinates"
    ("Hello,\n\nI run support at a mid-size SaaS company. Our chatbot halucinates features we don't have, "
     "which is embarrassing. We handle around 90k chats per month. We have no labelled data and no ML "
     "engineers on staff.\n\nBest,\nMaria",
     {"goals": ["hallucinations"], "requests_per_month": 90_000, "labeled_examples": 0, "ml_team": "none"}),
    # Slack-style: budget_usd, deployment (own_cloud), tried (prompt_engineering)
    ("ok so: budget ~25k, has to run inside our own AWS account, and we've already squeezed prompt "
     "engineering about as far as it goes",
     {"budget_usd": 25_000, "deployment": "own_cloud", "tried": ["prompt_engineering"]}),
    # terse notes: labeled_examples, data_quality (low), ml_team (some), knowledge_changes (daily)
    ("- 800 labelled examples\n- quality: meh, unchecked\n- 1 ML eng\n- facts change daily",
     {"labeled_examples": 800, "data_quality": "low", "ml_team": "some", "knowledge_changes": "daily"}),
    # goals (output_format), output_format_example (trap: 0.92 is no failure rate)
    ('Every answer must be exactly this shape: {"intent": "refund", "confidence": 0.92}',
     {"goals": ["output_format"], "output_format_example": '{"intent": "refund", "confidence": 0.92}'}),
    # goals (output_format), output_format_example (trap: "4" is no count field)
    ('We need JSON like {"sku": "A-113", "qty": 4, "warehouse": "BER"} back from every order email.',
     {"goals": ["output_format"], "output_format_example": '{"sku": "A-113", "qty": 4, "warehouse": "BER"}'}),
    # current_failure_rate only
    ("right now roughly 12% of the summaries get rejected by reviewers",
     {"current_failure_rate": 0.12}),
    # current_failure_rate, target_failure_rate
    ("7% of outputs fail QA today; we need 2% or less.",
     {"current_failure_rate": 0.07, "target_failure_rate": 0.02}),
    # goals (jargon), proprietary_data (True)
    ("Our lab uses internal shorthand nobody outside understands, and the knowledge is all in-house, "
     "never published.",
     {"goals": ["jargon"], "proprietary_data": True}),
    # terse key-value: requests_per_month, model (gpt-4.1-mini), prompt_tokens, output_tokens
    ("Volume: 300k/month. Model: gpt-4.1-mini. Avg prompt 1,800 tok, completion ~250 tok.",
     {"requests_per_month": 300_000, "model": "gpt-4.1-mini", "prompt_tokens": 1_800, "output_tokens": 250}),
    # ml_team (none), engineer_month_usd (contractor rate), budget_usd (K suffix)
    ("No in-house ML folks, so we'd contract it out; contractors cost us about $20k per month. "
     "Total budget is $150K.",
     {"ml_team": "none", "engineer_month_usd": 20_000, "budget_usd": 150_000}),
    # nothing: RAG merely mentioned
    ("A colleague suggested RAG, but honestly I don't know what that is.",
     {}),
    # nothing: percentages and "mobile" that are no failure rate or deployment
    ("About 95% of our users are in the US and most of them are on mobile.",
     {}),
    # requests_per_month (per day, words), goals (style)
    ("We send about three thousand marketing emails a day and they all need to sound like our founder wrote them.",
     {"requests_per_month": 90_000, "goals": ["style"]}),
    # deployment (any) (trap: RAG negated)
    ("Legal is fine with us sending data to OpenAI or Anthropic. We haven't set up RAG yet.",
     {"deployment": "any"}),
    # ml_team (strong), tried (lora), model (qwen2.5-7b), goals (jargon)
    ("Our research group (10+ ML PhDs) already ran a LoRA on qwen2.5-7b; it still mangles our chemical nomenclature.",
     {"ml_team": "strong", "tried": ["lora"], "model": "qwen2.5-7b", "goals": ["jargon"]}),
    # nothing: budget not known
    ("Not sure on budget yet, finance hasn't signed off.",
     {}),
    # typos: requests_per_month, goals (accuracy)
    ("we get abt 75k reqeusts a mnth and alot of answers are flat out wrong",
     {"requests_per_month": 75_000, "goals": ["accuracy"]}),
    # tried (prompt_engineering: chain-of-thought prompting), goals (reasoning)
    ("We already tried chain-of-thought prompting but it still botches multi-step calculations.",
     {"tried": ["prompt_engineering"], "goals": ["reasoning"]}),
    # model (llama-3.1-8b), deployment (on_device)
    ("Thinking of shipping Llama 3.1 8B quantized inside our desktop app so it runs locally on users' laptops.",
     {"model": "llama-3.1-8b", "deployment": "on_device"}),
    # long sentence: goals (hallucinations, domain_knowledge), proprietary_data (True)
    ("So the background is that we're a regional insurer piloting an internal assistant for claims handlers, "
     "and while it's okay on general questions it tends to invent clause numbers, which compliance is not "
     "thrilled about, and it clearly doesn't know our underwriting guidelines, which obviously aren't public.",
     {"goals": ["hallucinations", "domain_knowledge"], "proprietary_data": True}),
    # goals (hallucinations) only (trap: style explicitly not a problem)
    ("We're fine with the tone; the problem is it makes up citations.",
     {"goals": ["hallucinations"]}),
    # nothing: format negated
    ("We don't need any particular output format, plain text is fine.",
     {}),
    # requests_per_month (hedged, "monthly") (trap: phone number in signature)
    ("I'd guess somewhere around 200k requests monthly.\n\nCheers,\nTom | +44 20 7946 0958",
     {"requests_per_month": 200_000}),
    # target_failure_rate ("one in a thousand"), goals (accuracy)
    ("Wrong answers are the issue - we can tolerate at most one in a thousand.",
     {"goals": ["accuracy"], "target_failure_rate": 0.001}),
    # budget_usd (words), horizon_months
    ("We have fifty thousand dollars to spend over a 12-month window.",
     {"budget_usd": 50_000, "horizon_months": 12}),
]
