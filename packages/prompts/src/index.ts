// Public API of @vlm/prompts.
export {};
