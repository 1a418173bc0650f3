#!/usr/bin/python3
"""Writes PyTorch reference trajectories for Nabla's optimizer, clipping and LR-schedule tests
(src/test/java/dev/nabla/optim/OptimTrajectoryTest, LRScheduleTest).

Usage:  /usr/bin/python3 scripts/make_optim_fixtures.py src/test/resources/fixtures/optim

Writes two files into the given directory:

optim_trajectories.json
    {"torch": <version>, "param_names": [...], "init": {name: tensor}, "x": tensor, "y": [class index, ...],
     "recorded_steps": [int], "steps": 20, "cases": [case, ...]}
  The model is Linear(4, 8) -> ReLU -> Linear(8, 3) (parameters fc1.weight, fc1.bias, fc2.weight, fc2.bias) in
  float32, the loss cross entropy over a fixed batch of 16. Each case runs 20 steps of
      zero_grad; loss = cross_entropy(model(x), y); loss.backward(); [clip]; optimizer.step(); [schedule.step()]
  from the same initial weights, and is
    {"name": str, "optimizer": "SGD"|"Adam"|"AdamW"|"RMSprop"|"Adagrad",
     "defaults": {option: number},            # Nabla's option names (beta1/beta2 for betas; flags as 0/1)
     "groups": [{"params": [name], "options": {option: number}}],
     "clip": null | {"kind": "norm", "max_norm": m, "norm_type": p (Infinity for inf)} | {"kind": "value", "clip_value": c},
     "schedule": null | name of a schedule both sides build the same way,
     "losses": [loss before each step], "total_norms": [clip_grad_norm_'s result per step] (norm clipping only),
     "params": {"<step>": {name: tensor}},    # parameters after each recorded step
     "float32_noise": largest |float32 - float64| parameter difference of PyTorch's own run over those steps}
  where a tensor is {"shape": [...], "data": [...]} (row-major).

lr_schedules.json
    {"torch": <version>, "steps": 30, "cases": [
       {"name": str, "type": scheduler class, "optimizer": "SGD"|"Adam", "lrs0": [lr per group],
        "args": {...}, "lrs": [[lr per group] after construction, then after each step],
        "momenta": [[momentum or beta1 per group] ...] (OneCycleLR only), "metrics": [...] (ReduceLROnPlateau)}]}

Everything is deterministic (fixed seeds, one thread); floats are written with repr(), which round-trips
exactly through Java's Double.parseDouble. Needs Debian's python3-torch (/usr/bin/python3).
"""
import json
import math
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)
warnings.filterwarnings("ignore")

STEPS = 20
RECORDED = [1, 2, 3, 5, 10, 15, 20]


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def tensor_json(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def nabla_to_torch(name, opts):
    """Nabla's option names -> torch keyword arguments."""
    kw = {}
    for k, v in opts.items():
        if k in ("beta1", "beta2"):
            continue
        if k in ("nesterov", "amsgrad", "centered"):
            kw[k] = bool(v)
        else:
            kw[k] = v
    if "beta1" in opts or "beta2" in opts:
        kw["betas"] = (opts.get("beta1", 0.9), opts.get("beta2", 0.999))
    return kw


OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
}

ALL = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]

