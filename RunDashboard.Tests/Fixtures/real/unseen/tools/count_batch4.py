#!/usr/bin/env python3
"""Expected series of the fourth batch of unseen/ logs, counted with one plain regular expression per format
(not the parser). Run from Fixtures/real/unseen:  python3 tools/count_batch4.py  (prints the JSON entries that
were appended to expected.json)."""
import json, re


def num(t):
    return float(t.replace(",", ""))


class Runs:
    def __init__(self):
        self.series = {}  # name -> (split, [(step, value)])

    def add(self, name, split, step, value):
        self.series.setdefault(name, (split, []))[1].append((step, value))


def entry(f, trainer, R, step, notes, keep=None):
    out = []
    for name, (split, pts) in R.series.items():
        if keep is not None and name not in keep:
            continue
        out.append({"run": 1, "name": name, "split": split, "points": len(pts), "firstStep": pts[0][0], "lastStep": pts[-1][0],
                    "firstValue": pts[0][1], "lastValue": pts[-1][1]})
    return {"file": "unseen/" + f, "trainer": trainer, "runs": 1, "series": out, "step": step, "notes": notes}


def lines(f):
    return open(f, encoding="utf-8").read().splitlines()


OUT = []

f = "detectron2_stdout_events_issue195.log"
R = Runs()
for l in lines(f):
    m = re.search(r"d2\.utils\.events\]: eta: \S+  iter: (\d+)  (.*)$", l)
    st = int(m.group(1))
    for k, v in re.findall(r"(\w+): ([\d.]+)(?=\s|$)", m.group(2)):
        R.add(k, "train", st, num(v))
OUT.append(entry(f, "detectron2 stdout (d2.utils.events)", R, "iter",
    "'[11/01 11:27:04 d2.utils.events]: eta: 8:05:12  iter: 1259  total_loss: 1.012  …  lr: 0.010000  max_mem: 3961M'; "
    "two spaces between pairs; max_mem carries a unit suffix (M) and is not checked.",
    keep={"total_loss", "loss_cls", "loss_box_reg", "time", "data_time", "lr"}))

f = "openpcdet_timm_style_pr1229.log"
R = Runs()
for l in lines(f):
    m = re.search(r"Train:\s+\d+/\d+ \(\s*\d+%\) \[\s*\d+/\d+ \(\s*\d+%\)\]  Loss: ([\d.]+) \([\d.]+\)  LR: (\S+)  .*Acc_iter (\d+)\s+Data time: ([\d.]+)\([\d.]+\)  Forward time: ([\d.]+)\([\d.]+\)  Batch time: ([\d.]+)", l)
    if not m:
        continue
    st = int(m.group(3))
    for k, i in (("Loss", 1), ("LR", 2), ("Data time", 4), ("Forward time", 5), ("Batch time", 6)):
        R.add(k, "train", st, num(m.group(i)))
OUT.append(entry(f, "OpenPCDet (timm-style Train: lines)", R, "Acc_iter",
    "'<date>   INFO  Train:    1/3 ( 33%) [  49/323 ( 15%)]  Loss: 36.77 (81.7)  LR: 1.351e-04  Time cost: …  Acc_iter 50  Data time: 0.00(0.02) …'; "
    "the value read is the one before the parentheses (the parenthesised one is the running average); the step is Acc_iter, the run's "
    "accumulated iteration (1, 50, 100, 150), not the epoch (1/3) nor the batch within it ([0/323]); Time cost is a clock, not checked."))

f = "deit_style_log_txt_p2t_issue13.txt"
R = Runs()
for l in lines(f):
    d = json.loads(l)
    for k in ("train_lr", "train_loss"):
        R.add(k, "train", d["epoch"], float(d[k]))
    for k in ("test_loss", "test_acc1", "test_acc5"):
        if k in d:
            R.add(k, "eval", d["epoch"], float(d[k]))
OUT.append(entry(f, "DeiT-style log.txt (P2T, JSON lines per epoch)", R, "epoch",
    "one JSON object per epoch (98-108), train_* every epoch, test_* only at epoch 100; n_parameters is a constant, not checked."))

f = "maskrcnn_benchmark_issue976.log"
R = Runs()
for l in lines(f):
    m = re.match(r"INFO: eta: \S+  iter: (\d+)  (.*)$", l)
    st = int(m.group(1))
    for k, v in re.findall(r"([a-z_ 0-9]+?): ([\d.]+)(?: \([\d.]+\))?(?:  |$)", m.group(2)):
        R.add(k.strip(), "train", st, num(v))
OUT.append(entry(f, "maskrcnn-benchmark (MetricLogger)", R, "iter",
    "'INFO: eta: 11:21:28  iter: 1120  loss: 1.4617 (1.4511)  …  lr: 0.020000  max mem: 3150'; value read = the one before the "
    "parentheses (median; the parenthesised one is the global average); 'max mem' is a two-word key.",
    keep={"loss", "loss_classifier", "loss_mask", "time", "data", "lr", "max mem"}))

