"""The diffusion transformer: predicts the rectified-flow velocity of video latents.

It reads latent spacetime patches (2x2 spatial, 1 latent frame), attends over all of them with
3-D rotary positions (time, row, column), cross-attends to frozen all-MiniLM-L6-v2 token states,
and is conditioned on the timestep by adaLN-zero. Rotary positions are relative, so the same
weights run at any resolution, aspect ratio and duration; odd latent sizes are padded to the patch
size and cropped back.

The timestep is given *per latent frame*: frames given as context (image-to-video, extension,
interpolation) carry t = 0 and their clean latents, the rest are noised. One network therefore
serves every generation mode (see ``generation.flow``).

Sized for a CPU (DESIGN.md, "Compute budget"): every block, width or head must buy measured quality.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class DiTConfig:
    """Shape of the diffusion transformer; stored in the checkpoint's config JSON."""

    latent_channels: int = 8
    """Channels of the autoencoder latent it denoises."""
    patch_size: int = 2
    """Spatial patch edge in latent pixels (a token covers 16x16 image pixels x 4 frames)."""
    width: int = 256
    """Token width."""
    depth: int = 8
    """Transformer blocks."""
    heads: int = 4
    """Attention heads; head dim = width / heads, split three ways for rotary time / row / column."""
    mlp_ratio: float = 4.0
    """Hidden width of each MLP relative to ``width``."""
    text_dim: int = 384
    """Width of the text encoder's token states (all-MiniLM-L6-v2: 384)."""
    rope_theta: float = 100.0
    """Rotary base; small because positions are small integers (tens of patches, tens of frames)."""
    attributes: dict[str, list[str]] = field(default_factory=dict)
    """Scene attributes the prompt states, read by ``generation.prompt_attributes`` (attribute ->
    class names; index 0 of each embedding is "not said"). Each gets a learned embedding added to
    the adaLN conditioning, beside the text's cross-attention. Why: the text path alone had not
    learned direction after 4,791 steps; the DiT's prediction for a pan was the same under "pans
    left" and "pans right" to three decimals (2026-12-06), though MiniLM's token states for the two
    differ (cosine 0.63 at the word). A class embedding hands the adaLN a direct, per-value signal,
    as class-conditional DiTs have. Empty: no attribute path (checkpoints from before it)."""
    attribute_scale: float = 100.0
    """Multiplies the summed attribute embeddings, which is to give them a learning rate of their
    own: they start at zero and AdamW moves a weight by at most the learning rate a step (in fact
    ~20x less, their gradients being noisy), so at 2e-4 and no scale they had reached norm 0.01 in
    400 steps, against 20-34 for the timestep embedding they are added to. At 10 they reached 0.05
    (0.5 in effect) after 1,000 steps (2026-12-06); the session-13 run went on at 100."""

    @property
    def head_dim(self) -> int:
        return self.width // self.heads

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "DiTConfig":
        return cls(**d)

    def without_attributes(self) -> "DiTConfig":
        """This config minus the attribute path: a DiT with attributes starts from one without them
        (its embeddings start at zero, so it predicts exactly as the one it started from)."""
        return replace(self, attributes={})


# ----------------------------------------------------------------------------------------------
#                             Embedding layers for timesteps and positions
# ----------------------------------------------------------------------------------------------


