"""The cost models against published figures.

The figures are copied here (with their sources) from the project's calibration set, so
the tests run anywhere. Each tolerance says why it is what it is: a published figure has
its own spread (different clusters, unpublished token counts, rounding), and a tolerance
tighter than that spread would only test the rounding.
"""
from __future__ import annotations

import math
import statistics

import pytest

from dataclasses import replace

from tools.estimators.calibration import (calibrate, conformal_radius, held_out_inside, leave_one_out, load_rows,
                                          observe)
from tools.estimators.memory import estimate_memory
from tools.estimators.mfu import stored_fit
from tools.estimators.training import estimate_training

STATES = ("weights_gb", "gradients_gb", "optimizer_gb", "adapter_gb")


def model_states(e) -> float:
    return sum(e.breakdown[k] for k in STATES)


# --------------------------------------------------------------------------- training

# The published runs live in tools/catalog/data/calibration.json, each with its source;
# the utilisation model is fitted on them (tools/estimators/calibration.py) and the fit is
# stored in tools/catalog/data/mfu_fit.json. These tests hold the estimates to the runs.

TRAINING = load_rows("training")


@pytest.fixture(scope="module")
def calibrated():
    return calibrate(estimate_training)


def test_every_row_has_a_source_and_a_date():
    for row in load_rows():
        assert row["source"] and row["as_of"], row["id"]
        assert row["kind"] in ("training", "memory") and row["published"] > 0


def test_stored_fit_is_the_fit_of_the_stored_rows(calibrated):
    # Regenerate with `python bench/fidelity.py --write-fit` after changing a row.
    fresh, _, _ = calibrated
    stored = stored_fit()
    for name in ("b0", "b1", "b2", "b3", "b4", "b5", "seq_knee"):
        assert getattr(stored, name) == pytest.approx(getattr(fresh, name), rel=1e-9, abs=1e-12), name
    assert stored.spreads == pytest.approx(fresh.spreads)


def test_calibration_covers_a100_and_h100_runs():
    gpus = {row["inputs"]["gpu"] for row in TRAINING}
    assert {"a100-80gb", "h100"} <= gpus
    assert len([r for r in TRAINING if r["inputs"]["gpu"] == "h100"]) >= 5


@pytest.mark.parametrize("row", TRAINING, ids=[r["id"] for r in TRAINING])
def test_published_runs_within_their_range(row):
    e = estimate_training(**row["inputs"], regime=row["regime"])
    published = row["published"]
    hours = e.gpu_hours + (0.0 if row.get("loop_only") else e.overhead_gpu_hours)
    # The fit's residuals are a few tens of percent (Llama 1 and Llama 2 on the same A100s
    # differ by 20% in realised MFU); a factor 1.6 flags a broken row or model.
    assert published / 1.6 <= hours <= published * 1.6
    assert e.regime == row["regime"]


def test_held_out_error_and_coverage(calibrated):
    # Leave-one-out: each run predicted by a fit made without it (and without its twin, a
    # run published twice). The goal: under 0.15 median |ln| on runs the fit did not see.
    # Coverage is checked against the range the *other* runs' residuals make, so a run
    # never widens its own range. Jackknife conformal ranges promise 80% only where a
    # regime has at least four runs (n + 1 >= 5): the pre-training runs. The two
    # fine-tune regimes have two runs each; all together stay near 80%.
    fit, residuals, observations = calibrated
    inside = held_out_inside(observations, residuals)
    pretraining = [o.id for o in observations if o.regime == "pretraining"]
    assert len(pretraining) >= 4
    assert sum(inside[i] for i in pretraining) / len(pretraining) >= 0.80
    assert sum(inside.values()) / len(inside) >= 0.75
    assert statistics.median(abs(r) for r in residuals.values()) < 0.15


def test_conformal_radius_is_the_jackknife_quantile():
    # ceil((n + 1) * 0.8)-th smallest |residual|; the largest when n is too small to promise 80%.
    assert conformal_radius([0.4, -0.1, 0.3, -0.2]) == 0.4           # n = 4: the 4th
    assert conformal_radius([i / 10 for i in range(1, 10)]) == 0.8  # n = 9: the 8th
    assert conformal_radius([-0.3]) == 0.3 and conformal_radius([]) == 0.0
    residuals = [0.01 * i for i in range(1, 101)]
    assert conformal_radius(residuals) == pytest.approx(0.81)          # n = 100: the 81st


def test_a_regime_with_too_few_runs_is_never_narrower_than_all_runs_together(calibrated):
    # One lucky residual is not a spread: below four runs (n + 1 < 5) a regime's range is at
    # least the one all runs' held-out residuals make.
    from tools.estimators.calibration import regime_spreads

    _, residuals, observations = calibrated
    tiny = [replace(o, regime="fine-tune") if o.regime == "fine-tune" else o for o in observations]
    lucky = {**residuals, **{o.id: 0.0 for o in tiny if o.regime == "fine-tune"}}
    pooled = conformal_radius(list(lucky.values()))
    assert math.log(regime_spreads(tiny, lucky)["fine-tune"]) >= pooled - 1e-9
    assert sum(o.regime == "fine-tune" for o in tiny) < 4