f = "xgboost_sklearn_eval_issue5993.log"
R = Runs()
for l in lines(f):
    m = re.match(r"\[(\d+)\]\t(.*)$", l)
    if not m:
        continue
    for k, v in re.findall(r"([\w-]+):([\d.]+)", m.group(2)):
        R.add(k, "eval", int(m.group(1)), num(v))
OUT.append(entry(f, "XGBoost (sklearn API, eval_set)", R, "boosting round",
    "'[N]<TAB>validation_0-auc:0.5<TAB>validation_0-logloss:…' one line per boosting round (1-11); every key names an eval set "
    "(validation_0, validation_1) and is counted as eval; the 'Will train until …' line carries no metric."))

f = "xgboost4j_spark_tracker_issue7962.log"
R = Runs()
for l in lines(f):
    m = re.search(r"INFO \[(\d+)\]\s+train-logloss:([\d.]+)\s+eval-logloss:([\d.]+)$", l)
    R.add("train-logloss", "train", int(m.group(1)), num(m.group(2)))
    R.add("eval-logloss", "eval", int(m.group(1)), num(m.group(3)))
OUT.append(entry(f, "XGBoost4J-Spark (Rabit tracker relaying the Python log)", R, "boosting round",
    "'22/06/01 10:06:44 ERROR RabitTracker$TrackerProcessLogger: 2022-06-01 10:06:44,668 INFO [15]    train-logloss:…  eval-logloss:…': "
    "the Spark logger tags the relayed lines ERROR though they are ordinary round results; rounds 15-22."))

f = "lightgbm_cli_parallel_issue886.log"
R = Runs()
for l in lines(f):
    m = re.search(r"Iteration:(\d+), (training|valid_1) (\w+) : ([\d.]+)$", l)
    if m:
        R.add(m.group(2) + " " + m.group(3), "train" if m.group(2) == "training" else "eval", int(m.group(1)), num(m.group(4)))
OUT.append(entry(f, "LightGBM CLI (one metric a line)", R, "Iteration",
    "'[LightGBM] [Info] Iteration:18, training auc : 0.647672' one metric per line, dataset name before the metric; the excerpt starts "
    "inside iteration 17 (no 'training auc' for 17) and ends inside 21; '… seconds elapsed, finished iteration N' is a clock, not checked."))

f = "allennlp_trainer_batches_issue379.log"
R = Runs()
for l in lines(f):
    m = re.search(r"allennlp\.training\.trainer - Batch (\d+)/\d+: accuracy: ([\d.]+), loss: ([\d.]+) \|\|$", l)
    if m:
        R.add("accuracy", "train", int(m.group(1)), num(m.group(2)))
        R.add("loss", "train", int(m.group(1)), num(m.group(3)))
OUT.append(entry(f, "AllenNLP (early trainer, Batch i/n lines)", R, "Batch (epoch 0)",
    "'<date> - INFO - allennlp.training.trainer - Batch 567/17168: accuracy: 0.42, loss: 1.32 ||' after parameter lines "
    "('trainer.no_tqdm = True', '… = None', '… = adagrad') that carry no metric; all batches in epoch 0."))

f = "espnet2_lm_trainer_issue2674.log"
R = Runs()
for l in lines(f):
    m = re.search(r"INFO: (\d+)epoch:train:(\d+)-(\d+)batch: (.*)$", l)
    st = int(m.group(3))
    for k, v in re.findall(r"(\w+)=([\d.e+-]+)", m.group(4)):
        R.add(k, "train", st, num(v))
OUT.append(entry(f, "ESPnet2 trainer (epoch:train:a-bbatch: k=v)", R, "batch (range end, epoch 5)",
    "'[PC] <date> (trainer:486) INFO: 5epoch:train:3376-3750batch: iter_time=0.001, …, loss=1.733, …, lr_0=0.100, train_time=0.014'; "
    "each line averages a batch range of epoch 5; the step is the range's last batch (3750 … 5625), the point the line was written.",
    keep={"loss", "lr_0", "optim_step_time", "train_time"}))

f = "deepspeed_engine_log_dist_issue1825.log"
R = Runs()
for l in lines(f):
    m = re.search(r"\[Rank 0\] step=(\d+), skipped=\d+, lr=\[([\d.e+-]+)\]", l)
    if m:
        R.add("lr", "train", int(m.group(1)), num(m.group(2)))
    m = re.search(r"\[timer\.py:\d+:stop\] \d+/(\d+), SamplesPerSec=([\d.]+)", l)
    if m:
        R.add("SamplesPerSec", "train", int(m.group(1)), num(m.group(2)))
OUT.append(entry(f, "DeepSpeed engine (log_dist step= / timer lines)", R, "step",
    "'[date] [INFO] [logging.py:69:log_dist] [Rank 0] step=40, skipped=2, lr=[5e-05], mom=[[0.9, 0.999]]' then "
    "'[timer.py:189:stop] 0/40, SamplesPerSec=83.48…, MemAllocated=0.26GB, …' (epoch/step), with notebook "
    "'<IPython.core.display.HTML object>' lines between; lr is a one-element list; skipped (a count) and the GB memory are not checked."))

print(json.dumps(OUT, indent=1, ensure_ascii=False))
