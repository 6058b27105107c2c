import json
import math

import pytest
from hypothesis import given, strategies as st

from tools.catalog.catalog import get_catalog
from tools.errors import InputError
from tools.estimators.rag import STORE, estimate_rag
from tui.cli import main


def test_defaults_hand_computed():
    emb = get_catalog().embedding("text-embedding-3-small")
    est = estimate_rag(corpus_tokens=10e6, requests_per_month=10_000, prompt_tokens=500, output_tokens=200)
    assert est.chunks == 20_000
    assert est.embedding_setup_usd == pytest.approx(10e6 * emb.price_per_1m / 1e6)
    assert est.reembedding_monthly_usd == pytest.approx(0.10 * 10e6 * emb.price_per_1m / 1e6)
    # 1,500 extra tokens on each of 10k requests at gpt-4o-mini's $0.15/1M input
    assert est.context_monthly_usd == pytest.approx(10_000 * 1500 * 0.15 / 1e6)
    assert est.vector_store_monthly_usd == STORE["minimum_month"]  # small index: the plan minimum
    assert est.upkeep_monthly_usd == pytest.approx(0.1 * 15_000)
    assert est.setup_usd == pytest.approx(15_000 + est.embedding_setup_usd)
    assert est.monthly_cost_usd == pytest.approx(est.reembedding_monthly_usd + 50 + est.context_monthly_usd + 1500)
    assert est.low <= est.monthly_cost_usd <= est.high
    assert est.setup_low_usd <= est.setup_usd <= est.setup_high_usd


def test_large_index_pays_storage_reads_and_writes():
    est = estimate_rag(corpus_tokens=1e9, requests_per_month=1e6, knowledge_changes="daily")
    record = 1536 * 4 + 500 * 4 + 200
    gb = 2e6 * record / 1e9
    expected = gb * 0.33 + 1e6 * gb * 16 / 1e6 + 0.5 * 2e6 * math.ceil(record / 1000) * 4 / 1e6
    assert est.storage_gb == pytest.approx(gb)
    assert est.vector_store_monthly_usd == pytest.approx(expected)


def test_documents_and_overrides():
    est = estimate_rag(documents=2_000, tokens_per_document=3_000, changed_fraction=0.5,
                       vector_store_per_month=70, context_tokens=0, setup_engineer_months=2,
                       engineer_month_usd=10_000)
    assert est.corpus_tokens == 6e6
    assert est.changed_fraction_per_month == 0.5
    assert est.vector_store_monthly_usd == 70
    assert est.context_monthly_usd == 0
    assert est.setup_engineering_usd == 20_000


def test_dedicated_context_priced_on_gpus():
    est = estimate_rag(model="llama-3.1-8b", requests_per_month=1e8)
    assert est.context_monthly_usd > 0  # more prompt tokens need more replicas at this volume


@given(requests=st.floats(0, 1e9), more=st.floats(0, 1e9),
       changes=st.sampled_from(["rarely", "monthly", "weekly", "daily"]))
def test_more_requests_never_cost_less(requests, more, changes):
    a = estimate_rag(requests_per_month=requests, knowledge_changes=changes)
    b = estimate_rag(requests_per_month=requests + more, knowledge_changes=changes)
    assert b.monthly_cost_usd >= a.monthly_cost_usd - 1e-9
    assert a.low <= a.monthly_cost_usd <= a.high


@given(corpus=st.floats(1e3, 1e12))
def test_faster_change_re_embeds_more(corpus):
    fees = [estimate_rag(corpus_tokens=corpus, knowledge_changes=c).reembedding_monthly_usd
            for c in ("rarely", "monthly", "weekly", "daily")]
    assert fees == sorted(fees)


def test_bad_input():
    with pytest.raises(InputError) as info:
        estimate_rag(corpus_tokens=1e6, documents=10)
    assert info.value.field == "corpus_tokens"
    with pytest.raises(InputError) as info:
        estimate_rag(embedding_model="text-embedding-9")
    assert info.value.field == "embedding_model" and info.value.suggestions


def test_cli(capsys):
    assert main(["estimate", "rag", "--documents", "20k", "--requests-per-month", "50k", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["corpus_tokens"] == 20e6 and data["monthly_cost_usd"] > 0 and data["setup_usd"] > 0
    assert main(["estimate", "rag", "--changed-fraction", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--changed-fraction" in err
