// Public API of @vlm/eval.
export {};
