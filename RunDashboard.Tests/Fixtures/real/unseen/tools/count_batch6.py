#!/usr/bin/env python3
"""Expected series of the sixth batch of unseen/ logs, counted with plain regular expressions per format (not the
parser), before the parser was run on them. Run from Fixtures/real/unseen:  python3 tools/count_batch6.py  (prints the
JSON entries that were appended to expected.json; a NaN value is written as the string "NaN", which the corpus test
reads as a number)."""
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


def entry(f, trainer, R, step, notes, keep=None, unchecked_steps=()):
    out = []
    for name, (split, pts) in R.series.items():
        if keep is not None and name not in keep:
            continue
        checked = name not in unchecked_steps
        out.append({"run": 1, "name": name, "split": split, "points": len(pts),
                    "firstStep": pts[0][0] if checked else None, "lastStep": pts[-1][0] if checked else None,
                    "firstValue": nanstr(pts[0][1]), "lastValue": nanstr(pts[-1][1])})
    return {"file": "unseen/" + f, "trainer": trainer, "runs": 1, "series": out, "step": step, "notes": notes}


def lines(f):
    return open(f, encoding="utf-8", newline="").read().splitlines()


OUT = []

f = "catboost_learn_test_best_issue1028.log"
R = Runs()
for l in lines(f):
    m = re.match(r"(\d+):\s+learn: ([\d.]+)\s+test: ([\d.]+) best: ([\d.]+) \((\d+)\)\s+total: .*remaining: .*$", l)
    st = int(m.group(1))
    R.add("learn", "train", st, num(m.group(2)))
    R.add("test", "eval", st, num(m.group(3)))
OUT.append(entry(f, "CatBoost fit stdout (N: learn: … test: … best: … (i) total: … remaining: …)", R, "iteration (the number before ':')",
    "'34:     learn: 0.9508429        test: 0.8235312 best: 0.8356368 (1)     total: 17.5s    remaining: 1h 39m 38s'; the step is "
    "the boosting iteration before the colon (34 … 45); 'learn' is the training metric, 'test' the evaluation set's (an eval "
    "series); 'best: 0.8356368 (1)' is the best test value so far with its iteration in parentheses, a running summary, not "
    "checked; total/remaining are clocks ('1h 39m 38s'), not checked."))

f = "vw_progress_table_pass_pr113.log"
R = Runs()
for l in lines(f):
    m = re.match(r"([\d.]+)\s+([\d.]+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s+(\d+)$", l)
    if m:
        st = int(m.group(3))
        R.add("average loss", "train", st, num(m.group(1)))
        R.add("since last", "train", st, num(m.group(2)))
OUT.append(entry(f, "Vowpal Wabbit progress table (two-line header 'average since example …' / 'loss last counter …')", R, "example counter",
    "a header of two lines whose columns read downwards: 'average loss', 'since last', 'example counter', 'example weight', "
    "'current label', 'current predict', 'current features', 'current pass'; rows are space-aligned numbers printed at "
    "doubling example counts (3, 6, 11, … 11135); the step is the example counter; 'average loss' (progressive loss since "
    "the start) and 'since last' (loss since the previous row) are the two series a person charts; weight, label, predict, "
    "features and pass are not checked."))

f = "fastai_tsai_nan_epochs_issue639.log"
R = Runs()
header = None
for l in lines(f):
    cells = l.split("\t")
    if cells[0] == "epoch":
        header = cells
        continue
    if header and len(cells) == len(header) and re.fullmatch(r"\d+", cells[0]):
        st = int(cells[0])
        R.add("train_loss", "train", st, float(cells[1]))
        R.add("valid_loss", "eval", st, float(cells[2]))
        R.add("accuracy", "eval", st, float(cells[3]))