def test_a_run_published_twice_is_held_out_with_its_twin(calibrated):
    # A copy of a run in its group must not predict it: the held-out residual is the same
    # with or without the copy. (Outside the group, the copy would predict it almost exactly.)
    _, residuals, observations = calibrated
    first = observations[0]
    twin = replace(first, id="twin")
    assert leave_one_out(observations + [twin])[first.id] == pytest.approx(residuals[first.id], abs=0.02)
    stranger = replace(first, id="stranger", group="stranger")
    assert abs(leave_one_out(observations + [stranger])[first.id]) < abs(residuals[first.id])


def test_a_loop_only_figure_keeps_the_job_overhead_out():
    # A trainer's train_runtime never contained start-up and loading: the implied
    # utilisation is lower than if the same figure had them inside.
    row = next(r for r in TRAINING if r.get("loop_only"))
    timed = observe(row, estimate_training)
    whole = observe({k: v for k, v in row.items() if k != "loop_only"}, estimate_training)
    assert timed.log_mfu < whole.log_mfu


def test_in_sample_error_on_training_rows_is_small(calibrated):
    fit, _, observations = calibrated
    errors = [abs(math.log(fit.mfu(o.step)) - o.log_mfu) for o in observations]
    assert statistics.median(errors) < 0.15


def test_the_stack_decides_what_a_fine_tune_realises():
    # 2023's plain Trainer with padded batches (Alpaca, Vicuna) realised far less than
    # pre-training codebases; a current stack (packing, FlashAttention, compiled kernels:
    # Zephyr, torchtune), timed over its loop, realises more. The default is a current stack.
    alpaca = next(r for r in TRAINING if r["id"] == "alpaca-7b-fullft")
    basic = estimate_training(**alpaca["inputs"], regime="fine-tune-basic")
    current = estimate_training(**alpaca["inputs"])
    large = estimate_training(model="llama-2-7b", tokens=2e12, seq_len=4096, gpus=2048, regime="pretraining")
    assert basic.mfu < 0.2 < 0.35 < large.mfu < current.mfu
    assert current.regime == "fine-tune" and current.gpu_hours < basic.gpu_hours / 2


def test_lora_throughput_gain_matches_the_lora_paper():
    # Hu et al. 2021 §4.2: LoRA trains GPT-3 175B with 25% higher throughput than full
    # fine-tuning. Our LoRA time / full time should be 1/1.25 = 0.8 (FLOPs 2/3, utilisation
    # 0.83x); 5% covers the adapter FLOPs that differ with rank.
    # The same recomputation for both, so that only the method differs.
    full = estimate_training(model="gpt-3-175b", tokens=1e9, gpus=64, recompute="selective")
    lora = estimate_training(model="gpt-3-175b", tokens=1e9, gpus=64, method="lora", lora_rank=4,
                             lora_targets="qv", recompute="selective")
    assert lora.gpu_hours / full.gpu_hours == pytest.approx(0.8, rel=0.05)


# --------------------------------------------------------------------------- memory

# ZeRO (Rajbhandari et al., arXiv:1910.02054) §3.1 and Figure 1: 16 bytes per parameter of
# model states for mixed-precision Adam; GPT-2 1.5B needs at least 24 GB; a 7.5B model
# needs 120 GB per GPU with plain data parallelism and 1.9 GB with ZeRO-3 over 64 GPUs.


def test_zero_16_bytes_per_param():
    gpt2 = estimate_memory(params=1.5e9, sharding="none")
    assert model_states(gpt2) == pytest.approx(24.0, rel=1e-9)  # exact arithmetic
    assert gpt2.breakdown["weights_gb"] == pytest.approx(3.0, rel=1e-9)  # "3 GB of fp16 weights"
    base = estimate_memory(params=7.5e9, sharding="none")
    assert model_states(base) == pytest.approx(120.0, rel=1e-9)


def test_zero3_over_64_gpus():
    e = estimate_memory(params=7.5e9, sharding="zero3", gpus=64)
    # Published 1.9 GB is 1.875 rounded to one decimal: 2% covers the rounding.
    assert e.states_per_gpu_gb == pytest.approx(1.9, rel=0.02)
    assert e.fits


