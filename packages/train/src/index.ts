// Public API of @vlm/train.
export {};
