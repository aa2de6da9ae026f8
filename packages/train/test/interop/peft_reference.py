"""PEFT as the judge of the toolkit's LoRA adapters (peft.interop.test.ts).

usage (two calls, as starting Python with torch is slow):
  python peft_reference.py prepare BASE_DIR PEFT_ADAPTER_DIR IDS_JSON
      a tiny LlamaForCausalLM (float32, seed 0) saved with save_pretrained, and a LoRA adapter made by
      PEFT on it (rsLoRA, random B so it matters); prints {"logits"} of the PEFT model as JSON
  python peft_reference.py judge BASE_DIR OUR_ADAPTER_DIR IDS_JSON MERGED_DIR SAME_CONFIG_DIR
      PeftModel.from_pretrained(base, our adapter): prints {"logits", "merged_logits", "lora_layers",
      "config"} as JSON, saves merge_and_unload() to MERGED_DIR, and saves what PEFT itself writes for
      the same LoraConfig (get_peft_model(base, config).save_pretrained) to SAME_CONFIG_DIR
"""
import json
import sys

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

torch.manual_seed(0)
torch.use_deterministic_algorithms(True)


def base(out_dir):
    config = LlamaConfig(
        vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-6, rope_theta=10000.0,
        tie_word_embeddings=False, initializer_range=0.1, bos_token_id=1, eos_token_id=2,
    )
    model = LlamaForCausalLM(config).to(torch.float32).eval()
    model.save_pretrained(out_dir, safe_serialization=True)


def logits_of(model, ids):
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids], dtype=torch.long)).logits[0].tolist()


def load(base_dir, adapter_dir, ids, merged_dir):
    model = LlamaForCausalLM.from_pretrained(base_dir, torch_dtype=torch.float32).eval()
    peft_model = PeftModel.from_pretrained(model, adapter_dir).eval()
    config = peft_model.peft_config["default"]
    adapted = logits_of(peft_model, ids)
    lora_layers = sorted(name for name, module in peft_model.named_modules() if hasattr(module, "lora_A") and "default" in module.lora_A)
    merged = peft_model.merge_and_unload()
    merged_logits = logits_of(merged, ids)
    merged.save_pretrained(merged_dir, safe_serialization=True)
    return {
        "logits": adapted,
        "merged_logits": merged_logits,
        "lora_layers": lora_layers,
        "config": {"r": config.r, "lora_alpha": config.lora_alpha, "use_rslora": config.use_rslora, "lora_dropout": config.lora_dropout,
                   "target_modules": config.target_modules if isinstance(config.target_modules, str) else sorted(config.target_modules)},
    }


def same_config(base_dir, adapter_dir, out_dir):
    saved = LoraConfig.from_pretrained(adapter_dir)
    config = LoraConfig(
        r=saved.r, lora_alpha=saved.lora_alpha, lora_dropout=saved.lora_dropout, use_rslora=saved.use_rslora,
        target_modules=saved.target_modules, bias="none", task_type="CAUSAL_LM",
    )
    model = LlamaForCausalLM.from_pretrained(base_dir, torch_dtype=torch.float32)
    peft_model = get_peft_model(model, config)
    peft_model.save_pretrained(out_dir)


def create(base_dir, out_dir, ids):
    model = LlamaForCausalLM.from_pretrained(base_dir, torch_dtype=torch.float32)
    config = LoraConfig(r=4, lora_alpha=6, lora_dropout=0.0, use_rslora=True, target_modules=["q_proj", "v_proj", "o_proj", "up_proj"], task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, config)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=generator) * 0.2)
    peft_model.eval()
    peft_model.save_pretrained(out_dir)
    return logits_of(peft_model, ids)


def prepare(base_dir, adapter_dir, ids_json):
    base(base_dir)
    print(json.dumps({"logits": create(base_dir, adapter_dir, json.loads(ids_json))}))


def judge(base_dir, adapter_dir, ids_json, merged_dir, same_config_dir):
    result = load(base_dir, adapter_dir, json.loads(ids_json), merged_dir)
    same_config(base_dir, adapter_dir, same_config_dir)
    print(json.dumps(result))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"prepare": prepare, "judge": judge}[command](*args)
