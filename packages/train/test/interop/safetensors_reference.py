"""Writes the reference safetensors file of the interop tests with the Python `safetensors` library.

usage: python safetensors_reference.py OUT.safetensors

The same tensors are built on the Node side (safetensors-reference.ts); the test compares the bytes.
Floats are made as float32 first and then cast, as the toolkit's writer rounds float32 values.
"""
import sys

import torch
from safetensors.torch import save_file


def reference_tensors():
    f32 = lambda values: torch.tensor(values, dtype=torch.float32)
    return {
        "model.embed_tokens.weight": f32([[0.1, -3.0, 1e-8], [2.5, -0.0, 65504.0]]),
        "lm_head.weight": f32([[1.0, 2.0, 3.0]]).to(torch.bfloat16),
        "bf16.rounding": f32([0.1, 3.14159, -1e-3, 1.00390625, 1.01171875, 3e38]).to(torch.bfloat16),
        "f16.values": f32([0.1, -2.0, 6.1e-5, 65504.0, 1e-7]).to(torch.float16),
        "f64.values": torch.tensor([3.141592653589793, -1e300], dtype=torch.float64),
        "input_ids": torch.tensor([[1, 32000, -200], [2**40, -(2**63), 2**63 - 1]], dtype=torch.int64),
        "positions": torch.tensor([0, -1, 2147483647], dtype=torch.int32),
        "pixels": torch.tensor([[0, 127], [128, 255]], dtype=torch.uint8),
        "attention_mask": torch.tensor([[True, False, True]], dtype=torch.bool),
        "a.scalar": torch.tensor(7.0, dtype=torch.float32),
        "z.empty": torch.zeros((0, 3), dtype=torch.float32),
    }


if __name__ == "__main__":
    save_file(reference_tensors(), sys.argv[1], metadata={"format": "pt"})
