"""Reference parameters for tests/optim/*_test.cpp from PyTorch 1.13 (torch.optim).

The problem (same as tests/optim/problem.h): float64 p1 = [1, -2, 3, 0.5],
p2 = [[0.3, -0.7], [1.5, -0.1]], loss = sum(c * (p1 - 1)^2) + 0.05 * sum(p1^4)
+ sum((1 - a)^2 + 10 (b - a^2)^2) with c = [0.5, 1, 2, 4], a = p2[:, 0], b = p2[:, 1].
Each case runs `steps` x (zero_grad, backward, step) and prints p1 and p2 flattened.
Usage: /usr/bin/python3 tools/gen_optim_golden.py
"""
import torch
import torch.optim as O

F64 = torch.float64


def params():
    p1 = torch.tensor([1.0, -2.0, 3.0, 0.5], dtype=F64, requires_grad=True)
    p2 = torch.tensor([[0.3, -0.7], [1.5, -0.1]], dtype=F64, requires_grad=True)
    return p1, p2


def loss_fn(p1, p2):
    c = torch.tensor([0.5, 1.0, 2.0, 4.0], dtype=F64)
    a, b = p2[:, 0], p2[:, 1]
    return (c * (p1 - 1) ** 2).sum() + 0.05 * (p1 ** 4).sum() + \
        ((1 - a) ** 2 + 10 * (b - a ** 2) ** 2).sum()


def run(make, steps=10, groups=None, state_key=None):
    p1, p2 = params()
    opt = make([p1, p2] if groups is None else [dict(params=[p1], **groups[0]),
                                                  dict(params=[p2], **groups[1])])
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(p1, p2).backward()
        opt.step()
    out = [p1.detach().flatten(), p2.detach().flatten()]
    if state_key is not None:  # also the named state of both parameters
        out += [opt.state[p1][state_key].flatten(), opt.state[p2][state_key].flatten()]
    return torch.cat(out).tolist()


def run_lbfgs(kw, steps):
    p1, p2 = params()
    opt = O.LBFGS([p1, p2], **kw)

    def closure():
        opt.zero_grad()
        loss = loss_fn(p1, p2)
        loss.backward()
        return loss
    losses = [float(opt.step(closure)) for _ in range(steps)]
    st = opt.state[p1]
    out = torch.cat([p1.detach().flatten(), p2.detach().flatten()]).tolist()
    return out, losses, st['func_evals'], st['n_iter']


def show(name, vals):
    print(f"// {name}\n{{" + ", ".join(repr(v) for v in vals) + "}")


