#!/usr/bin/env python3
"""Expected series of the fifth batch of unseen/ logs, counted with plain regular expressions per format (not the
parser). Run from Fixtures/real/unseen:  python3 tools/count_batch5.py  (prints the JSON entries that were appended
to expected.json; a NaN value is written as the string "NaN", which the corpus test reads as a number)."""
import json, math, re


def num(t):
    return float(t.replace(",", ""))


class Runs:
    def __init__(self):
        self.series = {}  # name -> (split, [(step, value)])

    def add(self, name, split, step, value):
        self.series.setdefault(name, (split, []))[1].append((step, value))


def nanstr(v):
    return "NaN" if isinstance(v, float) and math.isnan(v) else v


def entry(f, trainer, R, step, notes, keep=None, steps_checked=True):
    out = []
    for name, (split, pts) in R.series.items():
        if keep is not None and name not in keep:
            continue
        out.append({"run": 1, "name": name, "split": split, "points": len(pts),
                    "firstStep": pts[0][0] if steps_checked else None, "lastStep": pts[-1][0] if steps_checked else None,
                    "firstValue": nanstr(pts[0][1]), "lastValue": nanstr(pts[-1][1])})
    return {"file": "unseen/" + f, "trainer": trainer, "runs": 1, "series": out, "step": step, "notes": notes}


def lines(f):
    return open(f, encoding="utf-8").read().splitlines()


OUT = []

f = "marian_nmt_valid_issue376.log"
R = Runs()
for l in lines(f):
    m = re.search(r"\] Ep\. \d+ : Up\. (\d+) : Sen\. [\d,]+ : Cost ([\d.]+) : Time [\d.]+s : ([\d.]+) words/s", l)
    if m:
        st = int(m.group(1))
        R.add("Cost", "train", st, num(m.group(2)))
        R.add("words/s", "train", st, num(m.group(3)))
    m = re.search(r"\[valid\] Ep\. \d+ : Up\. (\d+) : ([\w-]+) : ([\d.]+)", l)
    if m:
        R.add(m.group(2), "eval", int(m.group(1)), num(m.group(3)))
OUT.append(entry(f, "Marian NMT (Ep. : Up. : Cost : words/s, [valid] lines)", R, "Up. (updates)",
    "'[date] Ep. 1 : Up. 14000 : Sen. 965,843 : Cost 5.20174599 : Time 359.59s : 3007.81 words/s' and "
    "'[date] [valid] Ep. 1 : Up. 20000 : cross-entropy : 130.97 : new best' (one validator a line); the step is Up., the update "
    "count; ' : ' separates fields, a field is a name and its value; Sen. (sentences seen, with thousands commas) and Time "
    "(seconds since the last line) are not checked."))

f = "flair_epoch_iter_issue3028.log"
R = Runs()
for l in lines(f):
    m = re.search(r"epoch (\d+) - iter (\d+)/(\d+) - loss ([\d.]+) - samples/sec: ([\d.]+) - lr: ([\d.]+)$", l)
    if m:
        # Flair counts epochs from 1: iteration i of epoch e is the run's ((e - 1) x n + i)-th.
        st = (int(m.group(1)) - 1) * int(m.group(3)) + int(m.group(2))
        R.add("loss", "train", st, num(m.group(4)))
        R.add("samples/sec", "train", st, num(m.group(5)))
        R.add("lr", "train", st, num(m.group(6)))
OUT.append(entry(f, "Flair ModelTrainer (epoch e - iter i/n - loss … - lr: …)", R, "(epoch - 1) × iterations per epoch + iter",
    "'<date> epoch 10 - iter 175/1750 - loss 0.11955834 - samples/sec: 71.79 - lr: 0.000023'; ' - ' separates fields; "
    "the step is the run's iteration, (10 - 1) × 1750 + iter = 15925 … 17500 (epochs count from 1), as the timm entry; the closing 'EPOCH 10 done: loss 0.1231 - "
    "lr 0.000020' is the epoch's summary and is not checked."))