# (name, optimizer, defaults, groups or None, clip or None, schedule or None)
CASES = [
    ("sgd_plain", "SGD", {"lr": 0.2}, None, None, None),
    ("sgd_momentum", "SGD", {"lr": 0.2, "momentum": 0.9}, None, None, None),
    ("sgd_nesterov", "SGD", {"lr": 0.2, "momentum": 0.9, "nesterov": 1}, None, None, None),
    ("sgd_weight_decay", "SGD", {"lr": 0.2, "weight_decay": 0.05}, None, None, None),
    ("sgd_momentum_weight_decay", "SGD", {"lr": 0.2, "momentum": 0.8, "weight_decay": 0.05}, None, None, None),
    ("sgd_dampening", "SGD", {"lr": 0.2, "momentum": 0.9, "dampening": 0.5}, None, None, None),
    ("adam", "Adam", {"lr": 0.02}, None, None, None),
    ("adam_amsgrad", "Adam", {"lr": 0.02, "beta2": 0.9, "amsgrad": 1}, None, None, None),
    ("adam_weight_decay", "Adam", {"lr": 0.02, "weight_decay": 0.1}, None, None, None),
    ("adam_betas_eps", "Adam", {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}, None, None, None),
    ("adamw", "AdamW", {"lr": 0.02}, None, None, None),
    ("adamw_weight_decay", "AdamW", {"lr": 0.02, "weight_decay": 0.5}, None, None, None),
    ("adamw_amsgrad", "AdamW", {"lr": 0.02, "beta2": 0.9, "weight_decay": 0.1, "amsgrad": 1}, None, None, None),
    ("rmsprop", "RMSprop", {"lr": 0.01}, None, None, None),
    ("rmsprop_centered", "RMSprop", {"lr": 0.01, "centered": 1}, None, None, None),
    ("rmsprop_momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}, None, None, None),
    ("rmsprop_weight_decay", "RMSprop", {"lr": 0.01, "weight_decay": 0.1, "alpha": 0.9}, None, None, None),
    ("rmsprop_centered_momentum_wd", "RMSprop",
     {"lr": 0.01, "centered": 1, "momentum": 0.5, "weight_decay": 0.05}, None, None, None),
    ("adagrad", "Adagrad", {"lr": 0.1}, None, None, None),
    ("adagrad_lr_decay", "Adagrad", {"lr": 0.1, "lr_decay": 0.1}, None, None, None),
    ("adagrad_weight_decay", "Adagrad", {"lr": 0.1, "weight_decay": 0.1}, None, None, None),
    ("adagrad_initial_accumulator", "Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-6},
     None, None, None),
    ("sgd_two_groups", "SGD", {"lr": 0.2, "momentum": 0.9},
     [{"params": ["fc1.weight", "fc1.bias"], "options": {}},
      {"params": ["fc2.weight", "fc2.bias"], "options": {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.01}}],
     None, None),
    ("adam_two_groups", "Adam", {"lr": 0.02},
     [{"params": ["fc1.weight", "fc2.weight"], "options": {"lr": 0.05, "beta1": 0.5}},
      {"params": ["fc1.bias", "fc2.bias"], "options": {"amsgrad": 1, "beta2": 0.9}}],
     None, None),
    ("clip_norm_l2_sgd", "SGD", {"lr": 0.2, "momentum": 0.9}, None,
     {"kind": "norm", "max_norm": 0.1, "norm_type": 2.0}, None),
    ("clip_norm_inf_sgd", "SGD", {"lr": 0.2, "momentum": 0.9}, None,
     {"kind": "norm", "max_norm": 0.03, "norm_type": math.inf}, None),
    ("clip_norm_p1_adam", "Adam", {"lr": 0.02}, None,
     {"kind": "norm", "max_norm": 0.5, "norm_type": 1.0}, None),
    ("clip_norm_p3_sgd", "SGD", {"lr": 0.2}, None,
     {"kind": "norm", "max_norm": 0.05, "norm_type": 3.0}, None),
    ("clip_value_sgd", "SGD", {"lr": 0.2, "momentum": 0.9}, None,
     {"kind": "value", "clip_value": 0.02}, None),
    ("clip_value_adamw", "AdamW", {"lr": 0.02}, None,
     {"kind": "value", "clip_value": 0.01}, None),
    ("sgd_warmup_cosine", "SGD", {"lr": 0.5, "momentum": 0.9}, None, None, "warmup_cosine"),
    ("adamw_onecycle_clip", "AdamW", {"lr": 0.01}, None,
     {"kind": "norm", "max_norm": 0.2, "norm_type": 2.0}, "onecycle"),
]


def make_schedule(name, opt):
    if name == "warmup_cosine":
        warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=5)
        cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=15, eta_min=0.01)
        return torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[5])
    if name == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=20, pct_start=0.25)
    raise ValueError(name)


