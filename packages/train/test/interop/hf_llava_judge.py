"""Loads a Hugging Face LLaVA folder with transformers and reports what it computes, as JSON.

usage: python hf_llava_judge.py DIR REQUEST.json OUT.json

REQUEST holds `input_ids` (image tokens already expanded) and `pixel_values` (flat, [1, 3, S, S]) for the
logits; optionally `image` (a file) with `prompt` for the processor, and `messages` for the chat template.
"""
import json
import sys

import torch
from PIL import Image
from transformers import AutoProcessor, LlavaForConditionalGeneration

folder, request_path, out_path = sys.argv[1:4]
request = json.load(open(request_path))
torch.manual_seed(0)
model = LlavaForConditionalGeneration.from_pretrained(folder, dtype=torch.float32)
model.eval()
processor = AutoProcessor.from_pretrained(folder)
size = model.config.vision_config.image_size
result = {"image_token_index": model.config.image_token_index, "processor": type(processor).__name__, "image_processor": type(processor.image_processor).__name__}
with torch.no_grad():
    ids = torch.tensor([request["input_ids"]], dtype=torch.long)
    pixels = torch.tensor(request["pixel_values"], dtype=torch.float32).reshape(1, 3, size, size)
    logits = model(input_ids=ids, pixel_values=pixels).logits[0]
    result["logits_shape"] = list(logits.shape)
    result["logits"] = logits.flatten().tolist()
if "image" in request:
    image = Image.open(request["image"])
    batch = processor(images=image, text=request["prompt"], return_tensors="pt")
    result["processor_input_ids"] = batch["input_ids"][0].tolist()
    result["processor_pixel_values"] = batch["pixel_values"][0].flatten().tolist()
if "messages" in request:
    result["chat_text"] = processor.apply_chat_template(request["messages"], add_generation_prompt=True, tokenize=False)
json.dump(result, open(out_path, "w"))
