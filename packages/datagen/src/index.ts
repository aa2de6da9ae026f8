// Public API of @vlm/datagen.
export {};