OUT.append(entry(f, "fastai Learner progress table (tab-separated 'epoch train_loss valid_loss accuracy time', via tsai)", R, "epoch",
    "' 16.00% [4/25 00:13<01:10]' (the epoch bar), then 'epoch<TAB>train_loss<TAB>valid_loss<TAB>accuracy<TAB>time' and one row "
    "an epoch '0<TAB>nan<TAB>nan<TAB>0.958595<TAB>00:03'; the step is the epoch (0 … 3); fastai computes metrics on the "
    "validation set, so valid_loss and accuracy are eval series; every loss printed is nan (the run diverged), kept as NaN "
    "points; time (mm:ss) is a clock, not checked; the trailing batch bar ' 4.04% [4/99 00:00<00:03 nan]' is no row."))

f = "lightning_tqdm_loss_vnum_issue4225.log"
R = Runs()
last = {}
for l in lines(f):
    m = re.match(r"Epoch (\d+):\s+\d+%\|[^|]*\|\s*(\d+)/(\d+) \[[^,]*,\s+[\d.]+s/it, loss=([\d.]+), v_num=\d+\]\s*$", l)
    if m:
        last[int(m.group(2))] = num(m.group(4))  # the bar is redrawn; the postfix printed last at a position is that step's
for st in sorted(last):
    R.add("loss", "train", st, last[st])
OUT.append(entry(f, "PyTorch Lightning tqdm progress bar (Epoch e: p%|bar| i/n [..., loss=…, v_num=…])", R, "bar position i (epoch 0)",
    "'Epoch 0:  11%|█         | 2/18 [00:11<01:33,  5.82s/it, loss=10.224, v_num=193315]'; each position is drawn twice, first "
    "with the previous step's loss (the bar advances before the postfix is refreshed), then with its own: a person reads one "
    "point a position, the value printed last there (1 … 5: 10.473 … 9.847); v_num is the logger's version number, not a "
    "metric; 'Training: 0it', the bar without postfix at 1/18 and the lines at 0/18 carry no loss."))

f = "tianshou_ppo_epoch_test_reward_issue449.log"
R = Runs()
for l in lines(f):
    m = re.match(r"Epoch #(\d+): \d+it \[[^,]*, [\d.]+it/s, env_step=(\d+), (.*)\]$", l)
    if m:
        st = int(m.group(2))
        for k, v in re.findall(r"([\w/]+)=(-?[\d.]+)", m.group(3)):
            R.add(k, "train", st, num(v))
        continue
    m = re.match(r"Epoch #(\d+): test_reward: ([\d.]+) ± ([\d.]+), best_reward: ([\d.]+) ± ([\d.]+) in #(\d+)$", l)
    if m:
        R.add("test_reward", "eval", int(m.group(1)), num(m.group(2)))
OUT.append(entry(f, "Tianshou trainer (tqdm 'Epoch #e: Nit [..., env_step=…, loss=…, rew=…]' + 'Epoch #e: test_reward: x ± s')", R, "env_step",
    "'Epoch #1: 50001it [00:40, 1244.54it/s, env_step=50000, len=200, loss=-0.562, loss/clip=-0.584, loss/ent=0.468, "
    "loss/vf=0.044, n/ep=7, n/st=2000, rew=200.00]' once an epoch, the step is env_step (50000 … 250000), not the tqdm count "
    "'50001it'; loss, loss/clip, loss/ent, loss/vf, rew, len are train series (loss/clip etc. keep their slash names); n/ep "
    "and n/st (episodes and steps collected) are not checked; 'Epoch #1: test_reward: 200.000000 ± 0.000000, best_reward: … "
    "in #1' is the evaluation after the epoch: test_reward is an eval series of 5 points (the value before '±', the '±' part "
    "its spread); its steps are not checked (the line carries only the epoch); best_reward is a running best, not checked.",
    keep={"loss", "loss/clip", "loss/ent", "loss/vf", "rew", "len", "test_reward"}, unchecked_steps={"test_reward"}))

