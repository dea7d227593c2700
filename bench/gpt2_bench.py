"""PyTorch's side of the GPT-2 training comparison: the model, data and optimiser of
examples/gpt2/main.cpp, printing the same lines (loss every tenth step, tokens per second).
Run next to ember's example on the same GPU:
    gpt2 --steps 200            # ember
    python3 bench/gpt2_bench.py --steps 200
GPT-2 124M (both): --layers 12 --heads 12 --dim 768 --context 1024 --batch 16 --vocab 50257 --bf16
"""
import argparse
import contextlib
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, dim, heads, dropout):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.fc, self.out = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D, 2)
        shape = lambda t: t.view(B, T, self.heads, D // self.heads).transpose(1, 2)
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(shape(q), shape(k), shape(v), dropout_p=p,
                                           is_causal=True)
        drop = (lambda t: F.dropout(t, p)) if p > 0 else (lambda t: t)
        x = x + drop(self.proj(y.transpose(1, 2).contiguous().view(B, T, D)))
        return x + drop(self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh")))


class GPT(nn.Module):
    def __init__(self, vocab, context, dim, layers, heads, dropout):
        super().__init__()
        self.dropout = dropout
        self.wte, self.wpe = nn.Embedding(vocab, dim), nn.Embedding(context, dim)
        self.blocks = nn.ModuleList(Block(dim, heads, dropout) for _ in range(layers))
        self.ln_f = nn.LayerNorm(dim)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if "bias" in name:
                    p.zero_()
                elif "ln" not in name:
                    p.normal_(0, 0.02)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))
        if self.training and self.dropout > 0:
            x = F.dropout(x, self.dropout)
        for b in self.blocks:
            x = b(x)
        return self.ln_f(x) @ self.wte.weight.t()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--text", default="README.md")
    for k, v in [("layers", 4), ("heads", 4), ("dim", 256), ("context", 128), ("batch", 16),
                 ("steps", 200), ("seed", 0), ("vocab", 256)]:
        ap.add_argument("--" + k, type=int, default=v)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--dropout", type=float, default=0.0,
                    help="GPT-2's dropout while training (embeddings, attention, residuals)")
    ap.add_argument("--bf16", action="store_true", help="CUDA autocast in bfloat16")
    ap.add_argument("--profile", type=int, default=0,
                    help="run torch.profiler over this many steps after step 3 and print the "
                         "GPU time per kernel")
    a = ap.parse_args()
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(a.seed)
    data = torch.tensor(list(open(a.text, "rb").read()), dtype=torch.long, device=dev)
    model = GPT(a.vocab, a.context, a.dim, a.layers, a.heads, a.dropout).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.95), weight_decay=0.1)
    print(f"gpt2 (PyTorch {torch.__version__}): {sum(p.numel() for p in model.parameters())} "
          f"parameters, on {dev}", flush=True)
    n = data.numel() - a.context - 1
    offs = torch.arange(a.context + 1, device=dev)
    amp = (torch.autocast("cuda", dtype=torch.bfloat16) if a.bf16 and dev == "cuda"
           else contextlib.nullcontext())
    t0 = t10 = time.perf_counter()
    first = last = 0.0
    prof = None
    for step in range(1, a.steps + 1):
        if a.profile and step == 4:
            prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU,
                                                      torch.profiler.ProfilerActivity.CUDA])
            prof.__enter__()
        if prof is not None and step == 4 + a.profile:
            torch.cuda.synchronize()
            prof.__exit__(None, None, None)
            print(prof.key_averages().table(sort_by="self_device_time_total", row_limit=60),
                  flush=True)
            prof = None
        starts = torch.randint(0, n, (a.batch,)).to(dev)
        window = data[starts.unsqueeze(1) + offs]
        x, y = window[:, :-1], window[:, 1:]
        opt.zero_grad()
        with amp:
            loss = F.cross_entropy(model(x).view(-1, a.vocab), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step == 1 or step % 10 == 0 or step == a.steps:
            last = loss.item()
            first = last if step == 1 else first
            now = time.perf_counter()
            line = (f"step {step:4d}  loss {last:.4f}  "
                    f"{step * a.batch * a.context / (now - t0):.0f} tokens/s")
            if step > 10:
                line += f"  ({(step - 10) * a.batch * a.context / (now - t10):.0f} since step 10)"
            if step == 10:
                t10 = now
            print(line, flush=True)
    print(f"loss {first:.4f} -> {last:.4f}")
    if dev == "cuda":
        print(f"peak GPU memory allocated: {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