f = "sockeye_epoch_batch_issue664.log"
R = Runs()
for l in lines(f):
    m = re.search(r"Epoch\[\d+\] Batch \[(\d+)\]\tSpeed: ([\d.]+) samples/sec ([\d.]+) tokens/sec ([\d.]+) updates/sec\tperplexity=([\d.]+)$", l)
    st = int(m.group(1))
    R.add("perplexity", "train", st, num(m.group(5)))
    R.add("samples/sec", "train", st, num(m.group(2)))
    R.add("tokens/sec", "train", st, num(m.group(3)))
    R.add("updates/sec", "train", st, num(m.group(4)))
OUT.append(entry(f, "Sockeye 1.x (Epoch[e] Batch [i] Speed: … samples/sec … perplexity=)", R, "Batch",
    "'[2019-03-17:14:36:36:INFO:sockeye.training:__call__] Epoch[0] Batch [3150]<TAB>Speed: 71.18 samples/sec 1971.60 tokens/sec "
    "1.27 updates/sec<TAB>perplexity=29.694005'; the step is the bracketed batch (all in epoch 0); after 'Speed:' each number is "
    "named by the unit that follows it (samples/sec, tokens/sec, updates/sec)."))

f = "timm_train_test_optimum_habana.log"
R = Runs()
per_epoch = None
for l in lines(f):
    m = re.match(r"Train: (\d+) \[\s*(\d+)/(\d+) \(\s*\d+%\)\]  Loss: ([\d.]+) \([\d.]+\)  Time: .*  LR: ([\d.e+-]+)  Data: ([\d.]+)", l)
    if m:
        st = int(m.group(1)) * int(m.group(3)) + int(m.group(2))
        R.add("Loss", "train", st, num(m.group(4)))
        R.add("LR", "train", st, num(m.group(5)))
        continue
    m = re.match(r"Test: \[\s*(\d+)/(\d+)\]  Time: .*  Loss:\s+[\d.]+ \(\s*([\d.]+)\)  Acc@1:\s+[\d.]+ \(\s*([\d.]+)\)  Acc@5:\s+[\d.]+ \(\s*([\d.]+)\)", l)
    if m and m.group(1) == m.group(2):
        R.add("test Loss", "eval", None, num(m.group(3)))
        R.add("Acc@1", "eval", None, num(m.group(4)))
        R.add("Acc@5", "eval", None, num(m.group(5)))
e = entry(f, "timm train.py stdout (Train: e [i/n (p%)] / Test: [i/n])", R, "epoch × batches per epoch + batch",
    "'Train: 1 [  50/73 ( 70%)]  Loss: 3.23 (3.76)  Time: 0.160s,  798.85/s  (…)  LR: 1.001e-02  Data: 0.053 (0.051)'; the "
    "train step is epoch × 73 + batch (0, 50, 73, 123): the batch index restarts each epoch, a person reads one rising axis; "
    "a train value is the one before the parentheses (the parenthesised one is the running mean). 'Test: [  30/30]  … Loss: 6.615 "
    "( 6.691)  Acc@1: 0.000 ( 0.076)' is the end of an evaluation: its parenthesised means are the epoch's eval results "
    "(one point per epoch, what timm writes as eval_loss/eval_top1); the per-batch Test values and the eval steps are not checked. "
    "Time/Data are clocks, not checked.", keep={"Loss", "LR", "test Loss", "Acc@1", "Acc@5"})
for s in e["series"]:
    if s["split"] == "eval":
        s["firstStep"] = s["lastStep"] = None
        if s["name"] == "test Loss":
            s["name"] = "Loss"
OUT.append(e)

f = "rlblox_cleanrl_style_sac_pr53.log"
R = Runs()
for l in lines(f):
    m = re.match(r"global_step=(\d+), episodic_return=(-?[\d.]+)$", l)
    if m:
        R.add("episodic_return", "train", int(m.group(1)), num(m.group(2)))
        continue
    m = re.match(r"(losses/\w+) \[?(-?[\d.e-]+)\]? (\d+)$", l)
    if m:
        R.add(m.group(1), "train", int(m.group(3)), num(m.group(2)))