def run_trajectory(init, x, y, case, dtype=torch.float32):
    name, opt_name, defaults, groups, clip, schedule = case
    model = MLP().to(dtype)
    model.load_state_dict({k: v.to(dtype) for k, v in init.items()})
    x = x.to(dtype)
    named = dict(model.named_parameters())
    if groups is None:
        groups = [{"params": list(ALL), "options": {}}]
    torch_groups = [dict(params=[named[p] for p in g["params"]], **nabla_to_torch(opt_name, g["options"]))
                    for g in groups]
    opt = OPTIMIZERS[opt_name](torch_groups, **nabla_to_torch(opt_name, defaults))
    sched = make_schedule(schedule, opt) if schedule else None
    losses, norms, params = [], [], {}
    clipped = 0
    for step in range(1, STEPS + 1):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if clip is not None and clip["kind"] == "norm":
            total = torch.nn.utils.clip_grad_norm_(model.parameters(), clip["max_norm"], clip["norm_type"])
            norms.append(float(total))
            clipped += float(total) > clip["max_norm"]
        elif clip is not None:
            before = [p.grad.clone() for p in model.parameters()]
            torch.nn.utils.clip_grad_value_(model.parameters(), clip["clip_value"])
            clipped += any(not torch.equal(b, p.grad) for b, p in zip(before, model.parameters()))
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(float(loss))
        if step in RECORDED:
            params[str(step)] = {n: tensor_json(p) for n, p in model.named_parameters()}
    if dtype != torch.float32:
        return params
    if clip is not None and clipped == 0:
        raise SystemExit(f"{name}: clipping never changed a gradient; pick a smaller bound")
    out = {"name": name, "optimizer": opt_name, "defaults": defaults, "groups": groups,
           "clip": None if clip is None else {k: (float(v) if isinstance(v, float) else v) for k, v in clip.items()},
           "schedule": schedule, "losses": losses, "params": params}
    if clip is not None and clip["kind"] == "norm":
        out["total_norms"] = norms
    # how far PyTorch's own float32 trajectory is from the same run in float64: the float32 noise of the case
    exact = run_trajectory(init, x, y, case, torch.float64)
    out["float32_noise"] = max(abs(a - b) for step in params for n in ALL
                               for a, b in zip(params[step][n]["data"], exact[step][n]["data"]))
    print(f"  {name}: loss {losses[0]:.5f} -> {losses[-1]:.5f}"
          + (f", clipped in {clipped} of {STEPS} steps" if clip else "")
          + f", float32 noise {out['float32_noise']:.2e}", file=sys.stderr)
    return out


def trajectories():
    torch.manual_seed(0)
    model = MLP()
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    x = torch.randn(16, 4)
    y = torch.randint(0, 3, (16,))
    cases = [run_trajectory(init, x, y, c) for c in CASES]
    return {"torch": torch.__version__, "param_names": ALL, "init": {k: tensor_json(v) for k, v in init.items()},
            "x": tensor_json(x), "y": [int(v) for v in y.tolist()], "steps": STEPS, "recorded_steps": RECORDED,
            "cases": cases}


# ---------------------------------------------------------------- LR schedules

SCHED_STEPS = 30
S = torch.optim.lr_scheduler

METRICS_MIN = [1.0, 0.9, 0.95, 0.91, 0.92, 0.899, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
               0.49999, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4]
METRICS_MAX = [0.1, 0.2, 0.25, 0.3, 0.35, 0.5, 0.55, 0.59, 0.6, 0.61, 0.7, 0.7, 0.7, 0.7, 0.8,
               0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]

