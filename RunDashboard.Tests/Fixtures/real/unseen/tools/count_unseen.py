#!/usr/bin/env python3
"""Counter for the unseen/ fixtures (kept inside unseen/ on purpose).
Run from Fixtures/real:  python3 unseen/tools/count_unseen.py > unseen/expected.json
(also runs count_added.py for the second batch, count_batch4.py for the fourth, count_batch5.py and count_batch6.py for the fifth and sixth, and writes NaN as "NaN", the form System.Text.Json reads)"""
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


# ---------------------------------------------------------------- unseen/, third batch (counted before any parser change)
def sb3_tables(f):
    """stable-baselines3 stdout: one '---- | section/ | ... ----' box per dump; rows '|    key | value |' belong to the
    section row above them ('| train/ |  |'); the step is the box's time/total_timesteps."""
    R = Runs(); box = None; section = None
    for line in read(f).splitlines():
        if re.fullmatch(r"-{10,}", line):
            if box:
                st = int(box.pop("time/total_timesteps"))
                for k, v in box.items():
                    R.add(k, "train", st, v)
                box = None
            else:
                box = {}
            continue
        if box is None:
            continue
        m = re.fullmatch(r"\| (\w+)/\s+\|\s+\|", line)
        if m:
            section = m.group(1); continue
        m = re.fullmatch(r"\|    (\w+)\s+\| (\S+)\s+\|", line)
        if m:
            box[section + "/" + m.group(1)] = num(m.group(2))
    return R

f = "unseen/sb3_ppo_frozenlake_4x4_stdout.txt"
OUT.append(summarize(f, "stable-baselines3 stdout tables (PPO)", sb3_tables(f), "time/total_timesteps",
    "boxed key/value tables, one per rollout (2048 timesteps); the first box has only time/, train/ starts at the second. "
    "'Output N: Average over K episodes - Reward: x' lines are the author's own prints between boxes and are not counted. Middle cut: iterations 23-232 missing.",
    keep={"time/fps", "train/loss", "train/value_loss", "train/policy_gradient_loss", "train/entropy_loss", "train/approx_kl", "train/learning_rate"}))

f = "unseen/sb3_dqn_frozenlake_model_output.txt"
OUT.append(summarize(f, "stable-baselines3 stdout tables (DQN)", sb3_tables(f), "time/total_timesteps",
    "boxed tables with rollout/, time/ and train/ sections (every 4 episodes); loss in e-notation (2.54e-05). A rich progress bar line ends the file. "
    "Middle cut: boxes between 2,901 and ~499,000 timesteps missing.",
    keep={"rollout/ep_len_mean", "rollout/ep_rew_mean", "rollout/exploration_rate", "time/fps", "train/loss", "train/learning_rate"}))

f = "unseen/resnet_cifar_3models_epoch_blocks.log"
R = Runs(); ep = None; model = None
for line in read(f).splitlines():
    m = re.fullmatch(r"(resnet-\d+) - Epoch (\d+)/\d+", line)
    if m:
        if model is not None and m.group(1) != model:
            R.new_run()
        model, ep = m.group(1), int(m.group(2)); continue
    m = re.fullmatch(r"lr: \[([\d.e-]+)\]", line)
    if m:
        R.add("lr", "train", ep, num(m.group(1))); continue
    m = re.fullmatch(r"(train|test) Loss: ([\d.]+) Top-1 Acc: ([\d.]+) Top-5 Acc: ([\d.]+)", line)
    if m:
        sp = "train" if m.group(1) == "train" else "eval"
        R.add(m.group(1) + " Loss", sp, ep, num(m.group(2)))
        R.add(m.group(1) + " Top-1 Acc", sp, ep, num(m.group(3)))
        R.add(m.group(1) + " Top-5 Acc", sp, ep, num(m.group(4)))
OUT.append(summarize(f, "custom PyTorch epoch blocks (3 models in one log)", R, "epoch",
    "four-line records: '<model> - Epoch e/100', dashes, 'lr: [x]' (a Python list), 'train Loss: … Top-1 Acc: … Top-5 Acc: …', 'test Loss: …'. "
    "resnet-50, then resnet-34, then resnet-18, each epochs 1-100: three runs. Markdown heading and code fence of the source dropped."))

f = "unseen/nemo_megatron_gpt_pr10128.log"
R = Runs()
for line in read(f).splitlines():
    m = re.match(r"Training epoch \d+, iteration \d+/\d+ \| lr: ([\d.e-]+) \| consumed_samples: \d+ \| global_batch_size: \d+ \| global_step: (\d+) \| reduced_train_loss: ([\d.]+)", line)
    if m:
        st = int(m.group(2))
        R.add("reduced_train_loss", "train", st, num(m.group(3)))
        R.add("lr", "train", st, num(m.group(1)))
