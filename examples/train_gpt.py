"""Train a small character-level GPT with pynn and sample text from it (no download: the text is generated).

    pip install ".[examples]" && python examples/train_gpt.py

The model is the usual decoder-only Transformer: token and position embeddings, a few pre-norm blocks of causal
self-attention (F.scaled_dot_product_attention with is_causal=True, pynn's fused kernel) and a GELU MLP, a final
LayerNorm and a linear head over the characters. AdamW with gradient clipping, a tqdm progress bar, then
greedy-free sampling (temperature, multinomial) from a prompt. The training text comes from a tiny grammar of
nursery-rhyme sentences, so the samples should read as words and sentences after a minute of training.
The defaults run in under 2 minutes on a laptop-class CPU.
"""
from __future__ import annotations

import argparse
import math
import random
import time

from tqdm import tqdm

import pynn as torch
import pynn.nn as nn
import pynn.nn.functional as F


def make_text(n_sentences: int, seed: int) -> str:
    """Sentences from a small grammar: enough structure to learn, varied enough not to be memorised."""
    rnd = random.Random(seed)
    who = ["the cat", "the dog", "a little bird", "the old king", "my mother", "the baker", "a mouse", "the moon"]
    did = ["sat on", "ran to", "looked at", "sang to", "jumped over", "slept by", "danced with", "found"]
    what = ["the mat", "the hill", "a silver spoon", "the river", "the garden gate", "a loaf of bread",
            "the tall tree", "the sleepy town"]
    when = ["", " at night", " in the morning", " all day long", " once upon a time", " before tea"]
    out = []
    for _ in range(n_sentences):
        s = f"{rnd.choice(who)} {rnd.choice(did)} {rnd.choice(what)}{rnd.choice(when)}"
        out.append(s[0].upper() + s[1:] + rnd.choice([".", ".", "!", "?"]))
    return " ".join(out) + "\n"


def make_model(lib, vocab: int, context: int, width: int, layers: int, heads: int, dropout: float):
    """The GPT, built from `lib` (pynn here; benchmarks/bench_attention.py passes torch too, so one model
    definition is timed on both libraries)."""
    tnn, tF = lib.nn, lib.nn.functional

    class CausalSelfAttention(tnn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = tnn.Linear(width, 3 * width)
            self.proj = tnn.Linear(width, width)
            self.dropout = dropout

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(x).split(C, dim=2)
            q, k, v = (t.view(B, T, heads, C // heads).transpose(1, 2) for t in (q, k, v))
            y = tF.scaled_dot_product_attention(q, k, v, is_causal=True,
                                                dropout_p=self.dropout if self.training else 0.0)
            return self.proj(y.transpose(1, 2).reshape(B, T, C))

    class Block(tnn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = tnn.LayerNorm(width)
            self.attn = CausalSelfAttention()
            self.ln2 = tnn.LayerNorm(width)
            self.mlp = tnn.Sequential(tnn.Linear(width, 4 * width), tnn.GELU(), tnn.Linear(4 * width, width),
                                      tnn.Dropout(dropout))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    class GPT(tnn.Module):
        def __init__(self):
            super().__init__()
            self.context = context
            self.tok = tnn.Embedding(vocab, width)
            self.pos = tnn.Embedding(context, width)
            self.drop = tnn.Dropout(dropout)
            self.blocks = tnn.Sequential(*[Block() for _ in range(layers)])
            self.ln_f = tnn.LayerNorm(width)
            self.head = tnn.Linear(width, vocab)

        def forward(self, idx, targets=None):
            T = idx.shape[1]
            x = self.drop(self.tok(idx) + self.pos(lib.arange(T)))
            logits = self.head(self.ln_f(self.blocks(x)))
            if targets is None:
                return logits, None
            return logits, tF.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    return GPT()


@torch.no_grad()
def sample(model, stoi, itos, prompt: str, n_chars: int, temperature: float) -> str:
    model.eval()
    idx = torch.tensor([[stoi[c] for c in prompt]])
    for _ in range(n_chars):
        logits, _ = model(idx[:, -model.context:])
        probs = F.softmax(logits[:, -1, :] / temperature, dim=-1)
        idx = torch.cat([idx, torch.multinomial(probs, 1)], dim=1)
    model.train()
    return "".join(itos[i] for i in idx[0].tolist())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--width", type=int, default=96)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--context", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--sample-chars", type=int, default=300)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)

    torch.manual_seed(args.seed)
    text = make_text(4000, args.seed)
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    itos = dict(enumerate(chars))
    data = torch.tensor([stoi[c] for c in text])
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]
    print(f"{len(text)} characters, vocabulary of {len(chars)}")

    model = make_model(torch, len(chars), args.context, args.width, args.layers, args.heads, args.dropout)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"GPT: {args.layers} blocks, width {args.width}, {args.heads} heads, {n_params / 1e3:.0f}k parameters")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 30) * 0.5 * (1 + math.cos(math.pi * s / args.steps)))

    def batch(source):
        ix = torch.randint(len(source) - args.context - 1, (args.batch,)).tolist()
        x = torch.stack([source[i:i + args.context] for i in ix])
        y = torch.stack([source[i + 1:i + args.context + 1] for i in ix])
        return x, y

    losses = []
    start = time.perf_counter()
    bar = tqdm(range(args.steps), desc="training", disable=args.no_progress)
    for _ in bar:
        x, y = batch(train)
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    elapsed = time.perf_counter() - start

    with torch.no_grad():
        model.eval()
        val_loss = sum(model(*batch(val))[1].item() for _ in range(5)) / 5
        model.train()
    first = sum(losses[:10]) / len(losses[:10])
    last = sum(losses[-10:]) / len(losses[-10:])
    print(f"{args.steps} steps in {elapsed:.1f} s: train loss {first:.3f} -> {last:.3f}, "
          f"validation loss {val_loss:.3f} (uniform guess: {math.log(len(chars)):.3f})")
    text_out = sample(model, stoi, itos, "The ", args.sample_chars, args.temperature)
    print("sample:\n" + text_out)
    return first, last, text_out


if __name__ == "__main__":
    main()
