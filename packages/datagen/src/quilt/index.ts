// Public API of this area of @vlm/datagen (filled in by its issue).
export {};
