"""What retrieval-augmented generation costs instead: embedding the corpus once,
re-embedding what changes, a vector store, the extra context tokens on every request,
and the engineering to build and keep it. The article: "RAG ... is a better option.
Instead of modifying the model itself, just give it access to better information."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tools.catalog import defaults as d
from tools.catalog.catalog import get_catalog
from tools.contract import MAX_TOKENS_PER_REQUEST, Tool, param, tool
from tools.errors import InputError
from tools.estimators.inference import estimate_inference
from tools.result import Assumption, Estimate

DEFAULT_EMBEDDING = "text-embedding-3-small"
DEFAULT_CORPUS_TOKENS = 10_000_000
DEFAULT_TOKENS_PER_DOCUMENT = 1_000
DEFAULT_CHUNK_TOKENS = 500
DEFAULT_CONTEXT_TOKENS = 1_500  # three retrieved chunks of 500 tokens
#: Engineer-months to build ingestion, chunking, retrieval and its evaluation.
SETUP_MONTHS = (0.5, 1.0, 2.0)
#: Share of an engineer keeping the pipeline and retrieval quality healthy.
UPKEEP_FTE = (0.05, 0.1, 0.25)

#: Pinecone serverless, Standard plan (the most common managed choice).
STORE = {
    "storage_gb_month": 0.33, "read_units_per_1m": 16.0, "write_units_per_1m": 4.0, "minimum_month": 50.0,
    "source": "Pinecone pricing, Standard plan: storage $0.33/GB-month, $16/M read units, $4/M write units, "
              "$50/month minimum; a query costs 1 RU per GB of namespace (min 0.25), a write 1 WU per KB "
              "(docs.pinecone.io understanding-cost; usagepricing.com checked against pinecone.io/pricing "
              "2026-06-09)",
}
BYTES_PER_TOKEN = 4  # text kept beside each vector as metadata (~4 bytes of English per token)


@dataclass(kw_only=True)
class RagEstimate(Estimate):
    corpus_tokens: float
    chunks: float
    embedding_model: str
    storage_gb: float
    changed_fraction_per_month: float
    context_tokens: float
    requests_per_month: float
    embedding_setup_usd: float
    setup_engineering_usd: float
    setup_usd: float
    setup_low_usd: float
    setup_high_usd: float
    reembedding_monthly_usd: float
    vector_store_monthly_usd: float
    context_monthly_usd: float
    upkeep_monthly_usd: float
    monthly_cost_usd: float


def vector_store_monthly(*, chunks: float, record_bytes: float, queries: float, writes: float) -> tuple[float, float]:
    """(USD per month, GB stored) on Pinecone serverless Standard."""
    gb = chunks * record_bytes / 1e9
    read_units = queries * max(0.25, gb)
    write_units = writes * math.ceil(record_bytes / 1000)
    usage = (gb * STORE["storage_gb_month"] + read_units * STORE["read_units_per_1m"] / 1e6
             + write_units * STORE["write_units_per_1m"] / 1e6)
    return max(STORE["minimum_month"], usage), gb


_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "corpus_tokens": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e14,
                          "description": "tokens in the knowledge base (default 10M)"},
        "documents": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e12,
                      "description": "number of documents (instead of corpus_tokens)"},
        "tokens_per_document": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e8,
                                "description": "average tokens per document (default 1,000)"},
        "embedding_model": {"type": "string", "description": "embedding model id from the catalog "
                                                             f"(default {DEFAULT_EMBEDDING})"},
        "knowledge_changes": {"type": "string", "enum": list(d.KNOWLEDGE_CHANGES),
                              "description": "how fast the corpus changes, sets the re-embedded share (default monthly)"},
        "changed_fraction": {"type": "number", "minimum": 0, "maximum": 1,
                             "description": "share of the corpus re-embedded per month (overrides knowledge_changes)"},
        "requests_per_month": param("requests_per_month", 'requests per month, each retrieving context (default 10k)'),
        "model": param("model", 'model answering the requests (default gpt-4o-mini)'),
        "deployment": {"type": "string", "enum": ["api", "dedicated"],
                       "description": "how the model is served (default api for hosted, dedicated for open)"},
        "prompt_tokens": param("prompt_tokens", 'prompt tokens per request before retrieval (default 500)'),
        "output_tokens": param("output_tokens", 'output tokens per request (default 200)'),
        "context_tokens": {"type": "number", "minimum": 0, "maximum": MAX_TOKENS_PER_REQUEST,
                           "description": "retrieved tokens added to every request (default 1,500)"},
        "chunk_tokens": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e5,
                         "description": "tokens per chunk (default 500)"},
        "vector_store_per_month": {"type": "number", "minimum": 0, "maximum": 1e8,
                                   "description": "override the vector store's USD per month"},
        "setup_engineer_months": {"type": "number", "minimum": 0, "maximum": 1000,
                                  "description": "engineer-months to build the pipeline (default 1)"},
        "engineer_month_usd": param("engineer_month_usd", 'fully loaded cost of one engineer-month (default $15,000)'),
        "gpu": param("gpu", 'dedicated deployment: GPU id (default h100)'),
    },
}


@tool(
    name="estimate_rag",
    cli_name="rag",
    description=(
        "Cost of retrieval-augmented generation instead of fine-tuning: embedding the corpus once, "
        "re-embedding the share that changes each month, a managed vector store (Pinecone serverless), "
        "the extra retrieved context tokens on every request at the answering model's price, and the "
        "engineering to build and keep it.\n"
        "Returns setup_usd, monthly_cost_usd (with a low-high range) and their parts."),
    schema=_SCHEMA,
)
def estimate_rag(*, corpus_tokens: Any = None, documents: Any = None, tokens_per_document: Any = None,
                 embedding_model: str = DEFAULT_EMBEDDING, knowledge_changes: str = "monthly",
                 changed_fraction: Any = None, requests_per_month: Any = None, model: str = "gpt-4o-mini",
                 deployment: str | None = None, prompt_tokens: Any = None, output_tokens: Any = None,
                 context_tokens: Any = None, chunk_tokens: Any = None, vector_store_per_month: Any = None,
                 setup_engineer_months: Any = None, engineer_month_usd: Any = None,
                 gpu: str | None = None) -> RagEstimate:
    """Set-up and monthly cost of retrieval over a corpus for a model at a request volume:
    embedding the corpus, re-embedding what changes, the vector store, the extra context
    in every request, and the engineers who build and keep the pipeline."""
    assumptions: list[Assumption] = []
    warnings: list[str] = []
    corpus = _corpus(corpus_tokens, documents, tokens_per_document, assumptions)
    chunk, context = _chunking(chunk_tokens, context_tokens, assumptions)
    fraction = _changed_fraction(changed_fraction, knowledge_changes, assumptions)

    emb = get_catalog().embedding(embedding_model, field="embedding_model")
    price = float(emb.price_per_1m)
    assumptions.append(Assumption(f"{emb.id} price per 1M tokens", price, d.catalog_source(emb)))
    chunks = math.ceil(corpus / chunk)
    embedding_setup = corpus * price / 1e6
    reembedding = corpus * fraction * price / 1e6

    plain, extra = _context_cost(model, deployment, requests_per_month, prompt_tokens, output_tokens, gpu,
                                 context, assumptions)
    requests = plain.requests_per_month
    store, gb = _vector_store(vector_store_per_month, emb.dims, chunk, chunks, requests, fraction, assumptions)
    (s_low, s_mid, s_high), (u_low, u_mid, u_high), (eng, eng_low, eng_high) = _people(
        setup_engineer_months, engineer_month_usd, assumptions)

    setup_eng = s_mid * eng
    upkeep = u_mid * eng
    context_monthly, context_low, context_high = extra
    monthly = reembedding + store + context_monthly + upkeep
    if context > 0 and requests > 0 and context_monthly > 2 * (upkeep + store):
        warnings.append(f"the retrieved context ({context:,.0f} tokens x {requests:,.0f} requests) dominates "
                        "the cost: retrieve fewer, shorter chunks or use a cheaper model")
    return RagEstimate(
        corpus_tokens=corpus, chunks=chunks, embedding_model=emb.id, storage_gb=gb,
        changed_fraction_per_month=fraction, context_tokens=context, requests_per_month=requests,
        embedding_setup_usd=embedding_setup, setup_engineering_usd=setup_eng, setup_usd=setup_eng + embedding_setup,
        setup_low_usd=s_low * eng_low + embedding_setup, setup_high_usd=s_high * eng_high + embedding_setup,
        reembedding_monthly_usd=reembedding, vector_store_monthly_usd=store,
        context_monthly_usd=context_monthly, upkeep_monthly_usd=upkeep, monthly_cost_usd=monthly,
        low=reembedding + store + context_low + u_low * eng_low,
        high=reembedding + store + context_high + u_high * eng_high,
        assumptions=assumptions, warnings=warnings + plain.warnings, headline="monthly_cost_usd")


def _corpus(corpus_tokens: Any, documents: Any, tokens_per_document: Any, assumptions: list[Assumption]) -> float:
    """Corpus size in tokens: given, or documents × tokens per document, or the default."""
    if corpus_tokens is not None and documents is not None:
        raise InputError("corpus_tokens", "either corpus_tokens or documents (with tokens_per_document), not both",
                         corpus_tokens)
    if corpus_tokens is not None:
        assumptions.append(Assumption("corpus tokens", float(corpus_tokens), "you (--corpus-tokens)"))
        return float(corpus_tokens)
    if documents is not None:
        docs = float(documents)
        per = float(tokens_per_document) if tokens_per_document is not None else float(DEFAULT_TOKENS_PER_DOCUMENT)
        assumptions.extend([Assumption("documents", docs, "you (--documents)"),
                            Assumption("tokens per document", per, "you (--tokens-per-document)"
                                       if tokens_per_document is not None else "default: ~2 pages of text")])
        return docs * per
    corpus = float(DEFAULT_CORPUS_TOKENS)
    assumptions.append(Assumption("corpus tokens", corpus, "default: ~5,000 documents of 2,000 tokens; "
                                  "give --corpus-tokens or --documents"))
    return corpus


def _chunking(chunk_tokens: Any, context_tokens: Any, assumptions: list[Assumption]) -> tuple[float, float]:
    """(tokens per chunk, retrieved tokens added to every request)."""
    chunk = float(chunk_tokens) if chunk_tokens is not None else float(DEFAULT_CHUNK_TOKENS)
    context = float(context_tokens) if context_tokens is not None else float(DEFAULT_CONTEXT_TOKENS)
    assumptions.extend([
        Assumption("tokens per chunk", chunk, "you (--chunk-tokens)" if chunk_tokens is not None
                   else "default: common 300-800 token chunks"),
        Assumption("retrieved context tokens added to every request", context,
                   "you (--context-tokens)" if context_tokens is not None else "default: 3 chunks of 500 tokens"),
    ])
    return chunk, context


def _changed_fraction(changed_fraction: Any, changes: str, assumptions: list[Assumption]) -> float:
    """Share of the corpus re-embedded each month: given, or by how fast knowledge changes."""
    if changed_fraction is not None:
        assumptions.append(Assumption("share of corpus re-embedded per month", float(changed_fraction),
                                      "you (--changed-fraction)"))
        return float(changed_fraction)
    fraction = d.REEMBED_FRACTION[changes]
    assumptions.append(Assumption("share of corpus re-embedded per month", fraction,
                                  f"default: for knowledge that changes {changes}"))
    return fraction


def _context_cost(model: str, deployment: str | None, requests_per_month: Any, prompt_tokens: Any,
                  output_tokens: Any, gpu: str | None, context: float,
                  assumptions: list[Assumption]) -> tuple[Any, tuple[float, float, float]]:
    """The serving estimate without retrieval, and the monthly (mid, low, high) the
    retrieved context adds, priced by the same inference model as the answers, so API and
    dedicated deployments are both covered."""
    common = dict(model=model, deployment=deployment, requests_per_month=requests_per_month,
                  output_tokens=output_tokens, fine_tuned=False, gpu=gpu)
    plain = estimate_inference(**common, prompt_tokens=prompt_tokens)
    with_context = estimate_inference(**common, prompt_tokens=plain.prompt_tokens + context)
    assumptions.append(Assumption(f"extra context priced at {plain.model} ({plain.deployment})",
                                  f"{plain.requests_per_month:,.0f} requests x {context:,.0f} tokens",
                                  "estimate_inference with and without the retrieved context"))
    return plain, (with_context.monthly_cost_usd - plain.monthly_cost_usd, with_context.low - plain.low,
                   with_context.high - plain.high)


def _vector_store(given: Any, dims: int, chunk: float, chunks: int, requests: float, fraction: float,
                  assumptions: list[Assumption]) -> tuple[float, float]:
    """(monthly vector-store cost, GB stored): given, or Pinecone serverless list prices."""
    record_bytes = dims * 4 + chunk * BYTES_PER_TOKEN + 200  # vector + chunk text + ids/metadata
    if given is not None:
        assumptions.append(Assumption("vector store per month", float(given), "you (--vector-store-per-month)"))
        return float(given), chunks * record_bytes / 1e9
    store, gb = vector_store_monthly(chunks=chunks, record_bytes=record_bytes, queries=requests,
                                     writes=chunks * fraction)
    assumptions.append(Assumption("vector store (Pinecone serverless Standard)",
                                  f"{gb:,.2f} GB, {requests:,.0f} queries/month", STORE["source"]))
    return store, gb


def _people(setup_engineer_months: Any, engineer_month_usd: Any, assumptions: list[Assumption]
            ) -> tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]:
    """(set-up engineer-months, upkeep FTE, engineer-month cost), each as (low, mid, high)
    except the cost as (mid, low, high)."""
    s_low, s_mid, s_high = SETUP_MONTHS
    if setup_engineer_months is not None:
        s_low = s_mid = s_high = float(setup_engineer_months)
        assumptions.append(Assumption("set-up engineer-months", s_mid, "you (--setup-engineer-months)"))
    else:
        assumptions.append(Assumption("set-up engineer-months", s_mid,
                                      "default: ingestion, chunking, retrieval and its evaluation; range 0.5-2"))
    assumptions.append(Assumption("engineer time keeping the pipeline (FTE)", UPKEEP_FTE[1],
                                  "default: re-indexing, retrieval-quality checks; range 0.05-0.25"))
    eng, eng_low, eng_high, eng_assumption = d.engineer_assumption(engineer_month_usd)
    assumptions.append(eng_assumption)
    return (s_low, s_mid, s_high), UPKEEP_FTE, (eng, eng_low, eng_high)


TOOL: Tool = estimate_rag.tool  # type: ignore[attr-defined]