f = "monai_tutorial_epoch_dice_issue2722.log"
R = Runs()
epoch = None
for l in lines(f):
    m = re.match(r"epoch (\d+)/(\d+)$", l)
    if m:
        epoch = int(m.group(1))
        continue
    m = re.match(r"(\d+)/(\d+), train_loss: ([\d.]+) step time: ([\d.]+)$", l)
    if m:
        # MONAI's tutorials count epochs from 1: batch i of epoch e is the run's ((e - 1) x n + i)-th.
        R.add("train_loss", "train", (epoch - 1) * int(m.group(2)) + int(m.group(1)), num(m.group(3)))
        continue
    m = re.match(r"epoch (\d+) average loss: ([\d.]+)$", l)
    if m:
        R.add("average loss", "train", int(m.group(1)), num(m.group(2)))
        continue
    m = re.match(r"current epoch: (\d+) current mean dice: ([\d.]+) best mean dice: ([\d.]+) at epoch: (\d+)$", l)
    if m:
        R.add("current mean dice", "eval", int(m.group(1)), num(m.group(2)))
OUT.append(entry(f, "MONAI tutorial loop prints ('epoch e/N', 'i/n, train_loss: x step time: t', 'epoch e average loss:', 'current mean dice:')", R,
    "(epoch - 1) × batches per epoch + batch",
    "blocks 'epoch 14/300', then '1/16, train_loss: 0.1162 step time: 0.9368' a batch, 'epoch 14 average loss: 0.2148', "
    "'current epoch: 14 current mean dice: 0.9157 best mean dice: 0.9157 at epoch: 14'; the batch index restarts each epoch "
    "and epochs count from 1, so train_loss is at (e - 1) × 16 + i = 209 … 230, as the timm and Flair entries read; the "
    "excerpt opens inside epoch 13 (its average loss and dice come before any 'epoch e/N' line); 'average loss' (the epoch "
    "mean) is a train series and 'current mean dice' an eval series, 2 points each, their steps not checked; 'step time' and "
    "'time consuming of epoch' are clocks, 'best mean dice' a running best, not checked.",
    keep={"train_loss", "average loss", "current mean dice"}, unchecked_steps={"average loss", "current mean dice"}))

f = "paddlespeech_ds2_train_lr0_issue675.log"
R = Runs()
for l in lines(f):
    m = re.search(r"Train: Rank: \d+, epoch: \d+, step: (\d+), batch : \d+/\d+, lr: ([\d.]+), data time: [\d.]+s, "
                  r"train time: [\d.]+s, batch size: \d+, train_loss: ([\d.]+)$", l)
    st = int(m.group(1))
    R.add("train_loss", "train", st, num(m.group(3)))
    R.add("lr", "train", st, num(m.group(2)))
OUT.append(entry(f, "PaddleSpeech DeepSpeech2 (model.py 'Train: Rank: 0, epoch: 1, step: N, batch : i/n, lr: …, train_loss: …')", R, "step",
    "'[INFO 2021/06/19 16:01:34 model.py:61] Train: Rank: 0, epoch: 1, step: 5310, batch : 1559/1876, lr: 0.00000000, data "
    "time: 0.000s, train time: 3.019s, batch size: 64, train_loss: 16.030918'; the step is 'step:' (the run's iteration, "
    "5310 … 5316), not 'batch : i/n'; lr is printed as 0.00000000 throughout (the issue's complaint), kept as zeros; "
    "'model.py:61' is the logger's source location, Rank the process, batch size a constant; data/train time are clocks; "
    "none of these is checked."))

f = "tf_slim_global_step_doubled_issue2980.log"
R = Runs()
seen = set()
for l in lines(f):
    m = re.match(r"INFO:tensorflow:global step (\d+): loss = ([\d.]+) \(([\d.]+) sec/step\)$", l)
    if m and m.group(1) not in seen:
        seen.add(m.group(1))
        R.add("loss", "train", int(m.group(1)), num(m.group(2)))
OUT.append(entry(f, "TF-slim / Object Detection API train loop ('INFO:tensorflow:global step N: loss = x (t sec/step)')", R, "global step",
    "'INFO:tensorflow:global step 1: loss = 79.3501 (57.126 sec/step)'; every line is printed twice (two log handlers), so a "
    "person reads one point a step: 8 points at steps 1 … 8, not 16; '(57.126 sec/step)' is a clock; 'Recording summary at "
    "step 4.' is an event and 'global_step/sec: 0.0339311' a rate, neither checked."))

print(json.dumps(OUT, indent=1, ensure_ascii=False))
