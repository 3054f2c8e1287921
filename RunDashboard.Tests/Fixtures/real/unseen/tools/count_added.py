"""Expected series of the logs added later to unseen/, counted with plain regular expressions (not the parser).
Run from Fixtures/real/unseen:  python3 tools/count_added.py  (its entries were appended to expected.json)."""
import json, math, re, sys

def series(run, name, split, pts):
    steps = [s for s, _ in pts]; vals = [v for _, v in pts]
    return {"run": run, "name": name, "split": split, "points": len(pts), "firstStep": steps[0], "lastStep": steps[-1],
            "firstValue": vals[0], "lastValue": vals[-1]}

def num(t):
    return float(t.replace(",", "")) if t.strip().lower() != "nan" else float("nan")

out = []
lines = open("torchtitan_llama_rank0_pr3393.log").read().splitlines()
rec = [re.search(r"step: (\d+)\s+loss:\s+([\d.]+)\s+grad_norm:\s+([\d.]+).*tps: ([\d,]+)\s+tflops: ([\d.]+)\s+mfu: ([\d.]+)%", l).groups() for l in lines]
out.append({"file": "unseen/torchtitan_llama_rank0_pr3393.log", "trainer": "torchtitan", "runs": 1, "step": "step",
            "series": [series(1, n, "train", [(int(r[0]), num(r[i])) for r in rec]) for n, i in [("loss", 1), ("grad_norm", 2), ("tps", 3), ("tflops", 4), ("mfu", 5)]],
            "notes": "'[rank0]:[titan] <timestamp> - root - INFO - ' prefix; tps has a thousands comma; mfu in percent; memory 'GiB(%)' not checked."})

lines = [l for l in open("opennmt_py_nan_issue1072.log").read().splitlines() if "] Step " in l]
rec = [re.search(r"Step (\d+)/\d+; acc:\s+([\d.]+); ppl:\s+([\w.]+); xent:\s+([\w.]+); lr: ([\d.]+);", l).groups() for l in lines]
out.append({"file": "unseen/opennmt_py_nan_issue1072.log", "trainer": "OpenNMT-py", "runs": 1, "step": "Step N/M",
            "series": [series(1, n, "train", [(int(r[0]), num(r[i])) for r in rec]) for n, i in [("acc", 1), ("ppl", 2), ("xent", 3), ("lr", 4)]],
            "notes": "semicolon-separated; ppl and xent become nan from step 5650; a 'Loading train dataset' line between steps; 'a/b tok/s' and 'sec' not checked."})

text = open("keras_fit_stdout_issue8680.log").read()
rec = re.findall(r"Epoch (\d+)/\d+\n\S+ \[=+\] - \S+ - loss: ([\d.]+) - acc: ([\d.]+) - val_loss: ([\d.]+) - val_acc: ([\d.]+)", text)
out.append({"file": "unseen/keras_fit_stdout_issue8680.log", "trainer": "Keras model.fit stdout", "runs": 1, "step": "epoch",
            "series": [series(1, n, s, [(int(r[0]), num(r[i])) for r in rec]) for n, s, i in [("loss", "train", 1), ("acc", "train", 2), ("val_loss", "eval", 3), ("val_acc", "eval", 4)]],
            "notes": "two-line records: 'Epoch e/200' header, then the bar line with '- loss: - acc: - val_loss: - val_acc:'; step = epoch (39..48)."})

rec = re.findall(r"completed step: (\d+), seconds: ([\d.]+), TFLOP/s: ([\d.]+), loss: ([\d.]+)", open("maxtext_v3_8_issue8.log").read())
out.append({"file": "unseen/maxtext_v3_8_issue8.log", "trainer": "MaxText", "runs": 1, "step": "completed step",
            "series": [series(1, n, "train", [(int(r[0]), num(r[i])) for r in rec]) for n, i in [("loss", 3), ("seconds", 1), ("TFLOP/s", 2)]],
            "notes": "three complete lines of the pasted block."})

rows = [l.split("\t") for l in open("chainerrl_ppo_scores_pr126.log").read().splitlines()]
head, body = rows[0], rows[1:]
out.append({"file": "unseen/chainerrl_ppo_scores_pr126.log", "trainer": "ChainerRL scores (tab-separated)", "runs": 1, "step": "steps",
            "series": [series(1, n, "train", [(int(r[0]), num(r[head.index(n)])) for r in body]) for n in ["episodes", "mean", "average_loss_policy", "average_loss_value_func"]],
            "notes": "a TSV table pasted in a PR comment, saved with a .log name; step column 'steps' (10000..60000)."})
json.dump(out, sys.stdout, indent=1, allow_nan=True)
