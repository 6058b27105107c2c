"""Phrasings clients write, with exactly what the offline reader must read from each:
the profile updates (nothing more), and where it matters the numbers it must list as
unread, the fields it must ask about (contradictions) and the language.

Each entry: (text, updates, extra) with extra optionally holding "unread" (phrases that
must be listed, by a substring each), "contradictions" (fields), "language" (ISO 639-1).
Shared by the table test (tests/agent/test_reader_corpus.py) and bench/reader.py."""
from __future__ import annotations

from typing import Any

M = 1_000_000
k = 1_000

CORPUS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # --- volumes in the client's own nouns, converted to a month
    ("We process 20 million documents a month.", {"requests_per_month": 20 * M}, {}),
    ("About 2M clinical notes a month go through the pipeline.", {"requests_per_month": 2 * M}, {}),
    ("We get 500k emails a month.", {"requests_per_month": 500 * k}, {}),
    ("Our agents handle 3,000 calls a day.", {"requests_per_month": 90 * k}, {}),
    ("Roughly 40k chats per week.", {"requests_per_month": 173_333}, {}),
    ("1.2M invoices per year", {"requests_per_month": 100 * k}, {}),
    ("we answer 15k support tickets monthly", {"requests_per_month": 15 * k}, {}),
    ("5k search queries daily", {"requests_per_month": 150 * k}, {}),
    ("250 contracts a week need review", {"requests_per_month": 1_083}, {}),
    ("We expect 10 requests/second at peak", {"requests_per_month": 25_920_000}, {}),
    ("500 users making 20 requests a day each", {"requests_per_month": 300 * k}, {}),
    ("2,000 employees who each ask about 5 questions a week", {"requests_per_month": 43_333}, {}),
    ("we run 80k product descriptions per month through it", {"requests_per_month": 80 * k}, {}),
    ("Around 3 million API calls", {"requests_per_month": 3 * M}, {}),
    # --- a stock is not a rate
    ("We have 20k support tickets.", {}, {"unread": ["20k support tickets"]}),
    ("There are 1.5M documents in our archive.", {}, {"unread": ["1.5M documents"]}),
    ("20 mil consultas al mes", {"requests_per_month": 20 * k}, {"language": "es"}),
    ("we have 20k logged support tickets", {"labeled_examples": 20 * k}, {}),
    ("We've collected 8k call transcripts", {"labeled_examples": 8 * k}, {}),
    ("I saw 20 million of them", {}, {"unread": ["20 million"]}),
    ("we have 3 user personas", {}, {"unread": ["3 user personas"]}),
    # --- numbers as people write them
    ("5,000 labelled examples", {"labeled_examples": 5 * k}, {}),
    ("5.000 labelled examples", {"labeled_examples": 5 * k}, {}),
    ("5 000 labelled examples", {"labeled_examples": 5 * k}, {}),
    ("5'000 labelled examples", {"labeled_examples": 5 * k}, {}),
    ("5k labelled examples", {"labeled_examples": 5 * k}, {}),
    ("5K labeled examples", {"labeled_examples": 5 * k}, {}),
    ("2.5M requests a month", {"requests_per_month": 2_500_000}, {}),
    ("five thousand labelled examples", {"labeled_examples": 5 * k}, {}),
    ("a couple of thousand labelled examples", {"labeled_examples": 2 * k}, {}),
    ("half a million requests per month", {"requests_per_month": 500 * k}, {}),
    ("over 100k requests a month", {"requests_per_month": 100 * k}, {}),
    ("a $100k+ budget", {"budget_usd": 100 * k}, {}),
    ("budget: 1.500.000 dollars", {"budget_usd": 1_500_000}, {}),
    # a decimal dot elsewhere makes "1.500" ambiguous (1.5 or 1500?): listed, not guessed
    ("2.5M requests a month and 1.500 examples", {"requests_per_month": 2_500_000}, {"unread": ["1.500 examples"]}),
    ("we use llama 3.1 8b and have 5.000 examples", {"model": "llama-3.1-8b", "labeled_examples": 5 * k}, {}),
    ("a few hundred examples", {"labeled_examples": 300}, {}),
    ("twenty-five thousand queries a day", {"requests_per_month": 750 * k}, {}),
    ("budget is around 50 grand", {"budget_usd": 50 * k}, {}),
    # --- typos in the words that carry facts
    ("our chatbot halucinates alot, 200k requets per month, budjet 20k",
     {"goals": ["hallucinations"], "requests_per_month": 200 * k, "budget_usd": 20 * k}, {}),
    ("we have 10k labled exmaples", {"labeled_examples": 10 * k}, {}),
    ("about 1M querys montly", {"requests_per_month": M}, {}),
    ("the answers are ofen wrong and it hallucinats", {"goals": ["accuracy", "hallucinations"]}, {}),
    ("our budgett is 30k", {"budget_usd": 30 * k}, {}),
    ("the data is propriatary", {"proprietary_data": True}, {}),
    # --- negations and absences
    ("we have no data", {"labeled_examples": 0}, {}),
    ("nothing labelled yet", {"labeled_examples": 0}, {}),
    ("zero examples so far", {"labeled_examples": 0}, {}),
    ("We have no labelled data", {"labeled_examples": 0}, {}),
    ("no ML people here", {"ml_team": "none"}, {}),
    ("It's just me.", {"ml_team": "none"}, {}),
    ("I'm a solo developer", {"ml_team": "none"}, {}),
    ("we don't have an ML team", {"ml_team": "none"}, {}),
    ("no data scientists and no labelled examples", {"ml_team": "none", "labeled_examples": 0}, {}),
    ("We have not tried RAG", {}, {}),
    ("we don't care about the tone", {}, {}),
    # --- only expressed needs become goals
    ("our contract review assistant is slow", {}, {}),
    ("we have 3 personas in the product", {}, {"unread": ["3 personas"]}),
    ("our app returns JSON to the frontend", {}, {}),
    ("It must output valid JSON", {"goals": ["output_format"]}, {}),
    ("the JSON it returns often breaks", {"goals": ["output_format"]}, {}),
    ("we want a friendlier tone", {"goals": ["style"]}, {}),
    ("a medical diagnostic assistant", {}, {}),
    ("public models don't have this knowledge", {"goals": ["domain_knowledge"]}, {}),
    ("we draft legal contracts", {}, {}),
    ("our legal contracts must follow our template exactly", {"goals": ["output_format"]}, {}),
    ("it should sound like our founder", {"goals": ["style"]}, {}),
    # --- privacy and hosting set deployment, never proprietary_data
    ("customer data cannot leave our data centre", {"deployment": "on_prem"}, {}),
    ("on-prem only", {"deployment": "on_prem"}, {}),
    ("we are bound by HIPAA", {"deployment": "own_cloud"}, {}),
    ("GDPR applies: data must not go to third-party APIs", {"deployment": "own_cloud"}, {}),
    ("it has to run on the phone", {"deployment": "on_device"}, {}),
    ("everything must stay in our own AWS account", {"deployment": "own_cloud"}, {}),
    ("the environment is air-gapped", {"deployment": "on_prem"}, {}),
    ("patient records are confidential and HIPAA applies", {"deployment": "own_cloud"}, {}),
    ("third-party APIs are fine for us", {"deployment": "any"}, {}),
    # --- failure rates and what was tried
    ("our JSON breaks 3% of the time", {"goals": ["output_format"], "current_failure_rate": 0.03}, {}),
    ("about 1 in 20 answers is wrong", {"goals": ["accuracy"], "current_failure_rate": 0.05}, {}),
    ("12% of outputs fail validation and we need it under 1%",
     {"current_failure_rate": 0.12, "target_failure_rate": 0.01}, {}),
    ("we tried structured outputs", {"tried": ["structured_outputs"]}, {}),
    ("we already tried few-shot examples and prompt caching", {"tried": ["few_shot", "caching"]}, {}),
    ("we tested JSON mode and a smaller model", {"tried": ["structured_outputs", "smaller_model"]}, {}),
    ("we've used RAG with a vector database", {"tried": ["rag"]}, {}),
    # --- contradictions within one message
    ("We have no labelled data... our 40k labelled examples are great", {}, {"contradictions": ["labeled_examples"]}),
    ("budget is $20k. Our budget is $50k", {}, {"contradictions": ["budget_usd"]}),
    ("we have no ML team. We have a strong ML team", {}, {"contradictions": ["ml_team"]}),
    ("we get 500k requests a month; sorry, 2M requests a month", {"requests_per_month": 2 * M}, {}),
    ("2M requests a month. Actually 3M requests a month", {"requests_per_month": 3 * M}, {}),
    # --- other languages: the language is named; language-neutral facts are read
    ("Tenemos 20.000 consultas al mes y el modelo inventa respuestas",
     {"requests_per_month": 20 * k}, {"language": "es"}),
    ("Queremos que suene como nuestro fundador; usamos Llama 3 8B", {"model": "llama-3-8b"}, {"language": "es"}),
    ("Nous avons 2 millions de requêtes par mois et un budget de 50 000 €",
     {"requests_per_month": 2 * M, "budget_usd": 50 * k}, {"language": "fr"}),
    ("Notre assistant invente des réponses et nous n'avons pas d'équipe", {}, {"language": "fr"}),
    ("Wir haben 5.000 gelabelte Beispiele und 100.000 Anfragen pro Monat",
     {"requests_per_month": 100 * k}, {"language": "de", "unread": ["5.000 gelabelte Beispiele"]}),
    ("Unser Budget liegt bei 30.000 Euro und wir nutzen gpt-4o-mini",
     {"budget_usd": 30 * k, "model": "gpt-4o-mini"}, {"language": "de"}),
    # --- facts said the way clients say them (budgets to spend, checking, who trains, costs, scope of "not tried")
    ("we've got 60k to spend this year", {"budget_usd": 60 * k}, {}),
    ("our 9k pairs were each reviewed by two pharmacists", {"labeled_examples": 9 * k, "data_quality": "high"}, {}),
    ("nobody in the company has fine-tuned a model before", {"ml_team": "none"}, {}),
    ("one engineer-month costs us about $12,500", {"engineer_month_usd": 12_500}, {}),
    ("no data residency restrictions apply", {"deployment": "any"}, {}),
    ("we haven't used RAG, only some prompt tweaking", {"tried": ["prompt_engineering"]}, {}),
    ("everything has to stay inside the EU", {"deployment": "own_cloud"}, {}),
    ("about 6% of its answers are made up; we'd want that under 1%",
     {"goals": ["hallucinations"], "current_failure_rate": 0.06, "target_failure_rate": 0.01}, {}),
    ("Each request carries 5k tokens of context and comes back with 300 tokens",
     {"prompt_tokens": 5 * k, "output_tokens": 300}, {}),
    # --- the article's cases, as clients state them
    ("Our support bot's answers are often wrong. Our docs change weekly, we have no labelled data and no ML team.",
     {"goals": ["accuracy"], "knowledge_changes": "weekly", "labeled_examples": 0, "ml_team": "none"}, {}),
    ("We want our chatbot to sound like our founder, at scale: 5M requests a month. We have 40k examples "
     "of his writing, high quality, an experienced ML team, $300k budget.",
     {"goals": ["style"], "requests_per_month": 5 * M, "labeled_examples": 40 * k, "data_quality": "high",
      "ml_team": "strong", "budget_usd": 300 * k}, {}),
    ("We want the model to understand our business better.", {"goals": ["business_context"]}, {}),
    ("we want better reasoning on multi-step problems", {"goals": ["reasoning"]}, {}),
]
