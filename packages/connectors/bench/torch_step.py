"""The connectors benchmark's training step in PyTorch: the same pre-LN GPT (token + position embeddings,
causal self-attention with separate q/k/v projections, exact-GELU MLP, final LayerNorm, LM head), the same
sizes, softmax cross-entropy over every position and one Adam step (lr 1e-3) per call.

Driven by bench/run-bench.ts over stdin/stdout so that its steps interleave with the TF.js steps in one run:
each input line "steps N" runs N steps and answers one JSON line with the wall and CPU ms of each step.
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d, eps=1e-5)
        self.q, self.k, self.v, self.proj = (nn.Linear(d, d) for _ in range(4))
        self.ln2 = nn.LayerNorm(d, eps=1e-5)
        self.fc = nn.Linear(d, 4 * d)
        self.out = nn.Linear(4 * d, d)

    def forward(self, x, causal):
        b, t, d = x.shape
        h = self.ln1(x)
        split = lambda y: y.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        logits = (q / math.sqrt(d // self.heads)) @ k.transpose(-1, -2) + causal
        a = (logits.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(a)
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class Gpt(nn.Module):
    def __init__(self, width, heads, layers, seq, vocab):
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Parameter(torch.randn(seq, width) * 0.02)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.lnf = nn.LayerNorm(width, eps=1e-5)
        self.head = nn.Linear(width, vocab)

    def forward(self, ids, causal):
        x = self.tok(ids) + self.pos
        for block in self.blocks:
            x = block(x, causal)
        return self.head(self.lnf(x))


def main():
    opts = dict(a.split("=", 1) for a in sys.argv[1:])
    threads = int(opts.get("threads", "1"))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    width, heads, layers, seq, batch, vocab = (int(opts.get(k, v)) for k, v in
                                               (("width", 256), ("heads", 4), ("layers", 2), ("seq", 128), ("batch", 8), ("vocab", 1000)))
    model = Gpt(width, heads, layers, seq, vocab)
    ids = torch.randint(0, vocab, (batch, seq))
    labels = torch.randint(0, vocab, (batch * seq,))
    causal = torch.triu(torch.full((seq, seq), -1e9), diagonal=1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids, causal).view(batch * seq, vocab), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    step()  # warm-up: allocations, Adam slots
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] != "steps":
            print(json.dumps({"error": f"unknown command {parts[0]}"}), flush=True)
            continue
        wall, cpu = [], []
        for _ in range(int(parts[1])):
            w0, c0 = time.perf_counter(), time.process_time()
            step()
            wall.append((time.perf_counter() - w0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        print(json.dumps({"wall": wall, "cpu": cpu}), flush=True)


if __name__ == "__main__":
    main()