class TimestepEmbedder(nn.Module):
    """Flow time t in [0, 1] -> a width-D vector (sinusoid of 1000 t, then an MLP)."""

    def __init__(self, width: int, freq_dim: int = 128):
        super().__init__()
        self.freq_dim = freq_dim
        self.mlp = nn.Sequential(nn.Linear(freq_dim, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, t: torch.Tensor) -> torch.Tensor:  # (...,) -> (..., D)
        half = self.freq_dim // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
        args = (t.float() * 1000.0)[..., None] * freqs
        return self.mlp(torch.cat([torch.cos(args), torch.sin(args)], dim=-1))


def rope_split(head_dim: int) -> tuple[int, int, int]:
    """Head dims given to time, row, column: a quarter to time, the rest shared (all even)."""
    dt = max(2, (head_dim // 4) // 2 * 2)
    rest = head_dim - dt
    dy = rest // 2 // 2 * 2
    return dt, dy, rest - dy


def rope_angles(t: int, h: int, w: int, head_dim: int, theta: float, device: torch.device) -> torch.Tensor:
    """Rotary angles for a (t, h, w) grid of tokens in (t, h, w) order -> (t*h*w, head_dim/2)."""
    parts = []
    for n, d, axis in zip((t, h, w), rope_split(head_dim), range(3)):
        inv = 1.0 / (theta ** (torch.arange(0, d, 2, device=device, dtype=torch.float32) / d))  # (d/2,)
        pos = torch.arange(n, device=device, dtype=torch.float32)
        ang = pos[:, None] * inv  # (n, d/2)
        shape = [1, 1, 1, d // 2]
        shape[axis] = n
        parts.append(ang.reshape(shape).expand(t, h, w, d // 2))
    return torch.cat(parts, dim=-1).reshape(t * h * w, head_dim // 2)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate channel pairs: x (B, heads, N, hd), cos/sin (N, hd/2)."""
    x1, x2 = x.float().unflatten(-1, (-1, 2)).unbind(-1)  # (B, H, N, hd/2) each
    out = torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1).flatten(-2)
    return out.to(x.dtype)


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """x (B, t, S, D); shift/scale (B, t, 1, D): one modulation per latent frame."""
    return x * (1 + scale) + shift


# ----------------------------------------------------------------------------------------------
#                                 Core DiT block
# ----------------------------------------------------------------------------------------------


class QKNorm(nn.RMSNorm):
    """RMSNorm of queries or keys, computed in fp32 and returned in the input's dtype. Under bf16
    autocast q and k arrive in bf16 while the weight stays fp32; torch's fused kernel refuses mixed
    dtypes, so plain ``nn.RMSNorm`` warned on every generation and fell back to a slower composite.
    In fp32 this is exactly ``nn.RMSNorm``; in bf16 it gives the composite's values."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.rms_norm(x.float(), self.normalized_shape, self.weight, self.eps).to(x.dtype)


class SelfAttention(nn.Module):
    """Full spacetime attention with QK-RMSNorm (bf16-stable) and 3-D rotary positions."""

    def __init__(self, cfg: DiTConfig):
        super().__init__()
        self.heads = cfg.heads
        self.qkv = nn.Linear(cfg.width, 3 * cfg.width)
        self.q_norm = QKNorm(cfg.head_dim, eps=1e-6)
        self.k_norm = QKNorm(cfg.head_dim, eps=1e-6)
        self.proj = nn.Linear(cfg.width, cfg.width)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)  # (B, H, N, hd)
        q = apply_rope(self.q_norm(q), cos, sin)
        k = apply_rope(self.k_norm(k), cos, sin)
        out = F.scaled_dot_product_attention(q, k, v.to(q.dtype))  # (B, H, N, hd)
        return self.proj(out.transpose(1, 2).reshape(b, n, d))


class CrossAttention(nn.Module):
    """Tokens attend to the text's token states; padding tokens of the text are masked out."""

    def __init__(self, cfg: DiTConfig):
        super().__init__()
        self.heads = cfg.heads
        self.q = nn.Linear(cfg.width, cfg.width)
        self.kv = nn.Linear(cfg.width, 2 * cfg.width)
        self.q_norm = QKNorm(cfg.head_dim, eps=1e-6)
        self.k_norm = QKNorm(cfg.head_dim, eps=1e-6)
        self.proj = nn.Linear(cfg.width, cfg.width)

    def forward(self, x: torch.Tensor, text: torch.Tensor, text_mask: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        hd = d // self.heads
        q = self.q_norm(self.q(x).reshape(b, n, self.heads, hd).transpose(1, 2))  # (B, H, N, hd)
        k, v = self.kv(text).reshape(b, -1, 2, self.heads, hd).permute(2, 0, 3, 1, 4)  # (B, H, L, hd)
        k = self.k_norm(k)
        out = F.scaled_dot_product_attention(q, k, v.to(q.dtype), attn_mask=text_mask[:, None, None, :])
        return self.proj(out.transpose(1, 2).reshape(b, n, d))


class DiTBlock(nn.Module):
    """adaLN-zero block: modulated self-attention, plain cross-attention, modulated MLP."""

    def __init__(self, cfg: DiTConfig):
        super().__init__()
        d = cfg.width
        self.norm1 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.attn = SelfAttention(cfg)
        self.norm2 = nn.LayerNorm(d, elementwise_affine=True, eps=1e-6)
        self.cross = CrossAttention(cfg)
        self.norm3 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        hidden = int(d * cfg.mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(d, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, d))
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))

    def forward(self, x, c, cos, sin, text, text_mask):
        """x (B, t, S, D) tokens grouped by latent frame; c (B, t, D) conditioning per latent frame."""
        b, t, s, d = x.shape
        mod = self.adaLN_modulation(c)[:, :, None, :]  # (B, t, 1, 6D)
        shift_a, scale_a, gate_a, shift_m, scale_m, gate_m = mod.chunk(6, dim=-1)
        h = modulate(self.norm1(x), shift_a, scale_a).reshape(b, t * s, d)
        x = x + gate_a * self.attn(h, cos, sin).reshape(b, t, s, d)
        x = x + self.cross(self.norm2(x).reshape(b, t * s, d), text, text_mask).reshape(b, t, s, d)
        h = modulate(self.norm3(x), shift_m, scale_m)
        return x + gate_m * self.mlp(h)


class FinalLayer(nn.Module):
    """adaLN-modulated LayerNorm, then a linear to the patch's latent values."""

    def __init__(self, cfg: DiTConfig):
        super().__init__()
        self.norm = nn.LayerNorm(cfg.width, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(cfg.width, cfg.patch_size**2 * cfg.latent_channels)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(cfg.width, 2 * cfg.width))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:  # (B, t, S, D) -> (B, t, S, p*p*C)
        shift, scale = self.adaLN_modulation(c)[:, :, None, :].chunk(2, dim=-1)
        return self.linear(modulate(self.norm(x), shift, scale))


# ----------------------------------------------------------------------------------------------
#                                 Core DiT model
# ----------------------------------------------------------------------------------------------


class DiT(nn.Module):
    """Velocity model v(x_t, t, text) over video latents of any (t, h, w)."""

    def __init__(self, cfg: DiTConfig):
        super().__init__()
        if cfg.width % cfg.heads:
            raise ValueError("width must be a multiple of heads")
        self.cfg = cfg
        p = cfg.patch_size
        self.x_embedder = nn.Linear(cfg.latent_channels * p * p, cfg.width)
        self.t_embedder = TimestepEmbedder(cfg.width)
        self.text_proj = nn.Sequential(nn.Linear(cfg.text_dim, cfg.width), nn.GELU(approximate="tanh"), nn.Linear(cfg.width, cfg.width))
        self.text_pool = nn.Linear(cfg.text_dim, cfg.width)
        # one embedding per stated attribute, row 0 = not said; summed into the adaLN conditioning
        self.attr_embedders = nn.ModuleDict(
            {name: nn.Embedding(len(classes) + 1, cfg.width) for name, classes in cfg.attributes.items()})
        self.blocks = nn.ModuleList(DiTBlock(cfg) for _ in range(cfg.depth))
        self.final_layer = FinalLayer(cfg)
        self.initialize_weights()

    def initialize_weights(self) -> None:
        """Xavier linears; adaLN modulations and the output layer zeroed, so every block starts as
        the identity and the first prediction is zero (DiT's adaLN-zero)."""

        def _basic(m: nn.Module) -> None:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

        self.apply(_basic)
        nn.init.normal_(self.t_embedder.mlp[0].weight, std=0.02)
        nn.init.normal_(self.t_embedder.mlp[2].weight, std=0.02)
        for block in self.blocks:
            nn.init.zeros_(block.adaLN_modulation[-1].weight)
            nn.init.zeros_(block.adaLN_modulation[-1].bias)
            nn.init.zeros_(block.cross.proj.weight)  # cross-attention also starts silent
            nn.init.zeros_(block.cross.proj.bias)
        nn.init.zeros_(self.final_layer.adaLN_modulation[-1].weight)
        nn.init.zeros_(self.final_layer.adaLN_modulation[-1].bias)
        nn.init.zeros_(self.final_layer.linear.weight)
        nn.init.zeros_(self.final_layer.linear.bias)
        for emb in self.attr_embedders.values():  # silent at first: a warm start predicts as its source
            nn.init.zeros_(emb.weight)

    def forward(self, x: torch.Tensor, t: torch.Tensor, text: torch.Tensor, text_mask: torch.Tensor,
                attributes: torch.Tensor | None = None) -> torch.Tensor:
        """
        x: (B, C, T, H, W) noisy latents; t: (B, T) flow time per latent frame (0 = clean context);
        text: (B, L, text_dim) token states; text_mask: (B, L) bool, True for real tokens;
        attributes: (B, A) int64 class index + 1 per ``cfg.attributes`` entry (0 = not said), or None
        (nothing said; ignored by a DiT without attributes).
        Returns the velocity (B, C, T, H, W).
        """
        b, c, nt, h, w = x.shape
        p = self.cfg.patch_size
        ph, pw = (-h) % p, (-w) % p
        if ph or pw:  # odd latent sizes: pad (replicate) to whole patches, crop at the end
            x = F.pad(x.reshape(b, c * nt, h, w), (0, pw, 0, ph), mode="replicate").reshape(b, c, nt, h + ph, w + pw)
        hp, wp = (h + ph) // p, (w + pw) // p
        # Patchify: (B, C, T, H, W) -> (B, T, hp*wp, C*p*p)
        tokens = x.reshape(b, c, nt, hp, p, wp, p).permute(0, 2, 3, 5, 1, 4, 6).reshape(b, nt, hp * wp, c * p * p)
        tokens = self.x_embedder(tokens)  # (B, T, S, D)

        text_mask = text_mask.bool()
        mask_f = text_mask.to(text.dtype)[..., None]
        pooled = (text * mask_f).sum(1) / mask_f.sum(1).clamp(min=1.0)  # (B, text_dim)
        c_vec = self.t_embedder(t) + self.text_pool(pooled)[:, None, :]  # (B, T, D)
        if attributes is not None and len(self.attr_embedders):
            if attributes.shape != (b, len(self.attr_embedders)):
                raise ValueError(f"attributes must be (B, {len(self.attr_embedders)}), got {tuple(attributes.shape)}")
            said = sum(emb(attributes[:, i]) for i, emb in enumerate(self.attr_embedders.values()))  # (B, D)
            c_vec = c_vec + self.cfg.attribute_scale * said[:, None, :]
        ctx = self.text_proj(text)  # (B, L, D)

        angles = rope_angles(nt, hp, wp, self.cfg.head_dim, self.cfg.rope_theta, x.device)  # (N, hd/2)
        cos, sin = angles.cos(), angles.sin()
        for block in self.blocks:
            tokens = block(tokens, c_vec, cos, sin, ctx, text_mask)  # (B, T, S, D)
        out = self.final_layer(tokens, c_vec)  # (B, T, S, C*p*p)
        # Unpatchify: (B, T, hp*wp, C*p*p) -> (B, C, T, H, W)
        out = out.reshape(b, nt, hp, wp, c, p, p).permute(0, 4, 1, 2, 5, 3, 6).reshape(b, c, nt, hp * p, wp * p)
        return out[..., :h, :w]


# ----------------------------------------------------------------------------------------------
#                                 DiT configs
# ----------------------------------------------------------------------------------------------


def DiT_tiny(latent_channels: int = 8) -> DiTConfig:
    """~5.2 M parameters: the CPU default, trained longest."""
    return DiTConfig(latent_channels=latent_channels, width=192, depth=6, heads=3)


def DiT_small(latent_channels: int = 8) -> DiTConfig:
    """~12.1 M parameters (the width-256, 8-block stack DESIGN.md measured, plus cross-attention)."""
    return DiTConfig(latent_channels=latent_channels, width=256, depth=8, heads=4)


DiT_models = {"tiny": DiT_tiny, "small": DiT_small, "tiny2": DiT_tiny}
