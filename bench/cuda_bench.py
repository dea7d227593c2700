"""PyTorch's side of the CUDA comparison: the rows of bench/cuda_bench.cpp, timed the same way
(warm-up, then the median of `reps` repetitions with the device synchronised around each).
Run by tools/gpu_bench.sh on the GPU machine; prints "row<TAB>median_ms"."""
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def row(name, fn, reps):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - a) * 1000)
    print(f"{name}\t{statistics.median(times):.4f}", flush=True)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    torch.backends.cuda.matmul.allow_tf32 = False  # as ember's default (and libtorch's)
    dev = "cuda"
    torch.manual_seed(0)
    a = torch.randn(16 << 20, device=dev)
    b = torch.randn(16 << 20, device=dev)
    dst = torch.empty(16 << 20, device=dev)
    row("copy 16M f32 (d2d)", lambda: dst.copy_(a), reps)
    row("add 16M f32", lambda: a + b, reps)
    row("gelu 16M f32", lambda: F.gelu(a), reps)
    row("sum 16M f32", lambda: a.sum(), reps)
    rows = torch.randn(4096, 4096, device=dev)
    row("softmax 4096x4096 f32", lambda: torch.softmax(rows, 1), reps)
    row("layer_norm 4096x4096 f32", lambda: F.layer_norm(rows, (4096,)), reps)
    m1 = torch.randn(4096, 4096, device=dev)
    m2 = torch.randn(4096, 4096, device=dev)
    row("mm 4096 f32 (no tf32)", lambda: m1.mm(m2), reps)
    torch.backends.cuda.matmul.allow_tf32 = True
    row("mm 4096 tf32", lambda: m1.mm(m2), reps)
    torch.backends.cuda.matmul.allow_tf32 = False
    h1, h2 = m1.bfloat16(), m2.bfloat16()
    row("mm 4096 bf16", lambda: h1.mm(h2), reps)
    lx = torch.randn(16384, 768, device=dev).bfloat16()
    lw = torch.randn(50257, 768, device=dev).bfloat16()
    lg = torch.randn(16384, 50257, device=dev).bfloat16()
    row("lm-head x W^T bf16", lambda: lx.mm(lw.t()), reps)
    row("lm-head g W bf16", lambda: lg.mm(lw), reps)
    row("lm-head g^T x bf16", lambda: lg.t().mm(lx), reps)
    # The gradient in rows padded to 16 bytes, as ember's cross entropy writes it.
    lgp = torch.zeros(16384, 50264, device=dev).bfloat16()[:, :50257]
    lgp.copy_(lg)
    row("lm-head g W bf16 (pitched g)", lambda: lgp.mm(lw), reps)
    row("lm-head g^T x bf16 (pitched g)", lambda: lgp.t().mm(lx), reps)
    aq, ak, av = (torch.randn(8, 12, 1024, 64, device=dev).bfloat16().requires_grad_()
                  for _ in range(3))
    ago = torch.randn(8, 12, 1024, 64, device=dev).bfloat16()

    def sdpa_fwd():
        with torch.no_grad():
            F.scaled_dot_product_attention(aq, ak, av, is_causal=True)

    def sdpa_fwd_bwd():
        o = F.scaled_dot_product_attention(aq, ak, av, is_causal=True)
        torch.autograd.grad([o], [aq, ak, av], [ago])

    row("sdpa fwd b8h12 t1024 d64 causal bf16", sdpa_fwd, reps)
    row("sdpa fwd+bwd b8h12 t1024 d64 causal bf16", sdpa_fwd_bwd, reps)

    apad = torch.ones(8, 1, 1, 1024, dtype=torch.bool)
    apad[..., 768:] = False
    apad = apad.to(dev)

    def sdpa_mask():
        o = F.scaled_dot_product_attention(aq, ak, av, attn_mask=apad)
        torch.autograd.grad([o], [aq, ak, av], [ago])

    row("sdpa fwd+bwd b8h12 t1024 d64 padding mask bf16", sdpa_mask, reps)

    def sdpa_dropout():
        o = F.scaled_dot_product_attention(aq, ak, av, dropout_p=0.1, is_causal=True)
        torch.autograd.grad([o], [aq, ak, av], [ago])

    row("sdpa fwd+bwd b8h12 t1024 d64 causal bf16 dropout 0.1", sdpa_dropout, reps)
    small_a, small_b = torch.randn(64, device=dev), torch.randn(64, device=dev)
    row("add 64 f32 (launch cost)", lambda: small_a + small_b, reps)

    def queued_adds():
        for _ in range(1000):
            small_a + small_b

    row("add 64 f32 x1000 queued", queued_adds, reps)
    emb = torch.randn(50304, 768, device=dev)
    ids = torch.randint(0, 50304, (8 * 1024,), device=dev)
    row("embedding 8192x768", lambda: F.embedding(ids, emb), reps)
    logits = torch.randn(8192, 1024, device=dev)
    target = torch.randint(0, 1024, (8192,), device=dev)
    row("cross_entropy 8192x1024", lambda: F.cross_entropy(logits, target), reps)

    net = torch.nn.Sequential(torch.nn.Linear(784, 1024), torch.nn.ReLU(),
                              torch.nn.Linear(1024, 1024), torch.nn.ReLU(),
                              torch.nn.Linear(1024, 10)).to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(512, 784, device=dev)
    y = torch.randint(0, 10, (512,), device=dev)

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    row("mlp train step b512", step, reps)

    nn = torch.nn
    cnn = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(64 * 7 * 7, 10)).to(dev)
    cnn_opt = torch.optim.SGD(cnn.parameters(), lr=0.01, momentum=0.9)
    img = torch.randn(256, 1, 28, 28, device=dev)
    lab = torch.randint(0, 10, (256,), device=dev)

    def cnn_step():
        cnn_opt.zero_grad()
        F.cross_entropy(cnn(img), lab).backward()
        cnn_opt.step()

    row("cnn train step b256", cnn_step, reps)

    cx = torch.randn(32, 128, 28, 28, device=dev)
    cw = torch.randn(128, 128, 3, 3, device=dev) * 0.05
    row("conv2d 3x3 128c 28x28 b32 f32 fwd", lambda: F.conv2d(cx, cw, padding=1), reps)
    bx = cx.bfloat16().requires_grad_()
    bw = cw.bfloat16().requires_grad_()
    bg = torch.randn(32, 128, 28, 28, device=dev, dtype=torch.bfloat16)
    row("conv2d 3x3 128c 28x28 b32 bf16 fwd+bwd",
        lambda: F.conv2d(bx, bw, padding=1).backward(bg), reps)


if __name__ == "__main__":
    main()