OUT.append(entry(f, "rl-blox SAC (CleanRL-style prints: global_step=, episodic_return= / '<tag> <value> <step>')", R, "global_step",
    "'global_step=192799, episodic_return=-128.11…' one line an episode, and 'losses/q1_loss 65.3581 193000' (TensorBoard-style "
    "tag, value, step) every 1000 steps; 'losses/alpha [0.01570814] 193000' is a one-element list; both shapes share the "
    "global step."))

f = "kerasrl_sarsa_episodes_pr80.log"
R = Runs()
for l in lines(f):
    m = re.match(r"\d+\.\s+(\d+)/\d+: episode: \d+, duration: [\d.]+s, episode steps: (\d+), steps per second: \d+, "
                 r"episode reward: ([\d.]+), mean reward: ([\d.]+) \[.*?\], .*loss: ([\d.]+), mean_absolute_error: ([\d.]+), mean_q: ([\d.]+)$", l)
    st = int(m.group(1))
    for name, i in (("episode steps", 2), ("episode reward", 3), ("mean reward", 4), ("loss", 5), ("mean_absolute_error", 6), ("mean_q", 7)):
        R.add(name, "train", st, num(m.group(i)))
OUT.append(entry(f, "keras-rl TrainEpisodeLogger (step/nb_steps: episode: …, episode reward: …, loss: …)", R, "step (before /50000)",
    "'20.  43587/50000: episode: 588, duration: 0.930s, episode steps: 180, …, mean reward: 1.000 [1.000, 1.000], …, loss: 4.918419, "
    "mean_absolute_error: 32.250721, mean_q: 64.780350'; the '20.  ' … '23.  ' are the list numbers of the pasted issue text; "
    "the step is the agent's step count before '/50000' (43587 … 44317), not the episode number; a value followed by a bracketed "
    "[min, max] is the value before it; duration, steps per second, mean action/observation are not checked."))

f = "kohya_sdscripts_avr_loss_nan_issue2137.log"
R = Runs()
for l in lines(f):
    m = re.match(r"steps:\s+\d+%\|[^|]*\|\s*(\d+)/\d+ \[[^,]*,\s+[\d.]+s/it, avr_loss=(\S+)\]$", l)
    if m:
        R.add("avr_loss", "train", int(m.group(1)), float(m.group(2)))
OUT.append(entry(f, "kohya-ss sd-scripts (tqdm 'steps: …| n/N […, avr_loss=…]' and 'epoch e/N')", R, "steps (tqdm position)",
    "'steps:  29%|████▋      | 943/3280 [18:48<46:37,  1.20s/it, avr_loss=nan]' once an epoch, between 'epoch is incremented' "
    "INFO lines and 'epoch 24/80'; the step is the tqdm position (943 … 1107); every avr_loss printed is nan (the run diverged), "
    "so the series is 5 NaN points, which the dashboard must keep and flag rather than drop."))

f = "darkflow_step_loss_issue470.log"
R = Runs()
for l in lines(f):
    m = re.match(r"step (\d+) - loss ([\d.]+) - moving ave loss ([\d.]+)$", l)
    if m:
        st = int(m.group(1))
        R.add("loss", "train", st, num(m.group(2)))
        R.add("moving ave loss", "train", st, num(m.group(3)))
OUT.append(entry(f, "darkflow (step N - loss … - moving ave loss …)", R, "step",
    "'step 1073 - loss 92.00617218017578 - moving ave loss 91.97028919157032'; ' - ' separates fields; 'moving ave loss' is "
    "a separate series (a three-word name); 'Checkpoint at step 1080' is an event, not a metric."))

print(json.dumps(OUT, indent=1, ensure_ascii=False))