def test_qlora_65b_fits_one_48gb_gpu():
    # Dettmers et al. 2023 (QLoRA) abstract: a 65B model fine-tunes on a single 48 GB GPU
    # (sequence lengths of 512 in their Guanaco runs). LLaMA-65B is not in the catalog, so
    # the count stands alone with the shape heuristic; the L40S is a 48 GB card.
    e = estimate_memory(params=65.2e9, method="qlora", gpu="l40s", seq_len=512, lora_rank=64)
    assert e.gpus_needed == 1 and e.fits  # the paper's r=64 on all linear layers, paged AdamW
    # Not by a wide margin either: the paper needed paged optimizers to absorb spikes.
    assert e.total_gb > 0.7 * 48


def test_qlora_paper_full_16bit_figure_is_12_bytes_per_param():
    # ">780 GB" for 16-bit full fine-tuning of 65B = 12 B/param: bf16 weights and grads
    # plus fp32 Adam moments, without an fp32 master copy. 1% covers 65.2B vs "65B".
    e = estimate_memory(params=65.2e9, master_weights=False)
    assert model_states(e) == pytest.approx(780, rel=0.01)
    # With the master copy (ZeRO's 16 B/param) it is a third more.
    assert model_states(estimate_memory(params=65.2e9)) == pytest.approx(65.2e9 * 16 / 1e9)


def test_lora_gpt3_175b_needs_about_350gb():
    # Hu et al. 2021 §4.2: LoRA r=4 on W_q, W_v: 350 GB of VRAM (frozen fp16 weights),
    # checkpoint 35 MB. Our total adds activations for one 2,048-token sequence and the
    # CUDA context: within 5% of the published figure.
    e = estimate_memory(model="gpt-3-175b", method="lora", lora_rank=4, lora_targets="qv")
    assert e.total_gb == pytest.approx(350, rel=0.05)
    assert e.breakdown["weights_gb"] == pytest.approx(350, rel=0.001)
    # Adapter checkpoint: 18.9M fp16 parameters = 37.7 MB = 36 MiB (published "35MB").
    assert e.adapter_params * 2 / 2**20 == pytest.approx(35, rel=0.05)


def test_full_gpt3_175b_against_the_published_1_2tb():
    # The LoRA paper's 1.2 TB for full fine-tuning is ~6.9 B/param: less than ZeRO's 16
    # (2.8 TB) and even than QLoRA's 12 (2.1 TB). It matches a lean setup (bf16 weights +
    # grads + 8-bit Adam, no master copy = 6 B/param) within 15%; the standard accounting
    # is a strict upper reading. LoRA's saving ("up to 2/3") holds in both.
    lora = estimate_memory(model="gpt-3-175b", method="lora", lora_rank=4, lora_targets="qv")
    lean = estimate_memory(model="gpt-3-175b", optimizer="adamw-8bit", master_weights=False)
    standard = estimate_memory(model="gpt-3-175b")
    assert lean.total_gb == pytest.approx(1200, rel=0.15)
    assert standard.total_gb > 1200
    assert lora.total_gb <= lean.total_gb / 3 * 1.05  # at least a ~2/3 reduction


def test_inference_bytes_per_param():
    # EleutherAI Transformer Math 101: fp32 4, fp16/bf16 2, int8 1, int4 0.5 bytes/param.
    # Quantised models keep embeddings and head in 16 bit, so the average sits a little
    # above 1 and 0.5 (a few percent for a 70B model; int4 also carries NF4 constants).
    params = 70e9
    for precision, bpp, tol in (("fp32", 4, 1e-9), ("fp16", 2, 1e-9), ("bf16", 2, 1e-9),
                                ("int8", 1, 0.03), ("int4", 0.5, 0.08)):
        e = estimate_memory(params=params, method="inference", precision=precision)
        assert e.breakdown["weights_gb"] * 1e9 / params == pytest.approx(bpp, rel=tol), precision


def test_accelerate_bert_base_weights():
    # HF accelerate model-size estimator: bert-base-cased fp32 413.18 MB (MiB) estimated,
    # 413.68 measured. 108,310,272 parameters x 4 bytes.
    e = estimate_memory(params=108_310_272, method="inference", precision="fp32")
    assert e.breakdown["weights_gb"] * 1e9 / 2**20 == pytest.approx(413.18, rel=0.001)


def test_guanaco_7b_4bit_needs_about_5gb():
    # QLoRA paper: a 4-bit 7B model "needs 5 GB". Weights + a short KV cache + the CUDA
    # context: within 20% (the paper's figure is a rounded footprint).
    e = estimate_memory(model="llama-2-7b", method="inference", precision="int4", seq_len=512)
    assert e.total_gb == pytest.approx(5, rel=0.20)


def test_inference_overhead_near_the_20_percent_rule():
    # EleutherAI: inference needs ~1.2x the weights. Our explicit KV cache (2,048 tokens)
    # plus context for a 7B fp16 model lands within 10% of that rule of thumb.
    e = estimate_memory(model="llama-2-7b", method="inference", precision="fp16")
    assert e.total_gb == pytest.approx(1.2 * e.breakdown["weights_gb"], rel=0.10)