OUT.append(summarize(f, "NeMo (Megatron GPT, Lightning progress printed as lines)", R, "global_step",
    "'Training epoch 0, iteration i/9 | lr: | consumed_samples: | global_batch_size: | global_step: | reduced_train_loss:' (pipe-separated 'key: value'); global_step starts at 0."))

f = "unseen/nemo_automodel_eagle_pr3173.log"
R = Runs()
for line in read(f).splitlines():
    m = re.search(r"\| epoch=\d+ step=(\d+) (.*)$", line)
    if m:
        st = int(m.group(1))
        for k, v in re.findall(r"(\w+)=([\d.e+-]+)", m.group(2)):
            R.add(k, "train", st, num(v))
OUT.append(summarize(f, "NeMo Automodel (key=value after a pipe logger prefix)", R, "step",
    "'<date> | INFO | <module> | epoch=0 step=N loss=… acc=… lr=… grad_norm=…' space-separated key=value pairs; steps 1070-1110 every 10.",
    keep={"loss", "acc", "lr", "grad_norm", "hidden_loss", "rank_loss", "token_loss"}))

f = "unseen/paddleocr_det_ppocrv5_issue16562.log"
R = Runs()
for line in read(f).splitlines():
    m = re.search(r"ppocr INFO: epoch: \[\d+/\d+\], global_step: (\d+), (.*)$", line)
    if m:
        st = int(m.group(1))
        for k, v in re.findall(r"(\w+): ([\d.]+)(?:,| s,| samples/s,)", m.group(2)):
            if k in ("lr", "loss", "loss_shrink_maps", "loss_threshold_maps", "loss_binary_maps", "ips"):
                R.add(k, "train", st, num(v))
OUT.append(summarize(f, "PaddleOCR (ppocr logger)", R, "global_step",
    "'[date] ppocr INFO: epoch: [3/500], global_step: N, lr: …, loss: …, … ips: 7.86 samples/s, eta: 2 days, 20:01:28, max_mem_reserved: 11326 MB'; "
    "the eta holds a comma ('2 days, 20:01:28'); a 'save model in' line follows."))

f = "unseen/paddleseg_fp32_train_pr928.log"
R = Runs()
for line in read(f).splitlines():
    m = re.search(r"\[TRAIN\] epoch: \d+, iter: (\d+)/\d+, loss: ([\d.]+), lr: ([\d.]+), batch_cost: ([\d.]+), reader_cost: ([\d.]+), ips: ([\d.]+) samples/sec", line)
    if m:
        st = int(m.group(1))
        R.add("loss", "train", st, num(m.group(2)))
        R.add("lr", "train", st, num(m.group(3)))
        R.add("batch_cost", "train", st, num(m.group(4)))
        R.add("ips", "train", st, num(m.group(6)))
OUT.append(summarize(f, "PaddleSeg", R, "iter (global, of 500)",
    "'<date> [INFO]<TAB>[TRAIN] epoch: 1, iter: 20/500, loss: …, lr: …, batch_cost: …, reader_cost: …, ips: … samples/sec | ETA 00:04:16'; iter counts the whole run."))

f = "unseen/fairseq_hydra_json_epoch_issue2493.log"
R = Runs()
for line in read(f).splitlines():
    m = re.search(r"\| INFO \| train \| (\{.*\})$", line)
    if m:
        d = json.loads(m.group(1))
        st = int(d["train_num_updates"])
        for k in ("train_loss", "train_nll_loss", "train_lr", "train_gnorm", "train_wps"):
            R.add(k, "train", st, num(d[k]))
OUT.append(summarize(f, "fairseq (json log format, epoch summaries)", R, "train_num_updates",
    "'<date> | INFO | train | {json}' end-of-epoch summaries, values as quoted strings, every key prefixed 'train_'; step = train_num_updates (643, 674); epochs 21-22."))

f = "unseen/metaseq_train_inner_json_pr507.log"
R = Runs()
for line in read(f).splitlines():
    m = re.search(r"\| train_inner \| (\{.*\})$", line)
    if m:
        d = json.loads(m.group(1))
        st = int(d["num_updates"])
        for k in ("loss", "ppl", "lr", "gnorm", "wps"):
            R.add(k, "train", st, num(d[k]))
OUT.append(summarize(f, "metaseq (fairseq json train_inner, slurm prefix)", R, "num_updates",
    "'slurm_procid 0 : <date> | INFO | train_inner | {json}' with quoted numbers; two updates (1, 2)."))

f = "unseen/fairseq_lua_fconv_issue60.log"
R = Runs()
for line in read(f).splitlines():
    m = re.match(r"(?:\| checkpoint \d+ )?\| epoch \d+ \| (\d+) updates \| (.*)$", line)
    if not m:
        continue
    st = int(m.group(1))
    summary = line.startswith("| checkpoint")
    for k, sp in (("trainloss", "train"), ("train ppl", "train"), ("validloss", "eval"), ("valid ppl", "eval"), ("testloss", "eval")):
        if summary and sp == "train":
            continue  # the epoch's average, as fairseq's end-of-epoch lines in seen/ (not a per-update value)
        mm = re.search(r"(?:^|\| )" + k + r"\s+([\d.]+)", m.group(2))
        if mm:
            R.add(k, sp, st, num(mm.group(1)))
