"""Classes of client phrasing the offline reader must read, each in several wordings
(none taken from an evaluation set), with the near misses that must read nothing:
budgets "to spend", data rules that are not "no data", data bound to a region, how
labels were checked, who on the team trains models, what an engineer costs, what was
tried (and the scope of "haven't tried"), failure rates with their complaint, targets,
goals, output examples, token counts in and out, and knowledge absent from public models."""
from __future__ import annotations

import pytest

from agent.parsing import extract_facts


def facts(text):
    return extract_facts(text).updates


def exactly(text, expected):
    got = facts(text)
    assert set(got) == set(expected), (text, got)
    for key, value in expected.items():
        if isinstance(value, list):
            assert sorted(got[key]) == sorted(value), (text, key, got[key])
        else:
            assert got[key] == pytest.approx(value) if isinstance(value, float) else got[key] == value, (text, got)


# --------------------------------------------------------------------------- budget "to spend"

@pytest.mark.parametrize("text, expected", [
    ("We've got about 50 grand to spend on this", {"budget_usd": 50_000}),
    ("there is $80k to invest this year", {"budget_usd": 80_000}),
    ("we have 40k set aside for the project", {"budget_usd": 40_000}),
    ("we have 20k to work with over 2 years", {"budget_usd": 20_000, "horizon_months": 24}),
    # near misses: a stock of things "to" do something is not money
    ("We have 30k examples to label", {"labeled_examples": 30_000}),
])
def test_a_sum_to_spend_is_the_budget(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- "no data" that is a rule

@pytest.mark.parametrize("text, expected", [
    ("No data restrictions here, any hosted API is fine", {"deployment": "any"}),
    ("there are no data governance rules we must follow", {}),
    ("we have no data policies to worry about", {}),
    ("no data privacy concerns on our side", {"deployment": "any"}),
    # still no data
    ("we have no data yet", {"labeled_examples": 0}),
    ("no data, sadly", {"labeled_examples": 0}),
])
def test_no_data_rules_is_not_no_data(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- data bound to a region

@pytest.mark.parametrize("text, expected", [
    ("our data can't leave Europe", {"deployment": "own_cloud"}),
    ("legal says no customer data may leave the UK", {"deployment": "own_cloud"}),
    ("patient data must stay within the EU", {"deployment": "own_cloud"}),
    ("records have to be stored in Germany", {"deployment": "own_cloud"}),
    ("we need EU-only hosting", {"deployment": "own_cloud"}),
    ("nothing can leave our building", {"deployment": "on_prem"}),
    # where the company or its users are is not where the model must run
    ("we are a company based in the EU", {}),
    ("most of our users are in the US", {}),
])
def test_data_bound_to_a_region_is_own_cloud(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- how labels were checked

@pytest.mark.parametrize("text, expected", [
    ("our 5k examples were all hand-checked", {"labeled_examples": 5_000, "data_quality": "high"}),
    ("each label was double-checked by a second annotator", {"data_quality": "high"}),
    ("the labels were checked by our support engineers", {"data_quality": "high"}),
    ("we spot-check the labels now and then, they seem mostly fine", {"data_quality": "medium"}),
    ("the annotations are mostly correct", {"data_quality": "medium"}),
    ("we have 3k examples; nobody has ever reviewed them", {"labeled_examples": 3_000, "data_quality": "low"}),
    ("the labels have not been verified", {"data_quality": "low"}),
    ("we have 2k labelled tickets, but they are unverified", {"labeled_examples": 2_000, "data_quality": "low"}),
    # checking said of other things is not the data's quality
    ("the model is mostly right", {}),
    ("we reviewed the options with our CTO", {}),
    ("every answer is checked by a human before it goes out", {}),
    ("our JSON is never validated", {}),
    ("all of us reviewed the proposal", {}),
])
def test_how_labels_were_checked_is_their_quality(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- who trains models

@pytest.mark.parametrize("text, expected", [
    ("nobody here has ever fine-tuned a model", {"ml_team": "none"}),
    ("no one on our side has trained an LLM", {"ml_team": "none"}),
    ("we've never trained a model ourselves", {"ml_team": "none"}),
    ("we're all backend developers", {"ml_team": "none"}),
    ("we fine-tune our own models in-house", {"ml_team": "strong"}),
    ("the AI research group builds its own models", {"ml_team": "strong"}),
    ("two of our engineers know some ML", {"ml_team": "some"}),
    ("we have some ML experience", {"ml_team": "some"}),
    # near misses
    ("nobody has tried RAG", {}),
    ("we never trained anyone on the tool", {}),
    ("no one knows what the model does", {}),
    ("our engineers built the frontend", {}),
])
def test_who_trains_models_is_the_ml_team(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- what an engineer costs

@pytest.mark.parametrize("text, expected", [
    ("an engineer-month is about $12k", {"engineer_month_usd": 12_000}),
    ("use $11,000 per person-month", {"engineer_month_usd": 11_000}),
    ("our devs cost 11k a month each", {"engineer_month_usd": 11_000}),
    ("we pay our contractor $96k a year", {"engineer_month_usd": 8_000}),
    ("her salary is about $8k a month", {"engineer_month_usd": 8_000}),
    ("$13k a month fully loaded per engineer", {"engineer_month_usd": 13_000}),
    ("budget is $50k; engineers cost $10k/month", {"budget_usd": 50_000, "engineer_month_usd": 10_000}),
    # a run rate of a thing is no one's salary (and no budget either)
    ("the API costs us $5k a month", {}),
    ("we pay $500 a month for hosting", {}),
    ("pay-as-you-go pricing at $20 a month", {}),
    ("our engineers say the GPU costs $2k a month", {}),
])
def test_what_an_engineer_costs_a_month(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- what was tried, and its scope

@pytest.mark.parametrize("text, expected", [
    ("we hooked up a web search tool last month", {"tried": ["tool_use"]}),
    ("we put a lot of time into it: iterated on prompt tuning and in-context examples",
     {"tried": ["prompt_engineering", "few_shot"]}),
    ("we spent two months on prompting, few-shot examples and a vector database",
     {"tried": ["prompt_engineering", "few_shot", "rag"]}),
    ("we distilled GPT-4 into a small model last year", {"tried": ["distillation"]}),
    # the cheaper model is where the router sends easy requests: routing, not a move to it
    ("we switched on caching and routed easy requests to a cheaper model",
     {"tried": ["caching", "routing"]}),
    ("we've enabled batching for the reports", {"tried": ["batch_api"]}),
    ("we have not tried fine-tuning, just few-shot prompting", {"tried": ["few_shot", "prompt_engineering"]}),
    ("We never tested LoRA except for a tiny QLoRA run", {"tried": ["lora"]}),
    # negation reaches every technique of its list; intentions are not attempts
    ("we haven't tried RAG, LoRA or distillation", {}),
    ("we tried prompting, not RAG", {"tried": ["prompt_engineering"]}),
    ("we never used the batch API", {}),
    ("nobody tried caching", {}),
    ("we tried RAG and it helps, so we want LoRA next", {"tried": ["rag"]}),
    ("we used 20k examples to train a LoRA", {"labeled_examples": 20_000}),
    ("we built an internal tool for our agents", {}),
])
def test_what_was_tried_within_its_phrase(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- failure rates and targets

@pytest.mark.parametrize("text, expected", [
    ("about 8% of answers invent facts", {"goals": ["hallucinations"], "current_failure_rate": 0.08}),
    ("it makes stuff up in roughly 15% of replies", {"goals": ["hallucinations"], "current_failure_rate": 0.15}),
    ("1.5% of the outputs do not parse", {"current_failure_rate": 0.015}),
    ("4% of generated configs won't validate", {"current_failure_rate": 0.04}),
    ("1 in 50 outputs won't validate. We want that below 0.5%.",
     {"current_failure_rate": 0.02, "target_failure_rate": 0.005}),
    ("10% of summaries get rejected; we could live with 2%",
     {"current_failure_rate": 0.1, "target_failure_rate": 0.02}),
    ("one in ten answers is wrong; we'd accept one in a thousand",
     {"goals": ["accuracy"], "current_failure_rate": 0.1, "target_failure_rate": 0.001}),
    # a share of something else, after a failure rate, is no target
    ("3% of outputs are wrong; 40% of our users are in the EU", {"goals": ["accuracy"], "current_failure_rate": 0.03}),
    ("about 10% of replies fail. Under 20% of our traffic is mobile.", {"current_failure_rate": 0.1}),
    ("we'd like that under 5%", {}),
])
def test_failure_rates_with_their_complaint_and_targets(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- goals in other words

@pytest.mark.parametrize("text, expected", [
    ("the bot has no clue how our shop works", {"goals": ["business_context"]}),
    ("we want it to learn how our company operates", {"goals": ["business_context"]}),
    ("it needs facts no public model knows", {"goals": ["domain_knowledge"]}),
    ("public models have never seen our lab results", {"goals": ["domain_knowledge"]}),
    ("we want to teach it our internal chemistry knowledge",
     {"goals": ["domain_knowledge"], "proprietary_data": True}),
    # the speaker knowing the business is no goal; teaching a tone is style, not knowledge
    ("I know how our business works", {}),
    ("we want to teach it our tone", {"goals": ["style"]}),
])
def test_goals_in_other_words(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- tokens sent and received

@pytest.mark.parametrize("text, expected", [
    ("we send about 3k tokens and it returns 500 tokens", {"prompt_tokens": 3_000, "output_tokens": 500}),
    ("the model writes about 300 tokens per answer from a 2k token prompt",
     {"prompt_tokens": 2_000, "output_tokens": 300}),
    ("we feed it 8k tokens of documents; it comes back with maybe 250 tokens",
     {"prompt_tokens": 8_000, "output_tokens": 250}),
    ("prompts are 1k tokens, answers are 200 tokens", {"prompt_tokens": 1_000, "output_tokens": 200}),
])
def test_tokens_sent_and_received(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- knowledge beside a hosting rule

@pytest.mark.parametrize("text, expected", [
    ("it must run on-prem, and our formulas were never published", {"deployment": "on_prem", "proprietary_data": True}),
    ("GDPR applies: our manuals are not available anywhere online",
     {"deployment": "own_cloud", "proprietary_data": True}),
    # privacy words beside a hosting rule say where the model runs, not what it knows
    ("patient records are confidential and HIPAA applies", {"deployment": "own_cloud"}),
    ("customer data is not public and must stay on-prem", {"deployment": "on_prem"}),
])
def test_knowledge_absent_from_public_models_beside_a_hosting_rule(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- an example of the output

@pytest.mark.parametrize("text, example, rest", [
    ('Each answer should look like this:\n```json\n{"intent": "refund", "amount": 120}\n```\n'
     'We get 50k requests a month.', '{"intent": "refund", "amount": 120}', {"requests_per_month": 50_000}),
    ("Our reports need this format:\nTitle: {title}\nDate: {date}\n\nWe have 2k examples.",
     "Title: {title}\nDate: {date}", {"labeled_examples": 2_000}),
    ('The JSON looks like: [{"id": 1, "tag": "a}b"}] and it breaks 3% of the time',
     '[{"id": 1, "tag": "a}b"}]', {"current_failure_rate": 0.03}),
    ("Tickets must come back in this layout:\nTEAM: <team>\nSEVERITY: <1-5>",
     "TEAM: <team>\nSEVERITY: <1-5>", {}),
])
def test_an_output_example_is_kept_verbatim_and_not_read_for_facts(text, example, rest):
    exactly(text, {"goals": ["output_format"], "output_format_example": example, **rest})


@pytest.mark.parametrize("text, expected", [
    ("We get 5k requests a month: mostly refunds.", {"requests_per_month": 5_000}),
    ("Here is our plan:\nfirst RAG\nthen maybe LoRA", {}),  # lines, but no template
    ("The response: {\"a\": 1", {}),  # unfinished JSON is no example
])
def test_a_colon_alone_introduces_no_example(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- tried, said other ways

@pytest.mark.parametrize("text, expected", [
    # the technique's own verb in the present, as a list
    ("we cache the long instructions and route simple tickets to a small model",
     {"tried": ["caching", "routing"]}),
    ("we send the nightly reports through the batch endpoint", {"tried": ["batch_api"]}),
    # the technique first, its state after
    ("JSON mode is already enabled", {"tried": ["structured_outputs"]}),
    ("prompt caching has been on for months", {"tried": ["caching"]}),
    ("a vector database is in place already", {"tried": ["rag"]}),
    # "just X, and we've worked on those": what came back is what was done
    ("no LoRA yet - only few-shot examples, and we've iterated on them a lot", {"tried": ["few_shot"]}),
    # near misses: a wish, a model in use, a prompt measured or cached
    ("we want to use RAG next quarter", {}),
    ("we'd like to cache the prompts", {}),
    ("currently we use gpt-4o-mini for this", {"model": "gpt-4o-mini"}),
    ("we use prompts of roughly 1200 tokens", {"prompt_tokens": 1200}),
    ("JSON mode is not enabled", {}),
])
def test_tried_said_other_ways(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- a sum one can put in; one's own time

@pytest.mark.parametrize("text, expected", [
    ("we could commit about 40k to the project", {"budget_usd": 40_000}),
    ("I'm happy to put $25k toward this", {"budget_usd": 25_000}),
    ("we are prepared to invest 60 grand", {"budget_usd": 60_000}),
    ("it will be my own time, about $7k a month", {"engineer_month_usd": 7_000}),
    ("I cost roughly $8,000 a month", {"engineer_month_usd": 8_000}),
    ("our time is worth 9k a month", {"engineer_month_usd": 9_000}),
    # near misses: things put into a prompt, a running cost, time without a price
    ("we put 20k examples into the prompt", {"labeled_examples": 20_000}),
    ("my own time is limited, we spend $3k a month on openai", {}),
])
def test_a_sum_to_put_in_and_ones_own_time(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- the ML team, from what it has done

@pytest.mark.parametrize("text, expected", [
    # a course or a one-off model: some
    ("two of our devs took an online machine learning course", {"ml_team": "some"}),
    ("our intern fine-tuned a small model once at university", {"ml_team": "some"}),
    ("one colleague trained a classifier years ago", {"ml_team": "some"}),
    # training as routine work: strong, whatever the head count
    ("our data scientists train models every week", {"ml_team": "strong"}),
    ("we have 2 ML engs who routinely fine-tune models", {"ml_team": "strong"}),
    ("we have 2 ML engs", {"ml_team": "some"}),
    # near misses: other courses, a negated routine
    ("we took a course on sales", {}),
    ("we do not fine-tune models regularly", {}),
])
def test_ml_team_from_what_it_has_done(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- consent to a provider

@pytest.mark.parametrize("text, expected", [
    ("we are happy to use a hosted API", {"deployment": "any"}),
    ("sending the tickets to Anthropic would be okay", {"deployment": "any"}),
    ("legal is comfortable with sharing transcripts with third-party vendors", {"deployment": "any"}),
    # near misses: refused consent, contentment about something else
    ("we are not comfortable sending data to OpenAI", {}),
    ("sending customer data to a third party is not acceptable", {}),
    ("we are fine with the current latency", {}),
])
def test_consent_to_a_provider_is_any_deployment(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- targets said as a bound or as contentment

@pytest.mark.parametrize("text, expected", [
    ("we want fewer than 2% of replies to be wrong", {"target_failure_rate": 0.02}),
    ("we'd be fine with 1 in 50 broken outputs", {"target_failure_rate": 0.02}),
    ("about 4% of answers are wrong and 1% would be fine",
     {"current_failure_rate": 0.04, "target_failure_rate": 0.01, "goals": ["accuracy"]}),
    ("2% or fewer invalid outputs", {"target_failure_rate": 0.02}),
    # near misses: contentment with what they have today is today's rate; a bare rate is today's
    ("we are happy with the 2% error rate we have today", {"current_failure_rate": 0.02}),
    ("the JSON breaks in 5% of cases", {"current_failure_rate": 0.05, "goals": ["output_format"]}),
])
def test_targets_as_a_bound_or_contentment(text, expected):
    exactly(text, expected)


@pytest.mark.parametrize("text, expected", [
    ("each promt runs about 3k tokens", {"prompt_tokens": 3_000}),
    ("our bugdet is around 30k", {"budget_usd": 30_000}),
    ("we tried finetuning with LoRA", {"tried": ["lora"]}),
    # near miss: a word that only looks like one
    ("we have a prompter on the team", {}),
])
def test_common_misspellings(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- knowledge that exists only in-house

@pytest.mark.parametrize("text, expected", [
    ("the answers come from our own support runbooks", {"proprietary_data": True}),
    ("our support manuals only exist inside the company", {"proprietary_data": True}),
    ("the recipes exist nowhere else", {"proprietary_data": True}),
    ("the design specs are not published anywhere", {"proprietary_data": True}),
    ("we'd like to teach it our in-house test-bench know-how",
     {"proprietary_data": True, "goals": ["domain_knowledge"]}),
    ("records must stay in the EU, and the wiki is internal-only",
     {"deployment": "own_cloud", "proprietary_data": True}),
    # near misses: documents that exist elsewhere, an internal tool, privacy alone
    ("the same docs exist outside the company too", {}),
    ("the tool is for internal use", {}),
    ("our internal customer data must stay in the EU", {"deployment": "own_cloud"}),
])
def test_knowledge_that_exists_only_in_house(text, expected):
    exactly(text, expected)


# --------------------------------------------------------------------------- goals: insiders' words, a tone described, inventions

@pytest.mark.parametrize("text, expected", [
    ("it misreads the slang our mechanics use", {"goals": ["jargon"]}),
    ("the model gets confused by the shorthand in our shift notes", {"goals": ["jargon"]}),
    ("replies should come in a warm, playful voice", {"goals": ["style"]}),
    ("we need answers with a calm and reassuring tone", {"goals": ["style"]}),
    ("it keeps inventing fake API functions", {"goals": ["hallucinations"]}),
    ("sometimes it invents court cases", {"goals": ["hallucinations"]}),
    # near misses: shorthand used, a tone kept the same, people who invent things
    ("we write our notes in shorthand", {}),
    ("we use the same tone in emails", {}),
    ("he invented the product", {}),
])
def test_goals_insiders_words_tone_and_inventions(text, expected):
    exactly(text, expected)