# (name, type, optimizer, initial lrs per group, args)
SCHEDULES = [
    ("step", "StepLR", "SGD", [0.1, 0.05], {"step_size": 7, "gamma": 0.5}),
    ("step_default_gamma", "StepLR", "SGD", [0.1, 0.05], {"step_size": 4}),
    ("multistep", "MultiStepLR", "SGD", [0.1, 0.05], {"milestones": [5, 12, 12, 20], "gamma": 0.3}),
    ("exponential", "ExponentialLR", "SGD", [0.1, 0.05], {"gamma": 0.9}),
    ("cosine", "CosineAnnealingLR", "SGD", [0.1, 0.05], {"T_max": 10, "eta_min": 0.001}),
    ("cosine_no_min", "CosineAnnealingLR", "SGD", [0.1, 0.05], {"T_max": 7}),
    ("linear_warmup", "LinearLR", "SGD", [0.1, 0.05], {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 8}),
    ("linear_decay", "LinearLR", "SGD", [0.1, 0.05], {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 10}),
    ("linear_default", "LinearLR", "SGD", [0.1, 0.05], {}),
    ("onecycle", "OneCycleLR", "SGD", [0.1, 0.05],
     {"max_lr": [1.0, 0.5], "total_steps": 30, "pct_start": 0.25, "div_factor": 10.0, "final_div_factor": 100.0}),
    ("onecycle_defaults", "OneCycleLR", "SGD", [0.1, 0.05], {"max_lr": [0.3, 0.3], "total_steps": 30}),
    ("onecycle_adam_three_phase_linear", "OneCycleLR", "Adam", [0.1, 0.05],
     {"max_lr": [0.01, 0.02], "total_steps": 30, "three_phase": True, "anneal_strategy": "linear",
      "base_momentum": 0.8, "max_momentum": 0.9}),
    ("onecycle_no_momentum", "OneCycleLR", "SGD", [0.1, 0.05],
     {"max_lr": [0.2, 0.1], "total_steps": 40, "cycle_momentum": False}),
    ("plateau_min_rel", "ReduceLROnPlateau", "SGD", [0.1, 0.05],
     {"mode": "min", "factor": 0.5, "patience": 2, "threshold": 0.01, "threshold_mode": "rel", "cooldown": 1,
      "min_lr": 0.01}),
    ("plateau_max_abs", "ReduceLROnPlateau", "SGD", [0.1, 0.05],
     {"mode": "max", "factor": 0.3, "patience": 1, "threshold": 0.05, "threshold_mode": "abs", "cooldown": 0,
      "min_lr": [0.001, 0.004]}),
    ("plateau_defaults", "ReduceLROnPlateau", "SGD", [0.1, 0.05], {}),
    ("sequential_warmup_cosine", "SequentialLR", "SGD", [0.1, 0.05],
     {"schedulers": [["LinearLR", {"start_factor": 0.1, "total_iters": 5}],
                     ["CosineAnnealingLR", {"T_max": 25, "eta_min": 0.0001}]],
      "milestones": [5]}),
    ("sequential_three", "SequentialLR", "SGD", [0.1, 0.05],
     {"schedulers": [["LinearLR", {"start_factor": 0.5, "total_iters": 4}],
                     ["StepLR", {"step_size": 5, "gamma": 0.5}],
                     ["ExponentialLR", {"gamma": 0.95}]],
      "milestones": [4, 15]}),
    ("sequential_warmup_multistep", "SequentialLR", "SGD", [0.1, 0.05],
     {"schedulers": [["LinearLR", {"start_factor": 0.2, "end_factor": 1.0, "total_iters": 3}],
                     ["MultiStepLR", {"milestones": [5, 10], "gamma": 0.1}]],
      "milestones": [3]}),
]


def build(kind, opt, args):
    args = dict(args)
    if kind == "SequentialLR":
        subs = [build(k, opt, a) for k, a in args.pop("schedulers")]
        return S.SequentialLR(opt, subs, **args)
    return getattr(S, kind)(opt, **args)


def schedule_case(name, kind, opt_name, lrs0, args):
    params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    if opt_name == "SGD":
        opt = torch.optim.SGD([{"params": [params[0]], "lr": lrs0[0]}, {"params": [params[1]], "lr": lrs0[1]}],
                              lr=lrs0[0], momentum=0.9)
    else:
        opt = torch.optim.Adam([{"params": [params[0]], "lr": lrs0[0]}, {"params": [params[1]], "lr": lrs0[1]}],
                               lr=lrs0[0])
    sched = build(kind, opt, args)

    def momenta():
        return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]

    lrs = [[g["lr"] for g in opt.param_groups]]
    moms = [momenta()]
    metrics = None
    if kind == "ReduceLROnPlateau":
        metrics = METRICS_MAX if args.get("mode") == "max" else METRICS_MIN
    for i in range(SCHED_STEPS):
        if metrics is not None:
            sched.step(metrics[i])
        else:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append(momenta())
        if metrics is None:
            assert sched.get_last_lr() == lrs[-1], name
    out = {"name": name, "type": kind, "optimizer": opt_name, "lrs0": lrs0, "args": args, "lrs": lrs}
    if kind == "OneCycleLR":
        out["momenta"] = moms
    if metrics is not None:
        out["metrics"] = metrics
    return out


def schedules():
    return {"torch": torch.__version__, "steps": SCHED_STEPS,
            "cases": [schedule_case(*c) for c in SCHEDULES]}


def dump(obj, path):
    text = json.dumps(obj, indent=None, separators=(",", ":"))
    with open(path + ".tmp", "w") as f:
        f.write(text)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"wrote {path} ({len(text)} bytes)", file=sys.stderr)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/optim"
    os.makedirs(out, exist_ok=True)
    dump(trajectories(), os.path.join(out, "optim_trajectories.json"))
    dump(schedules(), os.path.join(out, "lr_schedules.json"))


if __name__ == "__main__":
    main()
