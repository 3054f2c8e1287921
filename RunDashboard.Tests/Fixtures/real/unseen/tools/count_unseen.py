#!/usr/bin/env python3
"""Counter for the unseen/ fixtures (kept inside unseen/ on purpose).
Run from Fixtures/real:  python3 unseen/tools/count_unseen.py > unseen/expected.json"""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from count import *  # helpers: read, num, Runs, summarize, trainer_state, lf_jsonl, mlx, modded, hf_dicts
OUT = []
# ---------------------------------------------------------------- unseen/
f = "unseen/detectron2_balloon_metrics.json"
R = Runs()
for line in read(f).splitlines():
    d = json.loads(line)
    st = d["iteration"]
    for k in ("total_loss", "lr", "loss_cls", "loss_box_reg", "loss_mask"):
        if k in d:
            R.add(k, "train", st, float(d[k]))
OUT.append(summarize(f, "detectron2 metrics.json", R, "iteration", "JSON lines every 20 iterations (19, 39, ... 299)."))

f = "unseen/dllogger_bert_squad_issue1107.log"
R = Runs()
for line in read(f).splitlines():
    m = re.search(r"Training Iteration: (\d+)\s+step_loss : (\S+)\s+learning_rate : (\S+)", line)
    if m:
        R.add("step_loss", "train", int(m.group(1)), num(m.group(2)))
        R.add("learning_rate", "train", int(m.group(1)), num(m.group(3)))
OUT.append(summarize(f, "NVIDIA DLLogger (BERT SQuAD)", R, "Training Iteration", "lines end with a trailing space; 'DLL <timestamp> - ' prefix."))

f = "unseen/hf_trainer_state_deepclima.json"
OUT.append(summarize(f, "HF Trainer trainer_state.json (ms-swift run)", trainer_state(f), "step",
    "checkpoint-400 state: log_history stops at step 400 (the run itself went to 438).",
    keep={"loss", "learning_rate", "grad_norm", "token_acc", "eval_loss"}))

f = "unseen/hf_trainer_deepspeed_phi3_pretrain.log"
text = read(f)
OUT.append(summarize(f, "HF Trainer stdout under DeepSpeed", hf_dicts(text, 1), "position (logging_steps unknown)",
    "dict lines carry no step and logging_steps is not printed -> firstStep/lastStep null; points = number of dict lines. ANSI-coloured DeepSpeed warnings repeated per rank.",
    keep={"loss", "grad_norm", "learning_rate"}, step_known=False))

f = "unseen/kto_halos_wrapped_dicts_issue24.log"
joined = read(f).replace("\n", "")
OUT.append(summarize(f, "KTO (HF-style dicts, terminal-wrapped)", hf_dicts(joined, 1), "position (no step)",
    "each dict is hard-wrapped over 4 physical lines, numbers split across lines ('1.19\\n4046974182129' = 1.194046974182129). 3 dicts, all epoch 0.08; no step -> null.",
    keep={"loss", "learning_rate", "kl", "rewards/chosen", "rewards/margins"}, step_known=False))

f = "unseen/litgpt_lora_tinyllama_issue1110.log"
R = Runs()
for line in read(f).splitlines():
    m = re.match(r"Epoch (\d+) \| iter (\d+) step (\d+) \| loss train: ([\d.]+), val: ([\d.]+|n/a)", line)
    if m:
        st = int(m.group(3))
        R.add("loss train", "train", st, num(m.group(4)))
        if m.group(5) != "n/a":
            R.add("val", "eval", st, num(m.group(5)))
OUT.append(summarize(f, "LitGPT", R, "step", "val is the last validation value repeated on every line (same 1.057 each time); epoch jumps to 5 on the last line."))

f = "unseen/llamafactory_sft_duplicated_trainer_log.jsonl"
OUT.append(summarize(f, "LLaMA-Factory trainer_log.jsonl", lf_jsonl(f), "current_steps",
    "every record appears twice (two writers), sometimes with a slightly different loss (0.8548 vs 0.8547): counted once, later value kept. Middle cut: steps 2510-5300 missing."))

f = "unseen/megatron-lm_llama3_1b_fineweb_rank3_stdout.log"
R = Runs()
for line in read(f).splitlines():
    m = re.search(r"iteration\s+(\d+)/\s*\d+ \|(.*)", line)
    if m:
        st = int(m.group(1))
        for part in m.group(2).split("|"):
            if ":" in part:
                key, v = part.split(":", 1)
                key = key.strip()
                if key in ("lm loss", "learning rate", "grad norm"):
                    R.add(key, "train", st, num(v))
OUT.append(summarize(f, "Megatron-LM", R, "iteration", "'[timestamp] iteration N/ 500 | ...' lines; run stops at 344 of 500 (job killed)."))

f = "unseen/mlx-lm_llama32_cuda_pr330.log"
OUT.append(summarize(f, "MLX-LM", mlx(f), "Iter", "tqdm 'Calculating loss...' line before the first val."))

f = "unseen/mmcls_runner_issue360.log"
R = Runs()
for line in read(f).splitlines():
    m = re.search(r"Epoch \[(\d+)\]\[(\d+)/(\d+)\]\tlr: ([\d.e+-]+), .* loss: ([\d.]+)", line)
    if m:
        st = (int(m.group(1)) - 1) * int(m.group(3)) + int(m.group(2))
        R.add("loss", "train", st, num(m.group(5)))
        R.add("lr", "train", st, num(m.group(4)))
        continue
    m = re.search(r"Epoch\(val\) \[(\d+)\]\[\d+\]\taccuracy_top-1: ([\d.]+), accuracy_top-3: ([\d.]+)", line)
    if m:
        st = int(m.group(1)) * 35
        R.add("accuracy_top-1", "eval", st, num(m.group(2)))
        R.add("accuracy_top-3", "eval", st, num(m.group(3)))