OUT.append(summarize(f, "fairseq-lua (Torch7)", R, "updates",
    "'| epoch 009 | 0046063 updates | words/s    7730| trainloss     3.03 | train ppl     8.14' (zero-padded update count, padded values, a '|' glued to words/s); "
    "the '| checkpoint 010 | …' lines are the end-of-epoch summary at update 50070: their validloss/valid ppl/testloss are the evaluation (counted, eval), "
    "their trainloss/train ppl/lr are the epoch's averages and settings and are NOT counted in the per-update series (same rule as fairseq in seen/). "
    "(First count, before any parser change, put the summary's trainloss/train ppl in the train series and had lr: 7 points; revised to the corpus rule.) "
    "The 'path …' and 'saved model' lines carry no metric."))

f = "unseen/nnunet_epoch_lines_issue440.log"
R = Runs(); ep = None
for line in read(f).splitlines():
    m = re.fullmatch(r"epoch:\s+(\d+)", line)
    if m:
        ep = int(m.group(1)); continue
    m = re.search(r": train loss : ([\d.]+)$", line)
    if m:
        R.add("train loss", "train", ep, num(m.group(1))); continue
    m = re.search(r": validation loss: ([\d.]+)$", line)
    if m:
        R.add("validation loss", "eval", ep, num(m.group(1))); continue
    m = re.search(r"\d: lr: ([\d.]+)$", line)
    if m:
        R.add("lr", "train", ep, num(m.group(1)))
OUT.append(summarize(f, "nnU-Net (timestamped per-epoch lines)", R, "epoch",
    "'epoch:  N' on its own line, then '<timestamp>: train loss : x', '<timestamp>: validation loss: y', '<timestamp>: lr: z'; epoch 3 cut after its validation loss (no lr). "
    "Timestamps have microseconds and a trailing ': '."))

f = "unseen/cltr_training_epoch_issue15.log"
R = Runs()
for line in read(f).splitlines():
    m = re.search(r"Training Epoch:\[(\d+)/\d+\]\t loss=([\d.]+)\t lr=([\d.]+)\t epoch_time=([\d.]+)", line)
    if m:
        st = int(m.group(1))
        R.add("loss", "train", st, num(m.group(2)))
        R.add("lr", "train", st, num(m.group(3)))
        R.add("epoch_time", "train", st, num(m.group(4)))
OUT.append(summarize(f, "custom logging (CLTR, TAB + space separated key=value)", R, "epoch",
    "'<date> - CLTR - INFO - Training Epoch:[844/1500]<TAB> loss=…<TAB> lr=…<TAB> epoch_time=…'; one line per epoch (844-855)."))


def _nan_as_named_literal(o):
    """System.Text.Json reads NaN only as the string "NaN"."""
    if isinstance(o, dict):
        return {k: _nan_as_named_literal(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_nan_as_named_literal(v) for v in o]
    if (isinstance(o, float) and math.isnan(o)) or o == "nan":
        return "NaN"
    return o


if __name__ == "__main__":
    # the files added in the second batch are counted by count_added.py (run from unseen/); they sit after the first batch
    import contextlib, runpy
    here = os.path.dirname(os.path.abspath(__file__))
    added = io.StringIO(); cwd = os.getcwd()
    try:
        os.chdir(os.path.dirname(here))
        with contextlib.redirect_stdout(added):
            runpy.run_path(os.path.join(here, "count_added.py"), run_name="__main__")
    finally:
        os.chdir(cwd)
    # the fourth batch is counted by count_batch4.py (run from unseen/) and follows the third
    batch4 = io.StringIO()
    try:
        os.chdir(os.path.dirname(here))
        with contextlib.redirect_stdout(batch4):
            runpy.run_path(os.path.join(here, "count_batch4.py"), run_name="__main__")
    finally:
        os.chdir(cwd)
    # the fifth and sixth batches are counted by count_batch5.py and count_batch6.py (run from unseen/) and follow the fourth
    later = []
    for script in ("count_batch5.py", "count_batch6.py"):
        out = io.StringIO()
        try:
            os.chdir(os.path.dirname(here))
            with contextlib.redirect_stdout(out):
                runpy.run_path(os.path.join(here, script), run_name="__main__")
        finally:
            os.chdir(cwd)
        later += json.loads(out.getvalue())
    FIRST = 17  # first-batch entries above; the third batch follows the second
    ALL = OUT[:FIRST] + json.loads(added.getvalue()) + OUT[FIRST:] + json.loads(batch4.getvalue()) + later
    json.dump(_nan_as_named_literal(ALL), sys.stdout, indent=1, ensure_ascii=False)
    print()
