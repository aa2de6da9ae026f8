"""Creates a tiny LLaVA with transformers, saves it like a user would, and reports its logits, as JSON.

usage: python hf_llava_create.py OUT_DIR TOKENIZER.json REQUEST.json OUT.json [--dtype float32|bfloat16] [--shard BYTES]

REQUEST holds `input_ids` (image tokens expanded) and flat `pixel_values`. The model is random (seeded);
the tokenizer.json is given (transformers wraps it), with `<image>` added as a special token.
"""
import json
import sys

import torch
from transformers import CLIPImageProcessor, LlavaConfig, LlavaForConditionalGeneration, LlavaProcessor, PreTrainedTokenizerFast

out_dir, tokenizer_path, request_path, out_path = sys.argv[1:5]
dtype = sys.argv[sys.argv.index("--dtype") + 1] if "--dtype" in sys.argv else "float32"
shard = int(sys.argv[sys.argv.index("--shard") + 1]) if "--shard" in sys.argv else None
request = json.load(open(request_path))

tokenizer = PreTrainedTokenizerFast(tokenizer_file=tokenizer_path, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<unk>")
tokenizer.add_special_tokens({"additional_special_tokens": ["<image>"]})
image_token_index = tokenizer.convert_tokens_to_ids("<image>")
config = LlavaConfig(
    vision_config=dict(model_type="clip_vision_model", hidden_size=16, intermediate_size=32, num_hidden_layers=3, num_attention_heads=2, image_size=16, patch_size=4, hidden_act="quick_gelu"),
    text_config=dict(model_type="llama", vocab_size=len(tokenizer), hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-6, bos_token_id=1, eos_token_id=2),
    image_token_index=image_token_index,
    image_seq_length=16,
    vision_feature_layer=-2,
    vision_feature_select_strategy="default",
)
torch.manual_seed(1234)
model = LlavaForConditionalGeneration(config)
with torch.no_grad():  # larger weights than the default init, so the logits say something
    for p in model.parameters():
        p.add_(torch.randn_like(p) * 0.05)
model = model.to(getattr(torch, dtype)).eval()
kwargs = {"max_shard_size": shard} if shard else {}
model.save_pretrained(out_dir, **kwargs)
image_processor = CLIPImageProcessor(size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16})
processor = LlavaProcessor(image_processor=image_processor, tokenizer=tokenizer, patch_size=4, vision_feature_select_strategy="default", num_additional_image_tokens=1)
processor.save_pretrained(out_dir)
model = model.float()
with torch.no_grad():
    ids = torch.tensor([request["input_ids"]], dtype=torch.long)
    pixels = torch.tensor(request["pixel_values"], dtype=torch.float32).reshape(1, 3, 16, 16)
    logits = model(input_ids=ids, pixel_values=pixels).logits[0]
json.dump({"image_token_index": image_token_index, "vocab_size": len(tokenizer), "logits_shape": list(logits.shape), "logits": logits.flatten().tolist()}, open(out_path, "w"))