OUT.append(summarize(f, "mmcv runner (mmcls)", R, "global iter = (epoch-1)*35 + iter",
    "'Epoch [e][i/35]' counts iterations inside the epoch; global step computed as (e-1)*35+i. The Epoch(val) line follows a '[>>>>] 50/50' progress bar on the same physical line; "
    "it is placed at the end of epoch 1 (step 35)."))

f = "unseen/mmengine_yoloworld_pretrain_issue190.log"
R = Runs()
for line in read(f).splitlines():
    m = re.search(r"Epoch\(train\)\s+\[(\d+)\]\[\s*(\d+)/(\d+)\]\s+(.*)", line)
    if m:
        st = (int(m.group(1)) - 1) * int(m.group(3)) + int(m.group(2))
        toks = re.findall(r"(\w+): ([\d.e+-]+)", m.group(4))
        for key, v in toks:
            if key in ("lr", "base_lr", "grad_norm", "loss", "loss_cls", "loss_bbox", "loss_dfl"):
                R.add(key, "train", st, num(v))
OUT.append(summarize(f, "mmengine", R, "global iter = (epoch-1)*4309 + iter",
    "epoch 100, iters 50..250 of 4309 within the epoch; global step = 99*4309 + iter."))

f = "unseen/modded-nanogpt_shortcuts_tweaks.txt"
OUT.append(summarize(f, "modded-nanogpt", modded(f), "step",
    "script source first; per-step train_loss lines + val_loss every 125. Middle cut: steps ~700-2400 missing (file lines 1,301-3,000 dropped).",
    keep={"train_loss", "val_loss"}))

f = "unseen/ppo_exploration_progress.csv"
R = Runs(); first = None
for row in csv.DictReader(io.StringIO(read(f))):
    st = int(row["total timesteps"])
    if first is None:
        first = st
    elif st <= first:
        R.new_run(); first = st
    for k in ("policy_gradient_loss", "value_loss", "total_loss", "entropy_loss", "ep_rew_mean"):
        R.add(k, "train", st, num(row[k]))
OUT.append(summarize(f, "custom PPO progress.csv", R, "total timesteps",
    "step column is 'total timesteps'; num_episodes is cumulative episodes, not a step. After 4 rows (5120..20480, 5120 per row) the counter restarts at 1280 (1280 per row afterwards): a second run appended to the same CSV."))

f = "unseen/torchtune_codellama7b_pr1358.log"
R = Runs()
for line in read(f).splitlines():
    m = re.match(r"Step (\d+) \| loss:(\S+) lr:(\S+) tokens_per_second_per_gpu:(\S+)", line)
    if m:
        st = int(m.group(1))
        R.add("loss", "train", st, num(m.group(2)))
        R.add("lr", "train", st, num(m.group(3)))
        R.add("tokens_per_second_per_gpu", "train", st, num(m.group(4)))
OUT.append(summarize(f, "torchtune", R, "Step", "'Step N | loss:X lr:Y tokens_per_second_per_gpu:Z' (no spaces after colons)."))

f = "unseen/trl_kto_nan_rewards_issue1447.log"
OUT.append(summarize(f, "TRL KTOTrainer stdout", hf_dicts(read(f), 1), "position (no step)",
    "bare nan (unquoted) as values; 5 dicts all at epoch 0.0, logging_steps not shown -> steps null. lastValue of loss is nan (written as the string \"nan\").",
    keep={"loss", "learning_rate", "grad_norm", "kl", "rewards/chosen", "rewards/rejected"}, step_known=False))

f = "unseen/yolov5_plane_ship_results.csv"
R = Runs()
rows = list(csv.reader(io.StringIO(read(f))))
hdr = [h.strip() for h in rows[0]]
for r in rows[1:]:
    d = dict(zip(hdr, [c.strip() for c in r]))
    ep = int(d["epoch"])
    for k in ("train/box_loss", "train/obj_loss", "val/box_loss", "metrics/mAP_0.5", "x/lr0"):
        R.add(k, "eval" if k.startswith(("val/", "metrics/")) else "train", ep, num(d[k]))
OUT.append(summarize(f, "YOLOv5 results.csv", R, "epoch", "header and cells are right-aligned with spaces; epoch 0-based."))

f = "unseen/yolox_s_train_log_multi_run.txt"
R = Runs(); first_seen = False; prev = None
for line in read(f).splitlines():
    m = re.search(r"epoch: (\d+)/(\d+), iter: (\d+)/(\d+), .*total_loss: ([\d.]+), .*lr: ([\d.e+-]+),", line)
    if m:
        st = (int(m.group(1)) - 1) * int(m.group(4)) + int(m.group(3))
        if prev is not None and st <= prev:
            R.new_run()
        prev = st
        R.add("total_loss", "train", st, num(m.group(5)))
        R.add("lr", "train", st, num(m.group(6)))
OUT.append(summarize(f, "YOLOX", R, "global iter = (epoch-1)*iters_per_epoch + iter",
    "loguru lines 'epoch: e/20, iter: i/112'; global step computed per run. The file holds 3 launches: the first (kept lines 1-60) aborted before any metric, "
    "then a run with 112 iters/epoch and a run with 14 iters/epoch; two metric runs counted. Per-epoch COCO AP tables are not counted here."))


if __name__ == "__main__":
    json.dump(OUT, sys.stdout, indent=1, ensure_ascii=False)
    print()
