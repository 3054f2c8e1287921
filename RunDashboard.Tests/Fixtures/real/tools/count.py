#!/usr/bin/env python3
"""Independent counter for the real-log fixtures.

Each file gets its own small, explicit parser (no shared "generic" reader), so the
numbers in expected.json come from reading each format as a person would.
Run from Fixtures/real:  python3 tools/count.py > expected.json
"""
import ast
import csv
import io
import json
import math
import re
import sys
from collections import OrderedDict

ROOT = __import__("os").path.dirname(__import__("os").path.dirname(__import__("os").path.abspath(__file__)))


def read(p):
    with open(f"{ROOT}/{p}", "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def num(s):
    """Parse a printed number: thousands separators, %, quotes, nan."""
    if isinstance(s, (int, float)):
        return float(s)
    s = str(s).strip().strip("'\"")
    s = s.replace(",", "")
    if s.endswith("%"):
        s = s[:-1]
    return float(s)


class Runs:
    """runs -> metric name -> {split, points: step->value}"""

    def __init__(self):
        self.runs = []
        self.new_run()

    def new_run(self):
        self.runs.append(OrderedDict())

    def add(self, name, split, step, value):
        run = self.runs[-1]
        s = run.setdefault(name, {"split": split, "points": OrderedDict()})
        # same step twice in a run: keep once, later value wins (dict keeps first position)
        s["points"][step] = value


def jval(v):
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    if isinstance(v, float) and v == int(v) and abs(v) < 1e15:
        return int(v) if False else v
    return v


def summarize(file, trainer, R, step_name, notes, keep=None, step_known=True):
    runs = [r for r in R.runs if r]
    series = []
    for i, run in enumerate(runs, 1):
        for name, s in run.items():
            if keep is not None and name not in keep:
                continue
            pts = s["points"]
            steps = list(pts.keys())
            vals = list(pts.values())
            series.append({
                "run": i, "name": name, "split": s["split"], "points": len(pts),
                "firstStep": steps[0] if step_known else None,
                "lastStep": steps[-1] if step_known else None,
                "firstValue": jval(vals[0]), "lastValue": jval(vals[-1]),
            })
    return {"file": file, "trainer": trainer, "runs": len(runs), "series": series,
            "step": step_name, "notes": notes}


OUT = []

# ---------------------------------------------------------------- seen/
# 1 DeepSpeed-Chat step3
f = "seen/deepspeed-chat_rlhf_opt13b_actor.log"
R = Runs(); last = None
for line in read(f).splitlines():
    m = re.match(r"epoch: (\d+)\|step: (\d+)\|ppo_ep: (\d+)\|act_loss: (\S+)\|cri_loss: (\S+)\|unsuper_loss: (\S+)", line)
    if m:
        last = int(m.group(2))
        R.add("act_loss", "train", last, num(m.group(4)))
        R.add("cri_loss", "train", last, num(m.group(5)))
        R.add("unsuper_loss", "train", last, num(m.group(6)))
        continue
    m = re.match(r"average reward score: (\S+)", line)
    if m and last is not None:
        R.add("average reward score", "train", last, num(m.group(1)))
OUT.append(summarize(f, "DeepSpeed-Chat (step3 RLHF)", R, "step",
    "one 'epoch: 0|step: N|...' line per PPO step (printed once, by rank 0), followed by 'average reward score'; "
    "the reward takes the step of the line above it; middle of the file cut (steps 251-296 missing). No learning rate is printed."))

# 2/3 fairseq legacy
def fairseq_simple(f, notes):
    R = Runs()
    for line in read(f).splitlines():
        if "valid on 'valid' subset" in line:
            m = re.search(r"num_updates (\d+)", line)
            st = int(m.group(1))
            for k in ("valid_loss", "valid_nll_loss", "valid_ppl"):
                mm = re.search(k + r" (\S+)", line)
                if mm:
                    R.add(k, "eval", st, num(mm.group(1)))
            continue
        m = re.match(r"\| epoch \d+:\s+\d+ / \d+ (.*)", line)
        if m:
            kv = dict(x.split("=", 1) for x in m.group(1).split(", "))
            st = int(kv["num_updates"])
            for k in ("loss", "nll_loss", "ppl", "lr", "gnorm"):
                R.add(k, "train", st, num(kv[k]))
    return R

f = "seen/fairseq_transformer_issue514.log"
OUT.append(summarize(f, "fairseq", fairseq_simple(f, ""), "num_updates",
    "'| epoch 009:  1000 / 2737 loss=...' lines are per-update progress; the '| epoch 008 | loss 6.326 | ...' lines are per-epoch summaries and are NOT counted "
    "(they would add num_updates 21896 and 24633 to train series); 'valid on' lines are eval."))
f = "seen/fairseq_wmt_bigbatch_issue940.log"
OUT.append(summarize(f, "fairseq", fairseq_simple(f, ""), "num_updates",
    "progress column '450 / 1891' is batches in epoch, not updates; step = num_updates (445..645). One 'valid on' line at num_updates 600."))

# 4 trainer_state.json (mistral translator)
def trainer_state(f):
    d = json.loads(read(f))
    R = Runs()
    for e in d["log_history"]:
        st = e.get("step")
        for k, v in e.items():
            if k in ("step", "epoch") or not isinstance(v, (int, float)):
                continue
            if k in ("train_runtime", "train_samples_per_second", "train_steps_per_second", "total_flos", "train_loss"):
                continue
            split = "eval" if k.startswith("eval_") else "train"
            R.add(k, split, st, float(v))
    return R

f = "seen/hf_trainer_state_mistral_translator.json"
OUT.append(summarize(f, "HF Trainer trainer_state.json", trainer_state(f), "step",
    "log_history entries; eval_* keys are eval. Final summary entry (train_runtime/train_loss...) excluded if present.",
    keep={"loss", "learning_rate", "grad_norm", "eval_loss"}))

# 5 Keras CSVLogger
f = "seen/keras_csvlogger_speaker250_training.log"
R = Runs()
for row in csv.DictReader(io.StringIO(read(f))):
    ep = int(row["epoch"])
    for k in ("loss", "acc", "val_loss", "val_acc"):
        R.add(k, "eval" if k.startswith("val_") else "train", ep, num(row[k]))
OUT.append(summarize(f, "Keras CSVLogger", R, "epoch", "CSV despite .log extension; epoch is 0-based and the only counter."))

# 6 Lightning metrics.csv
f = "seen/lightning_slm_wikitext_metrics.csv"
R = Runs()
for row in csv.DictReader(io.StringIO(read(f))):
    st = int(row["step"])
    for k, v in row.items():
        if k in ("epoch", "step") or v == "":
            continue
        split = "eval" if k.startswith("val") else "train"
        R.add(k, split, st, num(v))
OUT.append(summarize(f, "PyTorch Lightning CSVLogger metrics.csv", R, "step",
    "sparse CSV: each row fills only some columns; *_epoch columns and epoch_time are per-epoch rows logged at the epoch's last step; val_* rows are eval.",
    keep={"train_loss_step", "train_perplexity_step", "val_loss", "val_perplexity", "train_loss_epoch"}))

# 7 LLaMA-Factory running_log.txt (dicts, no step)
f = "seen/llamafactory_deepseek7b_running_log.txt"
R = Runs(); k = 0; LS = 5
for line in read(f).splitlines():
    m = re.search(r">> (\{.*\})\s*$", line)
    if not m:
        continue
    d = ast.literal_eval(m.group(1))
    if "loss" in d and "learning_rate" in d:
        k += 1
        R.add("loss", "train", k * LS, float(d["loss"]))
        R.add("learning_rate", "train", k * LS, float(d["learning_rate"]))
    elif "eval_loss" in d:
        R.add("eval_loss", "eval", k * LS, float(d["eval_loss"]))
OUT.append(summarize(f, "LLaMA-Factory running_log.txt (HF Trainer dicts)", R, "position x logging_steps (5)",
    "dict lines carry no step; logging_steps=5 inferred: 17,000 optimisation steps over 1,000 epochs = 17 steps/epoch and dicts advance epoch by ~0.29 (=5/17). "
    "step = k-th train dict x 5; eval dicts take the step of the train dict before them. Thousands separators in the preamble ('Num examples = 2,182')."))

# 8 LLaMA-Factory trainer_log.jsonl
def lf_jsonl(f):
    R = Runs(); first = None; prev = None
    for line in read(f).splitlines():
        d = json.loads(line)
        st = d["current_steps"]
        if first is None:
            first = st
        elif st <= first and prev is not None and st < prev:
            R.new_run()
        prev = st
        if "loss" in d:
            R.add("loss", "train", st, float(d["loss"]))
        if "lr" in d:
            R.add("lr", "train", st, float(d["lr"]))
        if "eval_loss" in d:
            R.add("eval_loss", "eval", st, float(d["eval_loss"]))
    return R

f = "seen/llamafactory_nsllm_trainer_log.jsonl"
OUT.append(summarize(f, "LLaMA-Factory trainer_log.jsonl", lf_jsonl(f), "current_steps",
    "last line (step 2178) has no loss/lr; elapsed/remaining times are strings like '9 days, 21:39:23'."))

# 9 llm.c main.log
f = "seen/llmc_gpt2_124m_main.log"
R = Runs()
for line in read(f).splitlines():
    m = re.match(r"s:(\d+) (.*)", line)
    if not m:
        continue
    st = int(m.group(1))
    for kv in m.group(2).split():
        key, v = kv.split(":", 1)
        R.add(key, "eval" if key == "tel" else "train", st, num(v))
OUT.append(summarize(f, "llm.c (main.log)", R, "s",
    "'s:N trl:X lr:Y norm:Z' train lines; 's:N tel:X' is llm.c's val/test loss (split=eval by meaning; the name itself is only 'tel'). "
    "Middle cut: steps 2000-18639 missing (train), so train points = 2000 + 1000 - eval lines in kept ranges."))

# 10 Megatron-DeepSpeed 3 runs, pdsh prefixes
f = "seen/megatron-deepspeed_qwen7b_dual16_3runs.log"
R = Runs(); R.runs = [OrderedDict() for _ in range(3)]
ridx = {"iter": -1, "ds": -1}
def madd(src, name, split, st, v):
    run = R.runs[ridx[src]]
    run.setdefault(name, {"split": split, "points": OrderedDict()})["points"][st] = v
for line in read(f).splitlines():
    body = re.sub(r"^[\w.\-]+: ", "", line)
    m = re.match(r"\s*iteration\s+(\d+)/\s*(\d+) \|(.*)", body)
    if m:
        st = int(m.group(1))
        if st == 1:
            ridx["iter"] += 1
        for part in m.group(3).split("|"):
            if ":" not in part:
                continue
            key, v = part.split(":", 1)
            key = key.strip()
            if key in ("lm loss", "learning rate", "grad norm", "loss scale"):
                madd("iter", key, "train", st, num(v))
        continue
    m = re.match(r"\s*validation loss at iteration (\d+).*\| lm loss value: (\S+) \| lm loss PPL: (\S+)", body)
    if m:
        madd("iter", "lm loss value (validation)", "eval", int(m.group(1)), num(m.group(2)))
        madd("iter", "lm loss PPL (validation)", "eval", int(m.group(1)), num(m.group(3)))
        continue
    m = re.match(r"steps: (\d+) loss: (\S+)", body)
    if m:
        st = int(m.group(1))
        prevs = [k for k in R.runs[ridx["ds"]].get("loss (DeepSpeed 'steps:' line)", {"points": {}})["points"]] if ridx["ds"] >= 0 else []
        if ridx["ds"] < 0 or (prevs and st <= prevs[0]) or st == 1:
            ridx["ds"] += 1
        madd("ds", "loss (DeepSpeed 'steps:' line)", "train", st, num(m.group(2)))
OUT.append(summarize(f, "Megatron-DeepSpeed", R, "iteration",
    "every line carries a pdsh host prefix ('localhost: ' or '192.168.205.202: '). Three runs (frequency sweep 990/1080/...), iteration restarts at 1 each time. "
    "'iteration N/ 20 | ... lm loss:' lines come from the last pipeline stage on 192.168.205.202; DeepSpeed's own 'steps: N loss: X' lines (localhost) are listed separately. "
    "Validation line at iteration 20 of each run is eval. Run boundaries: a 'steps: 1' line of the next run can be printed before the last lines of the previous run on the other host; each counter is split where it restarts."))

# 11 MLX-LM issue 18
def mlx(f):
    R = Runs()
    for line in read(f).splitlines():
        m = re.match(r"Iter (\d+): Val loss ([\d.]+)", line)
        if m:
            R.add("Val loss", "eval", int(m.group(1)), num(m.group(2)))
            continue
        m = re.match(r"Iter (\d+): Train loss ([\d.]+), Learning Rate ([\d.e+-]+)", line)
        if m:
            R.add("Train loss", "train", int(m.group(1)), num(m.group(2)))
            R.add("Learning Rate", "train", int(m.group(1)), num(m.group(3)))
    return R

f = "seen/mlx-lm_gemma_config_issue18.log"
OUT.append(summarize(f, "MLX-LM", mlx(f), "Iter",
    "report every 5 iters with val every 5; peak memory printed oddly ('Peak 56.494 GB', 'Peak58.946 GB')."))

# 12 modded-nanogpt softcap
def modded(f):
    R = Runs()
    for line in read(f).splitlines():
        m = re.match(r"step:(\d+)/(\d+) (.*)", line)
        if not m or "{" in line:
            continue
        st = int(m.group(1))
        for kv in m.group(3).split():
            key, v = kv.split(":", 1)
            if key in ("val_loss", "train_loss"):
                R.add(key, "eval" if key == "val_loss" else "train", st, num(v))
            elif key == "train_time":
                R.add(key, "train", st, num(v.rstrip("ms").rstrip("s")))
    return R

f = "seen/modded-nanogpt_softcap_record.txt"
OUT.append(summarize(f, "modded-nanogpt", modded(f), "step",
    "first ~614 lines are the training script itself (contains f-string 'step:{step}/...' lines that are not metrics). "
    "This record prints no train loss, only val_loss every 125 steps and train_time each step; step 1390 appears twice (train_time line, then val_loss line).",
    keep={"val_loss", "train_time"}))

# 13 ms-swift logging.jsonl
f = "seen/ms-swift_deepclima_logging.jsonl"
R = Runs()
for line in read(f).splitlines():
    d = json.loads(line)
    if "global_step/max_steps" not in d:
        continue
    st = int(d["global_step/max_steps"].split("/")[0])
    if "train_runtime" in d:
        continue
    for k in ("loss", "grad_norm", "learning_rate", "token_acc", "eval_loss", "eval_token_acc"):
        if k in d:
            R.add(k, "eval" if k.startswith("eval") else "train", st, float(d[k]))
OUT.append(summarize(f, "ms-swift logging.jsonl", R, "global_step/max_steps",
    "step is the left part of 'global_step/max_steps' ('10/438'); final train_runtime/train_loss summary line and the last dataset-info line are excluded."))

# 14 ms-swift stdout (quoted values)
f = "seen/ms-swift_gemma4_ds_full_epoch_stdout.log"
R = Runs()
for m in re.finditer(r"\{'(?:loss|eval_loss)'[^}]*\}", read(f)):
    d = ast.literal_eval(m.group(0))
    st = int(d["global_step/max_steps"].split("/")[0])
    for k in ("loss", "grad_norm", "learning_rate", "token_acc", "eval_loss"):
        if k in d:
            R.add(k, "eval" if k.startswith("eval") else "train", st, num(d[k]))
OUT.append(summarize(f, "ms-swift stdout", R, "global_step/max_steps",
    "dicts are glued to the end of tqdm 'Train: ...%|' fragments; all values are quoted strings ('2.029'). Printed once (rank 0) although 8 ranks run. "
    "Middle cut: steps 96-155 missing. No eval in this run."))

# 15 nanoGPT-derived
f = "seen/nanogpt_seis_train_mix.log"
R = Runs()
for line in read(f).splitlines():
    m = re.match(r"\[train\] iter (\d+): loss ([\d.]+)", line)
    if m:
        R.add("loss", "train", int(m.group(1)), num(m.group(2)))
        continue
    m = re.match(r"\[eval\] iter (\d+): train ([\d.]+) val ([\d.]+) lr ([\d.e+-]+)", line)
    if m:
        st = int(m.group(1))
        R.add("val", "eval", st, num(m.group(3)))
        R.add("train (eval pass)", "eval", st, num(m.group(2)))
        R.add("lr", "eval", st, num(m.group(4)))
OUT.append(summarize(f, "nanoGPT (derived)", R, "iter",
    "'[train] iter N: loss X  T ms/iter' every 10 iters; '[eval] iter N: train A val B lr C' every 500 - all three numbers on the eval line are split=eval by the line rule "
    "(lr is only printed there). Two '[rank0]:'/'[rank1]:' torch warnings in the preamble."))

# 16 OLMo
f = "seen/olmo_1b_grad_provenance_train.log"
R = Runs(); cur = None
for line in read(f).splitlines():
    m = re.search(r"\[step=(\d+)/(\d+)", line)
    if m:
        cur = int(m.group(1)); continue
    if cur is not None:
        m = re.match(r"    ([\w/(). ]+?)=([-\d.,e+]+)$", line)
        if m:
            key = m.group(1)
            R.add(key, "eval" if key.startswith("eval/") else "train", cur, num(m.group(2)))
            continue
        if not line.startswith("    "):
            cur = None
OUT.append(summarize(f, "OLMo", R, "step",
    "each '[step=N/1000,epoch=0]' header is followed by indented 'name=value' lines; values use thousands separators ('Perplexity=9,097'). "
    "Trailing wandb run summary and a '[rank0]:' NCCL warning are not metric lines.",
    keep={"train/CrossEntropyLoss", "train/Perplexity", "optim/total_grad_norm", "optim/learning_rate_group0"}))

# 17/18 TRL DPO + SFT stdout
def hf_dicts(text, LS, quoted=False, eval_by_epoch=None):
    R = Runs(); k = 0
    for m in re.finditer(r"\{'(?:loss|eval_loss)'[^{}]*\}", text):
        d = ast.literal_eval(m.group(0).replace("nan", "'nan'")) if "nan" in m.group(0) else ast.literal_eval(m.group(0))
        if "loss" in d:
            k += 1
            for key, v in d.items():
                if key == "epoch":
                    continue
                R.add(key, "train", k * LS, num(v) if v != "nan" else float("nan"))
        else:
            est = round(num(d["epoch"]) * eval_by_epoch) if eval_by_epoch else k * LS
            for key, v in d.items():
                if key in ("epoch",) or key.endswith(("runtime", "per_second")):
                    continue
                R.add(key, "eval", est, num(v))
    return R

f = "seen/trl_dpo_clean_code_qwen.log"
OUT.append(summarize(f, "TRL DPOTrainer stdout", hf_dicts(read(f), 10), "position x logging_steps (10)",
    "160 total steps, train dicts at epoch 0.06,0.12,...,1.0 -> logging_steps=10, step = k-th train dict x 10; eval dicts (epoch 0.31/0.62/0.94) take the step of the train dict before them (50/100/150). "
    "Final train_runtime summary dict excluded.",
    keep={"loss", "learning_rate", "grad_norm", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "eval_loss", "eval_rewards/accuracies"}))

f = "seen/trl_sft_llama32_jcqa_stdout.log"
OUT.append(summarize(f, "TRL SFTTrainer stdout (quoted values)", hf_dicts(read(f), 10, eval_by_epoch=559), "position x logging_steps (10)",
    "values are quoted strings; dicts follow '\\r'-separated tqdm fragments (the first dict sits at the end of a 31 KB progress line); eval dicts are glued inside nested-tqdm lines. "
    "1677 steps over 3 epochs (559/epoch), logging_steps=10: step = k-th train dict x 10 (10..1670; epoch of dict k = 10k/559). Eval dicts carry epoch 1.0/2.0/3.0 -> steps 559/1118/1677. "
    "Cut: lines 440-705 (eval progress bars only) removed, all dict lines kept.",
    keep={"loss", "grad_norm", "learning_rate", "mean_token_accuracy", "eval_loss"}))

# 19 Ultralytics results.csv
f = "seen/ultralytics_yolov8_wheat_results.csv"
R = Runs()
for row in csv.DictReader(io.StringIO(read(f))):
    ep = int(row["epoch"])
    for k, v in row.items():
        if k in ("epoch", "time"):
            continue
        R.add(k, "eval" if k.startswith(("val/", "metrics/")) else "train", ep, num(v))
OUT.append(summarize(f, "Ultralytics YOLOv8 results.csv", R, "epoch",
    "one row per epoch (1-based); metrics/* are computed on the val set (split=eval).",
    keep={"train/box_loss", "train/cls_loss", "val/box_loss", "metrics/mAP50(B)", "lr/pg0"}))


if __name__ == "__main__":
    json.dump(OUT, sys.stdout, indent=1, ensure_ascii=False)
    print()