CASES = {
    "Adagrad": [
        ("lr=0.1", lambda ps: O.Adagrad(ps, lr=0.1)),
        ("lr=0.2, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3, eps=1e-6",
         lambda ps: O.Adagrad(ps, lr=0.2, lr_decay=0.05, weight_decay=0.1,
                              initial_accumulator_value=0.3, eps=1e-6)),
        ("lr=0.1, maximize=True", lambda ps: O.Adagrad(ps, lr=0.1, maximize=True)),
    ],
    "RMSprop": [
        ("lr=0.01", lambda ps: O.RMSprop(ps, lr=0.01)),
        ("lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.5, centered=True",
         lambda ps: O.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.5,
                              centered=True)),
        ("lr=0.005, momentum=0.9", lambda ps: O.RMSprop(ps, lr=0.005, momentum=0.9)),
        ("lr=0.01, centered=True, maximize=True",
         lambda ps: O.RMSprop(ps, lr=0.01, centered=True, maximize=True)),
    ],
    "Adadelta": [
        ("default", lambda ps: O.Adadelta(ps)),
        ("lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1",
         lambda ps: O.Adadelta(ps, lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
        ("maximize=True", lambda ps: O.Adadelta(ps, maximize=True)),
    ],
    "Adamax": [
        ("lr=0.05", lambda ps: O.Adamax(ps, lr=0.05)),
        ("lr=0.02, betas=(0.8, 0.9), eps=1e-4, weight_decay=0.1",
         lambda ps: O.Adamax(ps, lr=0.02, betas=(0.8, 0.9), eps=1e-4, weight_decay=0.1)),
        ("lr=0.05, maximize=True", lambda ps: O.Adamax(ps, lr=0.05, maximize=True)),
    ],
    "NAdam": [
        ("lr=0.05", lambda ps: O.NAdam(ps, lr=0.05)),
        ("lr=0.02, betas=(0.8, 0.9), eps=1e-4, weight_decay=0.1, momentum_decay=0.01",
         lambda ps: O.NAdam(ps, lr=0.02, betas=(0.8, 0.9), eps=1e-4, weight_decay=0.1,
                            momentum_decay=0.01)),
    ],
    "RAdam": [
        ("lr=0.005", lambda ps: O.RAdam(ps, lr=0.005)),
        # beta2 small enough that rho_t > 5 from the second step on: both branches run.
        ("lr=0.02, betas=(0.8, 0.6), eps=1e-4, weight_decay=0.1",
         lambda ps: O.RAdam(ps, lr=0.02, betas=(0.8, 0.6), eps=1e-4, weight_decay=0.1)),
    ],
    "Rprop": [
        ("lr=0.01", lambda ps: O.Rprop(ps, lr=0.01)),
        ("lr=0.05, etas=(0.3, 1.5), step_sizes=(0.01, 0.2)",
         lambda ps: O.Rprop(ps, lr=0.05, etas=(0.3, 1.5), step_sizes=(0.01, 0.2))),
        ("lr=0.01, maximize=True", lambda ps: O.Rprop(ps, lr=0.01, maximize=True)),
    ],
    "ASGD": [
        ("lr=0.01", lambda ps: O.ASGD(ps, lr=0.01)),
        ("lr=0.02, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1",
         lambda ps: O.ASGD(ps, lr=0.02, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1)),
        ("lr=0.001, t0=0, maximize=True",
         lambda ps: O.ASGD(ps, lr=0.001, t0=0, maximize=True)),
    ],
}

GROUPS = {
    "Adagrad": (lambda ps: O.Adagrad(ps, lr=0.1), [dict(), dict(lr=0.3, weight_decay=0.2)]),
    "RMSprop": (lambda ps: O.RMSprop(ps, lr=0.01),
                [dict(centered=True), dict(momentum=0.7, lr=0.002)]),
    "Adadelta": (lambda ps: O.Adadelta(ps), [dict(rho=0.5), dict(lr=0.3)]),
    "Adamax": (lambda ps: O.Adamax(ps, lr=0.05), [dict(), dict(lr=0.01, betas=(0.5, 0.7))]),
    "NAdam": (lambda ps: O.NAdam(ps, lr=0.05), [dict(), dict(momentum_decay=0.02)]),
    "RAdam": (lambda ps: O.RAdam(ps, lr=0.005), [dict(), dict(betas=(0.8, 0.6), lr=0.01)]),
    "Rprop": (lambda ps: O.Rprop(ps, lr=0.01), [dict(), dict(lr=0.03, etas=(0.4, 1.1))]),
    "ASGD": (lambda ps: O.ASGD(ps, lr=0.01), [dict(t0=2), dict(lambd=0.1)]),
}

if __name__ == "__main__":
    for name, cases in CASES.items():
        print(f"=== {name}")
        for desc, make in cases:
            show(desc, run(make, state_key="ax" if name == "ASGD" else None))
        make, groups = GROUPS[name]
        show(f"groups {groups}", run(make, groups=groups))
    # NAdam's and ASGD's scalars live in 0-dim tensors of the default dtype.
    torch.set_default_dtype(torch.float64)
    print("=== default dtype float64")
    show("NAdam lr=0.05", run(lambda ps: O.NAdam(ps, lr=0.05)))
    show("ASGD lr=0.02, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1",
         run(lambda ps: O.ASGD(ps, lr=0.02, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1),
             state_key="ax"))
    torch.set_default_dtype(torch.float32)
    print("=== LBFGS")
    for kw, steps in [(dict(), 1), (dict(lr=0.5, max_iter=5, history_size=3), 4),
                      (dict(lr=1, max_iter=6, line_search_fn="strong_wolfe"), 3),
                      (dict(max_iter=4, max_eval=3, tolerance_change=1e-3), 2)]:
        out, losses, evals, n_iter = run_lbfgs(kw, steps)
        show(f"{kw} x{steps}: params", out)
        show(f"losses (func_evals={evals}, n_iter={n_iter})", losses)
