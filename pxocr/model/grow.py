"""Starting a wider network from a narrower one's weights, computing the same function.

Every tensor of the wider network whose name the narrower one has gets the narrower one's
values in its leading slice (each dimension from 0), so channel c of a layer stays channel c.
What makes the function the same is the weights from the new channels into the old ones: in
each weight tensor, the entries that connect a new input channel to an old output channel are
zero. New channels start from the wider network's own initialisation (BatchNorm: scale 1, shift
0, running mean 0, variance 1), compute something, and reach no old channel until training
moves those zero weights; old channels, and so every output, start exactly as before.

This holds because the network's channel layouts nest: wherever channels are flattened or
concatenated, the channel index is the outer one (the line head flattens (channel, row) as
``channel * rows + row``), so the narrower network's inputs are the wider one's leading slice.

A deeper network (more blocks per stage: ``ModelConfig.blocks``) grows the same way: the extra
blocks come after the narrower network's in each stage, and each is a residual block whose last
batch norm starts with scale 0, so it adds 0 to its input and the stage computes what it did.

The other way, :func:`prune_into` starts a shallower network from a deeper one's weights, its last
blocks of each stage left out (a faster network to train from the one it is to replace).
"""

from __future__ import annotations

import torch
from torch import nn

from .net import InvertedResidual


def _leading(shape: torch.Size) -> tuple[slice, ...]:
    return tuple(slice(0, s) for s in shape)


def grow_into(model: nn.Module, narrow: dict[str, torch.Tensor]) -> list[str]:
    """Load ``narrow`` (a state dict of the same architecture with fewer channels) into ``model``
    in place, as described in the module; returns the names of ``model``'s tensors that had no
    counterpart in ``narrow`` (they keep their initialisation, but for the zero scale of each new
    block's last batch norm). Raises ValueError when a tensor of ``narrow`` is larger than the
    model's in some dimension or differs in rank, or names one the model lacks."""
    state = model.state_dict()
    unknown = [k for k in narrow if k not in state]
    if unknown:
        raise ValueError(f"the narrower weights hold {unknown[0]!r}, which this model lacks")
    grown = {}
    for name, new in state.items():
        old = narrow.get(name)
        if old is None:
            continue
        if old.dim() != new.dim() or any(o > n for o, n in zip(old.shape, new.shape)):
            raise ValueError(f"{name}: {tuple(old.shape)} does not fit inside {tuple(new.shape)}")
        t = new.clone()
        if old.dim() >= 2 and old.shape[1] < new.shape[1]:  # weights (out, in, ...): new inputs -> old outputs = 0
            t[:old.shape[0], old.shape[1]:] = 0
        t[_leading(old.shape)] = old
        grown[name] = t
    model.load_state_dict({**state, **grown})
    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, InvertedResidual) and f"{name}.block.0.0.weight" not in narrow:
                if not module.use_res:
                    raise ValueError(f"{name} is a new block that changes the shape: it cannot start as the identity")
                module.block[2][1].weight.zero_()  # the last batch norm's scale: the block adds 0
    return [k for k in state if k not in narrow]


def prune_into(model: nn.Module, deeper: dict[str, torch.Tensor]) -> list[str]:
    """Load ``deeper`` (a state dict of the same design with more blocks per stage and the same
    channels) into ``model`` in place, the blocks ``model`` lacks left out: the last ones of each
    stage, each a residual block (``x + f(x)``), so that the rest still computes most of what the
    deeper network did and training from there recovers the difference. Returns the names of the
    tensors left out. Raises ValueError when a tensor ``model`` has is missing or has another
    shape, or when what is left out is not whole residual blocks (stride 1, as wide in as out)."""
    state = model.state_dict()
    missing = [k for k in state if k not in deeper]
    if missing:
        raise ValueError(f"the deeper weights lack {missing[0]!r}")
    for name, t in state.items():
        if deeper[name].shape != t.shape:
            raise ValueError(f"{name}: {tuple(deeper[name].shape)} is not {tuple(t.shape)}")
    dropped = [k for k in deeper if k not in state]
    outside = [k for k in dropped if ".block." not in k]
    if outside:
        raise ValueError(f"{outside[0]!r} is not part of a block")
    for block in {k.split(".block.")[0] for k in dropped}:
        first = deeper.get(f"{block}.block.0.0.weight")  # the 1x1 expansion: (mid, in, 1, 1)
        last = deeper.get(f"{block}.block.2.0.weight")  # the 1x1 projection: (out, mid, 1, 1)
        # a stage's first block (index 0) is its stride-2 one; the others are stride 1
        if first is None or last is None or first.shape[1] != last.shape[0] or block.endswith(".0"):
            raise ValueError(f"{block} is not a residual block that can be left out")
    model.load_state_dict({k: deeper[k] for k in state})
    return dropped
